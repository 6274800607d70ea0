"""The round's checklist as it applies to one application (our 附件1), and uploads to it."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Sum

from evalorg.core import audit, clock
from evalorg.core.files import UploadRefused, atomic_uploads, discard, store_upload
from evalorg.rounds.models import ChecklistItem

from .models import Application, Kind, Material, State

RequiredWhen = ChecklistItem.RequiredWhen


def item_applies(item: ChecklistItem, application: Application) -> bool:
    institution = application.institution
    return {
        RequiredWhen.ALWAYS: True,
        RequiredWhen.OPTIONAL: True,
        RequiredWhen.RECOMMENDED: institution.recommended_by_authority,
        RequiredWhen.CHAIN_LEADER: institution.is_chain_leader,
        RequiredWhen.EXPANSION: application.kind == Kind.EXPANSION,
    }[item.required_when]


def applicable_items(application: Application) -> list[ChecklistItem]:
    return [i for i in application.round.checklist.all() if item_applies(i, application)]


def current_materials(application: Application) -> dict[str, list[Material]]:
    grouped: dict[str, list[Material]] = {}
    for material in application.materials.filter(is_current=True).select_related("file"):
        grouped.setdefault(material.item_code, []).append(material)
    return grouped


def missing_required(application: Application) -> list[ChecklistItem]:
    present = set(application.materials.filter(is_current=True).values_list("item_code", flat=True))
    return [
        item
        for item in applicable_items(application)
        if item.required_when != RequiredWhen.OPTIONAL and item.code not in present
    ]


def total_bytes(application: Application) -> int:
    """What the application keeps in storage: current files and earlier versions (issue #11:
    the cap counted only current files while removed ones stayed on disk)."""
    total = application.materials.aggregate(s=Sum("file__size"))["s"]
    return total or 0


def never_submitted(application: Application) -> bool:
    """A draft nobody but the institution has seen: its removed files need not be kept."""
    return application.state == State.DRAFT and application.submitted_at is None


def add_material(
    application: Application,
    item: ChecklistItem,
    uploaded,
    user,
    *,
    replaces: Material | None = None,
) -> Material:
    """Store one upload for ``item``; refuses with a Chinese reason and changes nothing.

    With ``replaces``, the new file becomes current and the replaced one an earlier version
    (deleted instead in a never-submitted draft, when it stops counting towards the limit),
    in one transaction."""
    current = application.materials.filter(item_code=item.code, is_current=True)
    freed = 0
    if replaces is not None:
        current = current.exclude(pk=replaces.pk)
        freed = replaces.file.size if never_submitted(application) else 0
    if current.count() >= item.max_files:
        raise UploadRefused(
            f"“{item.title}”最多上传 {item.max_files} 个文件，请先删除不需要的文件。"
        )
    limit = application.round.max_application_bytes
    if total_bytes(application) - freed + uploaded.size > limit:
        raise UploadRefused(
            f"本申请的材料总大小将超过上限 {limit // (1024 * 1024)} MB，请压缩后再上传。"
        )
    with atomic_uploads():
        if replaces is not None:
            retire_material(replaces, user)
        stored = store_upload(
            uploaded, allowed_kinds=item.allowed_kinds, max_bytes=item.max_bytes, user=user
        )
        material = Material.objects.create(
            application=application, item_code=item.code, file=stored
        )
        audit.record(
            "material_uploaded",
            application,
            actor=user,
            data={"item": item.code, "file": stored.original_name, "sha256": stored.sha256},
        )
    return material


def retire_material(material: Material, user) -> bool:
    """Replaced or removed files stay as earlier versions once the application was submitted;
    in a never-submitted draft they are deleted, bytes included. True when deleted."""
    application = material.application
    deleted = never_submitted(application)
    data = {"item": material.item_code, "file": material.file.original_name}
    with transaction.atomic():
        if deleted:
            stored = material.file
            material.delete()
            discard(stored)
            data |= {"deleted": True, "sha256": stored.sha256}
        else:
            material.is_current = False
            material.replaced_at = clock.now()
            material.save(update_fields=["is_current", "replaced_at"])
        audit.record("material_removed", application, actor=user, data=data)
    return deleted
