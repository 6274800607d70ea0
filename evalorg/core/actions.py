"""The one way a page acts (issue 18 item 4): check, confirm, perform, tell, redirect.

Every state-changing view ends in ``run()`` (or ``run_transition()`` for a plain workflow
action), so every page behaves alike:

1. what can be known to fail before asking (the form, the engine's check) is refused first,
   shown in Chinese with its clause, and nothing changes: nobody confirms "不能撤回" only to be
   refused afterwards;
2. an irreversible action then asks once (``core.confirm``: the browser dialog, or without
   JavaScript the server's confirm page re-posting the same fields);
3. it is performed; a refusal raised meanwhile (someone else acted first) is shown the same way;
4. success is said in a message and the browser is redirected (POST/redirect/GET).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from .confirm import unless_confirmed
from .workflow import Refusal, TransitionRefused, check, perform, workflow_of

Precheck = Callable[[], list[Refusal]]
Refused = Callable[[list[Refusal]], HttpResponse]
FromResult = Callable[[Any], str]


def show_refusals(request: HttpRequest, refusals: list[Refusal]) -> None:
    """Each refusal as an error message: the reason and the clause it cites."""
    for refusal in refusals:
        messages.error(request, refusal.shown)


class _TrialRun(Exception):
    """Raised to roll a trial run back."""


def trial_refusals(act: Callable[[], Any]) -> list[Refusal]:
    """What ``act`` would be refused for, when its guards read what it saves first (a form's
    values): it is run and rolled back, so nothing changes either way. A precheck."""
    try:
        with transaction.atomic():
            act()
            raise _TrialRun
    except TransitionRefused as refused:
        return refused.refusals
    except _TrialRun:
        return []


def _precheck_refusals(precheck: Precheck | None) -> list[Refusal]:
    if precheck is None:
        return []
    # Guards may lock rows (the quota's agency row): they run in a transaction, as in perform().
    with transaction.atomic():
        return precheck()


def run(
    request: HttpRequest,
    act: Callable[[], Any],
    *,
    back: str,
    success: str | FromResult = "",
    question: str = "",
    precheck: Precheck | None = None,
    done_url: str | FromResult = "",
    refused: Refused | None = None,
) -> HttpResponse:
    """Check, confirm, act, tell, redirect (see the module docstring). ``back`` is where a
    refusal or a cancelled confirmation returns; ``done_url`` (default ``back``) after success.
    ``success`` and ``done_url`` may be functions of what ``act`` returned (the session
    created, the batch sent), so a view needs no holder to carry it out.
    ``refused``, when given, answers a refusal instead (a form page shown again with what was
    typed and the refusals); by default they are messages and the browser goes ``back``."""

    def answer(refusals: list[Refusal]) -> HttpResponse:
        if refused is not None:
            return refused(refusals)
        show_refusals(request, refusals)
        return redirect(back)

    if refusals := _precheck_refusals(precheck):
        return answer(refusals)
    if asking := unless_confirmed(request, question, back=back):
        return asking
    try:
        result = act()
    except TransitionRefused as refusal:
        return answer(refusal.refusals)
    if text := success(result) if callable(success) else success:
        messages.success(request, text)
    return redirect((done_url(result) if callable(done_url) else done_url) or back)


def run_transition(
    request: HttpRequest,
    obj: Any,
    action: str,
    *,
    back: str,
    data: dict[str, Any] | None = None,
    success: str = "",
    done_url: str = "",
) -> HttpResponse:
    """``run()`` for one workflow action on ``obj`` by the signed-in user, with the action's
    own confirmation question and the engine's check as the precheck."""
    data = dict(data or {})
    transition = workflow_of(obj).table.get(action)
    label = transition.label if transition else action
    return run(
        request,
        lambda: perform(obj, action, request.user, **data),
        back=back,
        success=success or _("已完成：%(label)s。") % {"label": label},
        question=transition.confirm if transition else "",
        precheck=lambda: check(obj, action, request.user, data),
        done_url=done_url,
    )
