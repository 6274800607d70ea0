"""Demo data: a small simulated round (40 institutions, seed 2026) for ``make run``.

Idempotent: the round's code is fixed, so a second ``load_demo`` finds it and only prints the
logins again. The round ends before today, so the demo's own open round stays the current one.
The demo staff and experts act in it where their agency applies (gz_staff for 广州's cases,
province_staff for the center, department for the approvals, expert1..3 on panels); two of the
simulated organizations (one filed, one eliminated) get the demo password.
"""

from __future__ import annotations

from django.conf import settings

from evalorg.accounts.demo import DEMO_PASSWORD
from evalorg.accounts.models import User
from evalorg.applications.models import State
from evalorg.core.demo import DemoContext, DemoLogin
from evalorg.rounds.models import Round

from .run import simulate

DEMO_TAG = "demo-sim"
DEMO_INSTITUTIONS = 40
DEMO_SEED = 2026


def _login(context: DemoContext, state: str, note: str) -> None:
    user = (
        User.objects.filter(
            membership__institution__applications__round__code=DEMO_TAG,
            membership__institution__applications__state=state,
        )
        .order_by("username")
        .first()
    )
    if user is None:
        return
    if not user.has_usable_password():
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    context.logins.append(DemoLogin(user.username, DEMO_PASSWORD, "申请机构（模拟批次）", note))


def build_simulated_round(context: DemoContext) -> None:
    if not settings.EVALORG_DEMO_SIMULATION:
        return
    if not Round.objects.filter(code=DEMO_TAG).exists():
        simulate(DEMO_INSTITUTIONS, DEMO_SEED, tag=DEMO_TAG, progress=True)
    _login(context, State.FILED, "模拟批次：已备案")
    _login(context, State.ELIMINATED, "模拟批次：自然淘汰")
