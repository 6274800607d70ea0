"""Telling the institution (in-app and e-mail) about its cultivation period."""

from __future__ import annotations

from evalorg.applications.submission import tell_applicant

tell_institution = tell_applicant
