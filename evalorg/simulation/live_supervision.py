"""Live supervision work for the demo (issue 22, "The demo"): in the acceptance round, one
organization of 深圳 is filed today (approved, letter issued, published in the registry); a
named complaint about it waits for its city (sz_staff: 开始调查核实) and a suspension drafted
by that city, reviewed by the center, waits for the leadership group's approval (department:
记录领导小组审定). Everything goes through the same services and ``perform()`` as the pages.
"""

from __future__ import annotations

from datetime import timedelta

from evalorg.accounts.models import Role, User
from evalorg.applications.models import Application
from evalorg.complaints.complaints import file_complaint
from evalorg.complaints.models import Complaint
from evalorg.core import clock
from evalorg.core.workflow import perform
from evalorg.filing import batches, services
from evalorg.sanctions.models import Sanction
from evalorg.sanctions.sanctions import create_draft

from .stages import Sim, upload

SHENZHEN = "440300"
COMPLAINT_FACTS = (
    "本人于本月参加该机构组织的中式烹调师（四级）技能考核，考场未按规定配备考评员，"
    "理论考试试卷由培训教师现场讲解答案。（演示数据）"
)
SANCTION_FACTS = (
    "随机抽查发现该机构考评人员配备不足，且未按规定留存考核过程音视频资料。（演示数据）"
)


def filed_choice(cases: list[Application]) -> list[Application]:
    """The case to file today: a 深圳 one (sz_staff is its local agency), else the first."""
    shenzhen = [a for a in cases if a.institution.city_id == SHENZHEN]
    return (shenzhen or cases)[:1]


def file_today(sim: Sim, cases: list[Application], title: str) -> None:
    """成熟一批，公布一批 on the real date: propose, approve, letters, published."""
    batch = batches.create_batch(sim.round, title, cases, sim.center)
    batches.record_approval(
        batch,
        [batches.Tick(a.pk, True) for a in cases],
        decided_on=clock.today(),
        meeting_ref="厅务会（演示）",
        minutes=upload("验收会议纪要.pdf"),
        user=sim.department,
    )
    batch = batches.LeadershipApproval.objects.get(pk=batch.pk)
    batches.issue_letters(batch, sim.center)
    for letter in batches.documents_pending(batch):
        services.render_documents(letter.pk)  # as the task worker would
    batches.publish(batch, sim.center)


def _local_staff(case: Application) -> User | None:
    return (
        User.objects.filter(role=Role.CITY_STAFF, agency_id=case.receiving_agency_id)
        .order_by("pk")
        .first()
    )


def complaint_waiting(case: Application) -> Complaint:
    return file_complaint(
        case.institution_id,
        name="赵投诉（演示）",
        phone="13800000009",
        email="complainant@example.cn",
        facts=COMPLAINT_FACTS,
    )


def sanction_awaiting_approval(sim: Sim, case: Application) -> Sanction | None:
    staff = _local_staff(case)
    if staff is None:
        return None
    today = clock.today()
    sanction = create_draft(
        staff,
        case.institution,
        {
            "kind": Sanction.Kind.SUSPENSION,
            "facts": SANCTION_FACTS,
            "clause": "N-5.2",
            "evidence": "随机抽查现场检查记录（演示）",
            "starts_on": today + timedelta(days=7),
            "ends_on": today + timedelta(days=97),
        },
    )
    perform(sanction, "submit_sanction", staff)
    return perform(Sanction.objects.get(pk=sanction.pk), "review_sanction", sim.center)


def supervision_today(sim: Sim, cases: list[Application]) -> list[Application]:
    """File one case today with a complaint and a sanction on it; the other cases."""
    chosen = filed_choice(cases)
    if not chosen:
        return cases
    file_today(sim, chosen, "第一批验收（演示）")
    case = Application.objects.select_related("institution").get(pk=chosen[0].pk)
    complaint_waiting(case)
    sanction_awaiting_approval(sim, case)
    return [a for a in cases if a.pk != case.pk]
