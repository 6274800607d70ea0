from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

from .models import ChecklistItem, Round


class ChecklistInline(admin.TabularInline):
    model = ChecklistItem
    extra = 0


class RoundForm(forms.ModelForm):
    class Meta:
        model = Round
        fields = ["question_bank_requirements"]  # RoundAdmin.get_fields names the others

    def clean_question_bank_requirements(self) -> dict:
        """The round's question-bank requirements (N-4.2, 附件6) must be readable and possible
        to meet: shares adding up to 100 %, counts above 0, type ranges that fill a paper."""
        from evalorg.cultivation.banks.requirements import BankRequirements

        data = self.cleaned_data.get("question_bank_requirements") or {}
        if not isinstance(data, dict):
            raise forms.ValidationError(_("试题开发要求应为 JSON 对象（N-4.2）。"))
        try:
            problems = BankRequirements.from_dict(data).problems()
        except (TypeError, ValueError) as exc:
            problems = [str(exc)]
        if problems:
            raise forms.ValidationError(problems)
        return data


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    form = RoundForm
    list_display = [
        "name",
        "year",
        "published_on",
        "application_deadline",
        "city_assessment_deadline",
        "is_reference",
    ]
    inlines = [ChecklistInline]

    def get_fields(self, request: HttpRequest, obj: Round | None = None) -> list[str]:
        """Every editable field: without this the admin showed only the form's own field, so
        no other rule of a round (e.g. its governing notice, issue 22) could be edited."""
        return [
            f.name
            for f in Round._meta.get_fields()
            if getattr(f, "concrete", False) and f.editable and not f.auto_created
        ]

    def save_model(self, request: HttpRequest, obj: Round, form: forms.ModelForm, change: bool):
        super().save_model(request, obj, form, change)
        if change and "question_bank_requirements" in form.changed_data:
            from evalorg.cultivation.deliverables import recheck_round

            count = recheck_round(obj, request.user)
            if count:
                notice = _("试题开发要求已修改：%(n)d 份题库成果已排队重新检查。") % {"n": count}
                messages.info(request, notice)
