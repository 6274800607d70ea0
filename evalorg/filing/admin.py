"""Admin: staff replace the filing letter's Word template (a docxtpl document, see
``letters.py`` for its variables); letters and number sequences are read-only."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from evalorg.core.files import atomic_uploads, release_when_replaced, sniff_kind, store_upload

from .models import FilingLetter, LetterSequence, LetterTemplate

MAX_TEMPLATE_BYTES = 5 * 1024 * 1024


class LetterTemplateForm(forms.ModelForm):
    upload = forms.FileField(label=_("模板文件（DOCX）"), required=False)
    # Not a model field of the form, so switching the active template is not refused by the
    # one-active-template constraint: ``save_model`` deactivates the others first.
    make_active = forms.BooleanField(label=_("启用"), required=False)

    class Meta:
        model = LetterTemplate
        fields = ["name"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["make_active"].initial = self.instance.active

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if upload is None:
            if not self.instance.pk:
                raise forms.ValidationError(_("请上传 Word（DOCX）模板文件。"))
            return None
        if sniff_kind(upload) != "docx":
            raise forms.ValidationError(_("模板文件须为 Word 文档（DOCX）。"))
        if not 0 < upload.size <= MAX_TEMPLATE_BYTES:
            raise forms.ValidationError(_("模板文件为空或超过 5 MB。"))
        return upload


@admin.register(LetterTemplate)
class LetterTemplateAdmin(admin.ModelAdmin):
    form = LetterTemplateForm
    list_display = ["name", "active", "created_at"]

    def save_model(self, request, obj, form, change):
        upload = form.cleaned_data.get("upload")
        obj.active = form.cleaned_data.get("make_active", False)
        with atomic_uploads():
            if upload is not None:  # checked by the form: docx, within the size limit
                if change:  # the replaced template file: letters keep their own copies
                    release_when_replaced(LetterTemplate.objects.get(pk=obj.pk).file_id)
                obj.file = store_upload(
                    upload,
                    allowed_kinds=["docx"],
                    max_bytes=MAX_TEMPLATE_BYTES,
                    user=request.user,
                )
            if obj.active:  # one active template: switching activates this one only
                with transaction.atomic():
                    LetterTemplate.objects.filter(active=True).exclude(pk=obj.pk).update(
                        active=False
                    )
            super().save_model(request, obj, form, change)


@admin.register(FilingLetter)
class FilingLetterAdmin(admin.ModelAdmin):
    list_display = ["number", "application", "issued_on", "valid_until", "batch"]
    search_fields = ["number", "application__institution__name"]
    readonly_fields = [f.name for f in FilingLetter._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LetterSequence)
class LetterSequenceAdmin(admin.ModelAdmin):
    list_display = ["round", "year", "last"]
    readonly_fields = ["round", "year", "last"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
