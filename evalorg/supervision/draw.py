"""Drawing the quality supervisor (督导员) of an assessment plan (N-5.2).

The candidates are the active experts of the local agency's pool (``ExpertProfile.pool_agency``)
without a conflict of interest with the organization, as the review's one detection rule finds
it (``review.conflicts``: employer USCC, contact, account at the institution), in id order; the
draw is ``random.Random(seed).choice``, the seed recorded, so re-running it gives the same
expert as long as the pool is the same."""

from __future__ import annotations

import random
import secrets
from typing import Any

from django.contrib.auth import get_user_model

from evalorg.accounts.models import Role
from evalorg.review.conflicts import ConflictIndex

from .models import AssessmentPlan


def pool_of(plan: AssessmentPlan) -> list[Any]:
    users = get_user_model().objects.filter(
        role=Role.EXPERT, is_active=True, expert_profile__pool_agency_id=plan.agency_id
    )
    return list(users.select_related("expert_profile").order_by("pk"))


def eligible_supervisors(plan: AssessmentPlan) -> list[Any]:
    """The pool without the experts conflicted with the plan's organization, in id order."""
    pool = pool_of(plan)
    if not pool:
        return []
    case = plan.line.application
    index = ConflictIndex.for_applications([case], experts=pool)
    return [expert for expert in pool if not index.computed(expert, case)]


def pick(candidates: list[Any], seed: int) -> Any:
    """The draw itself: reproducible from ``seed`` over the same candidates."""
    return random.Random(seed).choice(candidates)


def draw_supervisor(plan: AssessmentPlan, seed: int | None = None) -> tuple[Any, int]:
    """(the drawn expert, the seed used); a fresh random seed when none is given."""
    if seed is None:
        seed = secrets.randbits(48)
    return pick(eligible_supervisors(plan), seed), seed
