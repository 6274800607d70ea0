"""Telling the institution (in-app and e-mail) about its cultivation period."""

from __future__ import annotations

from django.urls import reverse

from evalorg.applications.models import Application
from evalorg.applications.submission import applicant_emails, applicant_users
from evalorg.notify.services import notify_users, queue_email


def tell_institution(application: Application, subject: str, body: str) -> None:
    url = reverse("applications:detail", args=[application.pk])
    notify_users(applicant_users(application), subject, body, url)
    queue_email(applicant_emails(application), subject, body)
