"""Random inspection (双随机、一公开, N-5.2): the province draws a share of the filed
organizations and an inspector for each, then publishes the draw.

The draw is a pure function of what is recorded (``run_draw``): the sorted candidate ids, the
share, the seed and, per drawn organization, the sorted ids of the inspectors eligible for it
(active experts of an agency's pool, not of the organization's city, without a conflict of
interest as ``review.conflicts`` detects it). ``random.Random(seed)`` samples the organizations,
then picks each one's inspector in draw order, so ``verify`` re-runs it from the record alone.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from evalorg.accounts.models import Role
from evalorg.core import audit, clock
from evalorg.core.audit import Audience
from evalorg.core.workflow import (
    Party,
    Recipients,
    Refusal,
    Tell,
    Transition,
    TransitionRefused,
    define,
    register_description,
    register_party,
)
from evalorg.filing.models import FilingLetter
from evalorg.filing.registry import with_status
from evalorg.review.conflicts import ConflictIndex

from .models import Inspection, InspectionDraw

CLAUSE = "N-5.2"
D = InspectionDraw.Status
DRAWS = define(InspectionDraw, "status", "inspection_draw")


# ---- the draw itself: a pure function of the record ------------------------------------------


def draw_count(candidates: int, share: int) -> int:
    """How many organizations a share (percent) of ``candidates`` is: rounded up."""
    return min(candidates, -(-candidates * share // 100))  # integer ceiling: no float error


def run_draw(
    seed: int, candidates: list[int], share: int, eligible_of: Callable[[int], list[int]]
) -> list[tuple[int, int | None]]:
    """(organization id, inspector id or None when none is eligible) in draw order."""
    rng = random.Random(seed)
    drawn = rng.sample(candidates, draw_count(len(candidates), share))
    result: list[tuple[int, int | None]] = []
    for org in drawn:
        eligible = eligible_of(org)
        result.append((org, rng.choice(eligible) if eligible else None))
    return result


@dataclass(frozen=True)
class Verification:
    organizations_match: bool
    inspectors_match: bool
    recomputed: list[tuple[int, int | None]]

    @property
    def matches(self) -> bool:
        return self.organizations_match and self.inspectors_match


def verify(draw: InspectionDraw, recorded: list[Inspection] | None = None) -> Verification:
    """Re-run the draw from its recorded seed, candidates and eligible inspectors
    (``recorded``: the draw's inspections in order, when already loaded)."""
    if recorded is None:
        recorded = list(draw.inspections.order_by("position"))
    eligible = {i.institution_id: list(i.eligible) for i in recorded}
    again = run_draw(draw.seed, list(draw.candidates), draw.share, lambda o: eligible.get(o, []))
    return Verification(
        organizations_match=[o for o, _i in again] == [i.institution_id for i in recorded],
        inspectors_match=again == [(i.institution_id, i.inspector_id) for i in recorded],
        recomputed=again,
    )


# ---- the inputs: filed organizations and the inspector pool -----------------------------------


def filed_letters() -> dict[int, FilingLetter]:
    """Each organization with a filing letter valid today and not suspended or revoked (the
    registry's status, ``registry.with_status``): its latest letter (by id)."""
    letters = with_status(FilingLetter.objects.filter(valid_until__gte=clock.today()))
    letters = letters.filter(org_status__isnull=True).select_related("application__institution")
    return {letter.application.institution_id: letter for letter in letters.order_by("pk")}


def inspector_pool() -> list[Any]:
    """The active experts of the agencies' pools (a city's or the center's), in id order."""
    users = get_user_model().objects.filter(
        role=Role.EXPERT, is_active=True, expert_profile__pool_agency__isnull=False
    )
    return list(users.select_related("expert_profile__pool_agency").order_by("pk"))


def city_of(expert: Any) -> str | None:
    """The expert's city (division code): its profile's, else its pool agency's division."""
    profile = getattr(expert, "expert_profile", None)
    if profile is None:
        return None
    if profile.city_id is not None:
        return str(profile.city_id)
    return str(profile.pool_agency.division_id) if profile.pool_agency else None


def eligible_inspectors(letter: FilingLetter, pool: list[Any], index: ConflictIndex) -> list[int]:
    case = letter.application
    city = case.institution.city_id
    return [e.pk for e in pool if city_of(e) != city and not index.conflicted_anywhere(e, case)]


# ---- creating and publishing ------------------------------------------------------------------


def _input_refusals(year: int, share: int, candidates: list[int]) -> list[Refusal]:
    refusals = []
    if not 1 <= share <= 100:
        refusals.append(Refusal(CLAUSE, _("抽取比例须在 1% 至 100% 之间。")))
    if not 2000 <= year <= 2100:
        refusals.append(Refusal(CLAUSE, _("请填写正确的年度。")))
    if not candidates:
        refusals.append(Refusal(CLAUSE, _("目前没有备案有效期内的评价组织，无法抽取。")))
    return refusals


@transaction.atomic
def create_draw(
    user: Any,
    year: int,
    share: int,
    seed: int | None = None,
    *,
    among: set[int] | None = None,
) -> InspectionDraw:
    """Draw and record (state draft); refused, nothing stored, when an input is out of range
    or a drawn organization has no eligible inspector (N-5.2). ``among``: only these
    organizations are candidates (the simulation draws its own, never a real one)."""
    letters = filed_letters()
    if among is not None:
        letters = {org: letter for org, letter in letters.items() if org in among}
    candidates = sorted(letters)
    if refusals := _input_refusals(year, share, candidates):
        raise TransitionRefused(refusals)
    seed = secrets.randbits(48) if seed is None else seed
    pool = inspector_pool()
    index = ConflictIndex.for_applications([lt.application for lt in letters.values()], pool)
    eligible: dict[int, list[int]] = {}

    def eligible_of(org: int) -> list[int]:
        eligible[org] = eligible_inspectors(letters[org], pool, index)
        return eligible[org]

    result = run_draw(seed, candidates, share, eligible_of)
    if missing := [letters[o].application.institution.name for o, i in result if i is None]:
        raise TransitionRefused(
            [
                Refusal(
                    CLAUSE,
                    _(
                        "以下评价组织没有可抽取的检查人员（已排除同城及存在利害关系的专家）：%(names)s"
                    )
                    % {"names": "、".join(missing)},
                )
            ]
        )
    draw = InspectionDraw.objects.create(
        year=year,
        share=share,
        seed=seed,
        candidates=candidates,
        drawn_at=clock.now(),
        drawn_by=user,
    )
    Inspection.objects.bulk_create(
        Inspection(
            draw=draw,
            position=n,
            institution_id=org,
            inspector_id=inspector,
            eligible=eligible[org],
        )
        for n, (org, inspector) in enumerate(result, start=1)
    )
    audit.record(
        "inspection_drawn",
        draw,
        actor=user,
        to_state=draw.status,
        data={"year": year, "share": share, "seed": seed, "drawn": len(result)},
        audience=Audience.STAFF,
    )
    return draw


def stamp_published(draw: InspectionDraw, actor: Any, data: dict[str, Any]) -> None:
    draw.published_at = clock.now()
    data["drawn"] = draw.inspections.count()


PUBLISH = Transition(
    action="publish_draw",
    label=_("公开抽查结果"),
    sources=frozenset({D.DRAFT}),
    target=D.PUBLISHED,
    roles=frozenset({Role.PROVINCE_STAFF}),
    effects=(stamp_published,),
    confirm=_("确定公开本次抽取结果？公开后抽取名单在公开页面展示，不能撤回。"),
    audit_fields=("drawn",),
    audience=Audience.STAFF,
    tell=(
        Tell(
            Party.APPLICANT,
            _lazy("双随机抽查：%(draw)s"),
            _lazy("贵机构在%(draw)s中被抽取，检查人员将与您联系，请配合检查（N-5.2）。"),
        ),
        Tell(
            Party.EXPERTS,
            _lazy("抽查任务：%(draw)s"),
            _lazy("您在%(draw)s中被抽取为检查人员，请在抽查页面查看您负责的评价组织（N-5.2）。"),
        ),
        Tell(
            Party.RECEIVING_AGENCY,
            _lazy("双随机抽查已公开：%(draw)s"),
            _lazy("%(draw)s的抽取结果已公开，请关注本地评价组织的检查（N-5.2）。"),
        ),
    ),
)


# ---- who sees which draws, and who is told ----------------------------------------------------


def draws_for(user: Any) -> QuerySet[InspectionDraw]:
    """Provincial staff read every draw; city staff the published ones (their city's rows,
    ``rows_for``); an inspector the published draws it was drawn in."""
    if not user.is_authenticated:
        return InspectionDraw.objects.none()
    if user.has_role(Role.PROVINCIAL):
        return InspectionDraw.objects.all()
    published = InspectionDraw.objects.filter(status=D.PUBLISHED)
    if user.has_role(Role.CITY_STAFF):
        return published
    if user.has_role(Role.EXPERT):
        return published.filter(pk__in=Inspection.objects.filter(inspector=user).values("draw"))
    return InspectionDraw.objects.none()


def rows_for(draw: InspectionDraw, user: Any) -> QuerySet[Inspection]:
    """The draw's inspections the user reads: all for provincial staff, its city's for city
    staff, its own for an inspector."""
    rows = draw.inspections.select_related("institution__city", "inspector").order_by("position")
    if user.has_role(Role.PROVINCIAL):
        return rows
    if user.has_role(Role.CITY_STAFF):
        return rows.filter(institution__city_id=user.agency.division_id)
    return rows.filter(inspector=user)


def _users(qs: QuerySet[Any], url: str) -> Recipients:
    users = list(qs.filter(is_active=True))
    return Recipients(users=users, emails=[u.email for u in users if u.email], url=url)


def draw_url(draw: InspectionDraw) -> str:
    return reverse("supervision:draw", args=[draw.pk])


def drawn_organizations(draw: InspectionDraw) -> Recipients:
    users = (
        get_user_model().objects.filter(membership__institution__inspections__draw=draw).distinct()
    )
    return _users(users, reverse("inspections_public:list"))


def inspectors(draw: InspectionDraw) -> Recipients:
    users = get_user_model().objects.filter(inspections__draw=draw).distinct()
    return _users(users, draw_url(draw))


def local_agencies(draw: InspectionDraw) -> Recipients:
    cities = draw.inspections.values("institution__city_id")
    users = get_user_model().objects.filter(role=Role.CITY_STAFF, agency__division_id__in=cities)
    return _users(users, draw_url(draw))


def describe_draw(draw: InspectionDraw) -> dict[str, Any]:
    return {"draw": str(draw)}


def register_inspection_workflow() -> None:
    DRAWS.register(PUBLISH)
    register_party(InspectionDraw, Party.APPLICANT, drawn_organizations)
    register_party(InspectionDraw, Party.EXPERTS, inspectors)
    register_party(InspectionDraw, Party.RECEIVING_AGENCY, local_agencies)
    register_description(InspectionDraw, describe_draw)
