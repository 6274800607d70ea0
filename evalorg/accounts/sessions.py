"""Sessions stored in the database whose 30-minute idle expiry slides forward at most once a
minute, instead of a session UPDATE (a write transaction) on every request.

``SESSION_SAVE_EVERY_REQUEST`` wrote the session row on every signed-in request: three of a
staff list's statements (BEGIN, UPDATE, COMMIT) and the only write of a read-only page (issue
12, throughput). Here the row is written when its data change, as Django does, and when its
stored expiry is more than ``REFRESH`` old. The stored expiry is therefore never later than
the last request + ``SESSION_COOKIE_AGE``: a session idle for 30 minutes still ends (at worst
up to a minute sooner), so the idle timeout is not weakened.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.sessions.backends import db
from django.http import HttpRequest, HttpResponse

from evalorg.core import clock

REFRESH = timedelta(minutes=1)


class SessionStore(db.SessionStore):
    """The database store, remembering the expiry of the row it loaded."""

    loaded_expiry: datetime | None = None

    def _get_session_from_db(self):
        session = super()._get_session_from_db()
        self.loaded_expiry = session.expire_date if session else None
        return session

    def expiry_stale(self) -> bool:
        """Was the loaded row's expiry set more than ``REFRESH`` ago?"""
        if self.loaded_expiry is None:
            return False
        age = timedelta(seconds=settings.SESSION_COOKIE_AGE)
        return self.loaded_expiry - clock.now() < age - REFRESH


class SessionExpiryMiddleware:
    """Placed right after Django's ``SessionMiddleware`` (which stays in MIDDLEWARE, so the
    deploy checks still see it): marks an unchanged session for saving when its expiry is
    stale, before ``SessionMiddleware`` decides whether to save (see the module's docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.refresh_due(getattr(request, "session", None)):
            request.session.modified = True
        return response

    @staticmethod
    def refresh_due(session) -> bool:
        return (
            isinstance(session, SessionStore)
            and session.accessed
            and not session.is_empty()
            and session.expiry_stale()
        )
