"""What happens when a case is submitted, returned or withdrawn (effects of the workflow)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.urls import reverse

from evalorg.core import clock
from evalorg.notify.services import notify_users, queue_email
from evalorg.rounds.models import Round

from .eligibility import Outcome
from .models import Application
from .routing import receiving_agency


def acknowledgement_number(application: Application) -> str:
    """Round year + receiving agency's city code (4400 = provincial center) + sequence."""
    Round.objects.select_for_update().get(pk=application.round_id)  # serialize numbering
    area = application.receiving_agency.division_id[:4]
    prefix = f"{application.round.year}-{area}-"
    taken = Application.objects.filter(acknowledgement_no__startswith=prefix).count()
    return f"{prefix}{taken + 1:04d}"


def institution_snapshot(application: Application) -> dict:
    institution = application.institution
    return {
        "name": institution.name,
        "uscc": institution.uscc,
        "category": institution.category,
        "other_kind": institution.other_kind,
        "level": institution.level,
        "city": institution.city_id,
        "county": institution.county_id,
        "address": institution.address,
        "legal_rep_name": institution.legal_rep_name,
        "contact_name": institution.contact_name,
        "contact_phone": institution.contact_phone,
        "contact_email": institution.contact_email,
        "recommended_by_authority": institution.recommended_by_authority,
        "recommending_authority": institution.recommending_authority,
    }


def applicant_users(application: Application):
    return get_user_model().objects.filter(
        membership__institution_id=application.institution_id, is_active=True
    )


def agency_users(application: Application):
    return get_user_model().objects.filter(
        agency_id=application.receiving_agency_id, is_active=True
    )


def applicant_emails(application: Application) -> list[str]:
    emails = [application.institution.contact_email]
    emails += list(applicant_users(application).values_list("email", flat=True))
    return emails


def tell_applicant(application: Application, subject: str, body: str) -> None:
    """Tell the institution's users (in-app, linking the case) and its contacts (e-mail)."""
    url = reverse("applications:detail", args=[application.pk])
    notify_users(applicant_users(application), subject, body=body, url=url)
    queue_email(applicant_emails(application), subject, body)


def on_submitted(application: Application, actor, data: dict) -> None:
    application.receiving_agency = receiving_agency(application.institution, application.route)
    if not application.acknowledgement_no:
        application.acknowledgement_no = acknowledgement_number(application)
    application.submitted_at = clock.now()
    application.institution_snapshot = institution_snapshot(application)
    results = data.pop("_eligibility", [])
    application.eligibility = [r.as_dict() for r in results]
    application.needs_review = any(r.outcome == Outcome.NEEDS_REVIEW for r in results)
    url = reverse("applications:detail", args=[application.pk])
    city_deadline = application.round.city_assessment_deadline
    agency = application.receiving_agency.name
    subject = f"备案申请已提交，受理编号 {application.acknowledgement_no}"
    body = (
        f"{application.institution.name}：\n您的{application.get_kind_display()}已提交至{agency}，"
        f"受理编号 {application.acknowledgement_no}，"
        f"提交时间 {application.submitted_at:%Y-%m-%d %H:%M}。"
        "请留意后续审核结果。"
    )
    queue_email(applicant_emails(application), subject, body)
    notify_users(
        agency_users(application),
        f"新的备案申请：{application.institution.name}（{application.acknowledgement_no}）",
        body=f"请在地市评估截止日 {city_deadline:%Y年%m月%d日} 前完成初审。",
        url=url,
    )


def on_returned(application: Application, actor, data: dict) -> None:
    reason = data.get("reason", "")
    city_deadline = application.round.city_assessment_deadline
    subject = f"备案申请被退回补正（{application.acknowledgement_no}）"
    body = (
        f"{application.institution.name}：\n您的申请被{application.receiving_agency.name}退回补正。"
        f"\n理由：{reason}\n请在 {city_deadline:%Y年%m月%d日}（含当天）"
        "前修改并重新提交（N-4.1.2）。"
    )
    tell_applicant(application, subject, body)


def on_withdrawn(application: Application, actor, data: dict) -> None:
    if application.receiving_agency_id is None:
        return
    notify_users(
        agency_users(application),
        f"申请已撤回：{application.institution.name}（{application.acknowledgement_no}）",
        body=data.get("reason", ""),
        url=reverse("applications:detail", args=[application.pk]),
    )
