"""Creating, previewing and publishing a notice (N-4.1.3): only approved cases, all or nothing."""

import pytest
import time_machine
from django.urls import reverse

from evalorg.applications.models import Application
from evalorg.applications.workflow import BatchRefused, TransitionRefused
from evalorg.core.models import AuditEvent
from evalorg.notify.models import Message, OutboundEmail
from evalorg.publicity.models import PublicityNotice
from evalorg.publicity.services import publish_notice
from tests.applications.conftest import applicant_of, build_application
from tests.publicity.conftest import BEFORE_START, approved, draft_notice, published

pytestmark = pytest.mark.django_db


def test_staff_create_preview_and_publish_through_the_pages(client, staff):
    cases = [approved(), approved()]
    client.force_login(staff)
    with time_machine.travel(BEFORE_START, tick=False):
        url = reverse("publicity:new") + f"?round={cases[0].round_id}"
        form = client.get(url).content.decode()
        for case in cases:
            assert f'value="{case.pk}"' in form and "checked" in form
        response = client.post(
            url,
            {
                "cases": [c.pk for c in cases],
                "title": "公示标题",
                "starts_on": "2023-09-27",
                "objections_to": "省中心",
                "template": "公示期 {start} 至 {end}，共 {count} 家",
            },
        )
        notice = PublicityNotice.objects.get()
        assert response["Location"] == reverse("publicity:notice", args=[notice.pk])
        assert notice.body == "公示期 2023年09月27日 至 2023年10月09日，共 2 家"
        assert client.get(reverse("public:notice", args=[notice.pk])).status_code == 404  # draft
        client.post(reverse("publicity:publish", args=[notice.pk]), {"confirm": "yes"})
    notice.refresh_from_db()
    assert notice.published_by == staff and notice.published_at is not None
    assert notice.status == "published"
    assert set(Application.objects.values_list("state", flat=True)) == {"in_publicity"}
    events = AuditEvent.objects.filter(action="publish", object_type="applications.application")
    assert events.count() == 2 and len({e.data["batch"] for e in events}) == 1
    own = AuditEvent.objects.get(action="publish", object_type="publicity.publicitynotice")
    assert (own.from_state, own.to_state, own.audience) == ("draft", "published", "staff")
    assert own.pk < min(e.pk for e in events)  # the notice moves first, its cases with it


def test_publishing_tells_the_institutions(staff, django_capture_on_commit_callbacks):
    case = approved()
    published([case], staff)
    assert Message.objects.filter(recipient=applicant_of(case), subject__contains="公示").exists()
    assert any(case.institution.contact_email in e.to for e in OutboundEmail.objects.all())


def test_a_selected_case_cannot_be_published(staff):
    ok = approved()
    selected = build_application()
    Application.objects.filter(pk=selected.pk).update(state="selected")
    with time_machine.travel(BEFORE_START, tick=False):
        notice = draft_notice([ok, selected], staff)
        with pytest.raises(BatchRefused) as refused:
            publish_notice(notice, staff)
    assert "当前状态为“评审通过”，不能执行“发布公示”" in str(refused.value)
    assert [f.obj.pk for f in refused.value.failures] == [selected.pk]
    notice.refresh_from_db()
    assert notice.published_at is None
    assert Application.objects.get(pk=ok.pk).state == "leadership_approved"
    assert Application.objects.get(pk=selected.pk).state == "selected"


def test_a_notice_is_published_once_and_not_after_its_start(staff):
    notice = published([approved()], staff)
    with time_machine.travel(BEFORE_START, tick=False), pytest.raises(TransitionRefused):
        publish_notice(notice, staff)
    late = draft_notice([approved()], staff)  # now (real clock) is after 2023-09-27
    with pytest.raises(TransitionRefused, match="公示开始日期已过"):
        publish_notice(late, staff)


def test_a_bad_round_parameter_is_not_found(client, staff):
    client.force_login(staff)
    assert client.get(reverse("publicity:new") + "?round=abc").status_code == 404


def test_an_application_without_a_leadership_record_cannot_be_published(staff):
    unrecorded = approved(with_decision=False)
    with time_machine.travel(BEFORE_START, tick=False):
        notice = draft_notice([unrecorded], staff)
        with pytest.raises(BatchRefused) as refused:
            publish_notice(notice, staff)
    assert "领导小组审定同意的记录" in str(refused.value)
    assert Application.objects.get(pk=unrecorded.pk).state == "leadership_approved"


def test_the_new_notice_form_starts_next_working_day_in_the_date_input_format(client, staff):
    """A date input only takes YYYY-MM-DD: the localised 2023/09/26 left the field empty; the
    default is the next working day (issue 22, tests/publicity/test_drafts.py)."""
    import time_machine
    from django.urls import reverse

    from evalorg.rounds.models import Round
    from tests.publicity.conftest import BEFORE_START

    client.force_login(staff)
    round_ = Round.objects.get(code="gd-2023")
    with time_machine.travel(BEFORE_START, tick=False):
        page = client.get(reverse("publicity:new"), {"round": round_.pk}).content.decode()
    assert 'name="starts_on" value="2023-09-27"' in page
