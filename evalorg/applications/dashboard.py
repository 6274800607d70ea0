"""The home page's case dashboard (issue #10): the cases the user may see counted by state,
the open rounds' deadlines with days left, and for staff two charts (cases by state; by city
for the provincial center and the department, by county for a city agency). A fixed number of
queries whatever the number of cases (aggregates, no per-row queries)."""

from __future__ import annotations

from django.db.models import Count
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from evalorg.accounts.models import Role
from evalorg.accounts.permissions import has_role
from evalorg.core import clock
from evalorg.rounds.models import Round

from .access import scope_applications
from .models import Application, State

AREA_FIELD = {True: "institution__county__name", False: "institution__city__name"}


def state_counts(cases) -> list[dict]:
    labels = dict(State.choices)
    rows = cases.order_by().values("state").annotate(n=Count("pk"))
    counts = {row["state"]: row["n"] for row in rows}
    return [
        {"state": value, "label": str(labels[value]), "count": counts[value]}
        for value, _label in State.choices
        if counts.get(value)
    ]


def area_counts(cases, user) -> tuple[str, list[dict]]:
    """Cases by county (a city agency) or by city (the province), largest first."""
    by_county = has_role(user, Role.CITY_STAFF)
    field = AREA_FIELD[by_county]
    rows = cases.order_by().values(field).annotate(n=Count("pk")).order_by("-n", field)
    title = _("按区县统计") if by_county else _("按地市统计")
    return title, [{"label": row[field] or _("未填写"), "count": row["n"]} for row in rows]


def deadlines() -> list[dict]:
    """The deadlines still ahead in the rounds being run, with the days left (today counts)."""
    today = clock.today()
    rows = []
    rounds = Round.objects.filter(city_assessment_deadline__gte=today).order_by("published_on")
    for round_ in rounds[:3]:
        for label, day in [
            (_("申请截止"), round_.application_deadline),
            (_("地市评估截止"), round_.city_assessment_deadline),
        ]:
            if day >= today:
                rows.append(
                    {"round": round_.name, "label": label, "day": day, "left": (day - today).days}
                )
    return sorted(rows, key=lambda r: r["day"])


def case_dashboard(request) -> str | None:
    user = request.user
    if not user.is_authenticated or not has_role(user, Role.AGENCY_STAFF, Role.APPLICANT):
        return None
    cases = scope_applications(Application.objects.all(), user)
    by_state = state_counts(cases)
    context = {
        "by_state": by_state,
        "deadlines": deadlines(),
        "total": sum(r["count"] for r in by_state),
    }
    if has_role(user, Role.AGENCY_STAFF):
        area_title, by_area = area_counts(cases, user)
        context.update(
            charts=True,
            area_title=area_title,
            chart_data={
                "state": {
                    "labels": [r["label"] for r in by_state],
                    "counts": [r["count"] for r in by_state],
                },
                "area": {
                    "labels": [r["label"] for r in by_area],
                    "counts": [r["count"] for r in by_area],
                },
            },
        )
    return render_to_string("applications/_dashboard.html", context, request=request)
