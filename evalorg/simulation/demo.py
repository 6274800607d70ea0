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
from evalorg.rounds.simulated import LEGACY_SIMULATED_CODES

from .run import simulate

# A simulated round's code ("sim-" first): the sweeps skip it, production refuses to start with
# it, `manage.py remove_simulation sim-demo` removes it.
DEMO_TAG = "sim-demo"
DEMO_INSTITUTIONS = 40
DEMO_SEED = 2026


def _login(context: DemoContext, code: str, state: str, note: str) -> None:
    user = (
        User.objects.filter(
            membership__institution__applications__round__code=code,
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
    # A database loaded before 2026.12.2 holds the same round as "demo-sim".
    existing = Round.objects.filter(code__in=(DEMO_TAG, *LEGACY_SIMULATED_CODES)).first()
    if existing is None:
        simulate(DEMO_INSTITUTIONS, DEMO_SEED, tag=DEMO_TAG, progress=True)
    code = existing.code if existing else DEMO_TAG
    _login(context, code, State.FILED, "模拟批次：已备案")
    _login(context, code, State.ELIMINATED, "模拟批次：自然淘汰")
