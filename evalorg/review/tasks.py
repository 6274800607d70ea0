"""Background tasks of review (django-tasks; run by ``manage.py run_worker``)."""

from __future__ import annotations

from django_tasks import task


@task()
def build_summary_pdf(agency_id: int, round_id: int, prepared_by: str, prepared_on: str) -> str:
    """Lay out one agency's 附件4 PDF (``summary_builds.build``). ``prepared_on``: the day the
    request asked, for the log (the build prints the day it runs, as its fingerprint says)."""
    from evalorg.accounts.models import Agency
    from evalorg.rounds.models import Round

    from . import summary_builds

    agency, round_ = Agency.objects.get(pk=agency_id), Round.objects.get(pk=round_id)
    built = summary_builds.build(agency, round_, prepared_by)
    return f"附件4 of {agency.name}, round {round_.code} ({prepared_on}): {built.file.size} bytes"
