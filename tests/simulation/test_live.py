"""The demo's live work (issue 22, "The demo"): after ``load_demo`` every demo login finds work
of its stage on its home page, and simulated institutions request only occupations that have a
national standard and fit their category (evalorg/simulation/live.py, people.FITTING_PREFIXES).

``load_demo`` with the live rounds takes most of a minute: it runs once for the module."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.urls import reverse

from evalorg.accounts.demo_probe import DEMO_USERNAMES
from evalorg.accounts.models import Agency, Role, User
from evalorg.applications.models import Application, ApplicationOccupation, State
from evalorg.catalog.models import Occupation, SkillStandard
from evalorg.complaints.models import Complaint
from evalorg.core import clock
from evalorg.core.todo import todo_items
from evalorg.cultivation.models import CultivationPeriod
from evalorg.filing.batches import acceptance_batches
from evalorg.institutions.models import Category
from evalorg.publicity.models import PublicityNotice
from evalorg.publicity.services import objection_window_refusal
from evalorg.rounds.models import Round
from evalorg.sanctions.models import Sanction
from evalorg.selection.models import DefenseSession
from evalorg.simulation.live import APPLICANT_GZ, LIVE_PREFIX
from evalorg.simulation.people import fits, occupation_pool

pytestmark = pytest.mark.django_db
POLICE, CONFIDENTIAL_CLERK = "3-02-01-00", "3-01-02-01"  # 人民警察, 机要员
DEMO_LOGINS = DEMO_USERNAMES  # every login load_demo prints


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    storage = tmp_path_factory.mktemp("live-demo-private")
    files = {
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(storage)},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with (
        django_db_blocker.unblock(),
        override_settings(
            STORAGES=files,
            MEDIA_ROOT=storage,
            EVALORG_AUDIT_CHECKPOINT_FILE=storage / "audit-checkpoints.jsonl",
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            TASKS={
                "default": {
                    "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
                    "QUEUES": ["default", "banks"],
                }
            },
            BANK_CHECK_ISOLATED=False,
            EVALORG_DEMO_SIMULATION=False,
            EVALORG_DEMO_LIVE=True,
        ),
        transaction.atomic(),
    ):
        out = io.StringIO()
        call_command("load_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def _home(client, username: str) -> str:
    client.force_login(User.objects.get(username=username))
    response = client.get(reverse("home"))
    assert response.status_code == 200, username
    return response.content.decode()


def _work_links(user: User) -> list[str]:
    """Where the user can act now: the to-do list's items; for the administrator (no workflow
    step is theirs) the agencies whose contacts are still to fill in."""
    links = [item.url for item in todo_items(user)]
    if user.has_role(Role.ADMIN):
        empty = Agency.objects.filter(phone="").exclude(kind=Agency.Kind.DEPARTMENT)
        links += [reverse("admin:accounts_agency_change", args=[a.pk]) for a in empty]
    return links


@pytest.mark.parametrize("username", DEMO_LOGINS)
def test_every_demo_login_finds_live_work_on_its_home_page(demo, client, username):
    links = _work_links(User.objects.get(username=username))
    assert links, f"{username}: nothing to act on"
    page = _home(client, username)
    assert any(f'href="{link}"' in page for link in links), username


def test_a_filed_shenzhen_organization_has_a_complaint_waiting_for_its_city(demo, client):
    complaint = Complaint.objects.get(status=Complaint.Status.RECEIVED)
    assert complaint.agency.division_id == "440300"
    assert complaint.institution.applications.filter(filing_letters__isnull=False).exists()
    user = User.objects.get(username="sz_staff")
    assert "investigate_complaint" in {a for i in todo_items(user) for a in i.actions}


def test_a_suspension_waits_for_the_department_approval(demo):
    sanction = Sanction.objects.get(status=Sanction.Status.AWAITING_APPROVAL)
    assert sanction.kind == Sanction.Kind.SUSPENSION
    assert sanction.agency.division_id == "440300"
    user = User.objects.get(username="department")
    assert "approve_sanction" in {a for i in todo_items(user) for a in i.actions}


def test_applicant_gz_is_in_cultivation_with_about_150_days_and_banks_to_upload(demo, client):
    period = CultivationPeriod.objects.get(
        application__institution__uscc=APPLICANT_GZ,
        application__round__code__startswith=LIVE_PREFIX,
    )
    assert 140 <= (period.last_day - clock.today()).days <= 160
    line = period.application.occupations.filter(status=ApplicationOccupation.Status.CULTIVATING)
    assert line.exists()
    page = _home(client, "applicant_gz")
    assert reverse("cultivation:line", args=[line.first().pk]) in page


def test_gz_staff_finds_a_submitted_case_to_verify(demo, client):
    case = Application.objects.get(
        institution__uscc=APPLICANT_GZ, state=State.SUBMITTED, round__code__startswith="demo-"
    )
    assert reverse("applications:detail", args=[case.pk]) in _home(client, "gz_staff")


def test_each_expert_finds_a_scoresheet_to_fill(demo, client):
    for username in ("expert1", "expert2", "expert3"):
        page = _home(client, username)
        assert "/scoresheet/" in page, username


def test_the_proposed_batch_waits_for_the_department_and_province_staff_sees_its_work(demo, client):
    batch = acceptance_batches().get(round__code=f"{LIVE_PREFIX}acceptance", status="proposed")
    assert reverse("filing:batch", args=[batch.pk]) in _home(client, "department")
    assert reverse("filing:batches") in _home(client, "province_staff")


def test_a_notice_is_open_for_objections_on_the_public_page(demo, client):
    notice = PublicityNotice.objects.get(round__code=f"{LIVE_PREFIX}publicity")
    assert objection_window_refusal(notice) is None
    page = client.get(reverse("public:notices")).content.decode()
    assert reverse("public:notice", args=[notice.pk]) in page


def test_a_defense_session_is_scheduled_after_today(demo):
    session = DefenseSession.objects.get(round__code=f"{LIVE_PREFIX}defense")
    assert session.date > clock.today()
    assert session.slots.count() > 0


def test_simulated_lines_have_a_national_standard_and_fit_their_category(demo):
    lines = ApplicationOccupation.objects.filter(
        application__round__code__startswith=LIVE_PREFIX
    ).select_related("application__institution")
    assert lines.count() > 0
    with_standard = set(SkillStandard.objects.values_list("occupation_id", flat=True))
    for line in lines:
        category = line.application.institution.category
        assert line.occupation_id in with_standard, line.occupation_id
        assert fits(category, line.occupation_id), (category, line.occupation_id)
        assert not line.occupation_id.startswith("3-")


def test_load_demo_again_adds_no_live_round_nor_case(demo):
    rounds = Round.objects.filter(code__startswith=LIVE_PREFIX).count()
    cases = Application.objects.count()
    call_command("load_demo", stdout=io.StringIO())
    assert Round.objects.filter(code__startswith=LIVE_PREFIX).count() == rounds == 4
    assert Application.objects.count() == cases


def test_a_training_school_never_draws_police_or_confidential_clerk_even_with_a_standard():
    for code in (POLICE, CONFIDENTIAL_CLERK):
        SkillStandard.objects.create(
            occupation=Occupation.objects.get(code=code), title="测试标准", edition="2099"
        )
    pool = occupation_pool(Category.PRIVATE_TRAINING_SCHOOL)
    assert pool and POLICE not in pool and CONFIDENTIAL_CLERK not in pool
    assert all(SkillStandard.objects.filter(occupation_id=code).exists() for code in pool)


def test_the_fitting_rule_by_category():
    assert fits(Category.LEADING_ENTERPRISE, "6-18-02-04")
    assert not fits(Category.LEADING_ENTERPRISE, "4-10-03-01")
    assert fits(Category.PRIVATE_TRAINING_SCHOOL, "4-10-03-01")
    assert not any(fits(category, POLICE) for category in Category.values)
