"""Document rendering (issue 12): `make bench-docs`.

Median of a few renders, CPU and wall time, on a throw-away SQLite database: the filing
letter (PDF and DOCX), the application PDF, the recommendation summary PDF with 500 rows.
Target: the filing letter PDF < 1 s.
"""

from __future__ import annotations

import time

import common

RUNS = 5
TARGETS = {"filing letter PDF": 1.0}


def timed(name: str, fn, runs: int = RUNS) -> float:
    fn()  # warm: fonts, templates
    wall = common.median_time(fn, runs)
    cpu = []
    for _ in range(runs):
        start = time.process_time()
        data = fn()
        cpu.append(time.process_time() - start)
    cpu.sort()
    print(
        f"  {name:<36} wall {common.ms(wall):>10}  cpu {common.ms(cpu[len(cpu) // 2]):>10}"
        f"  ({len(data) / 1024:.0f} KiB)",
        flush=True,
    )
    return wall


def letter_context() -> dict:
    from evalorg.filing import letters

    return {
        "number": "粤职评备〔2023〕001号",
        "organization": "广州市基准职业培训学校",
        "uscc": "91440101000000001X",
        "city": "广州市",
        "round": "2023年广东省社会培训评价组织遴选",
        "issued_on": "2023年12月01日",
        "valid_until": "2028年11月30日",
        "occupations": [
            {"code": common.WELDER, "name": "焊工", "level": 5, "level_label": "五级/初级工"},
            {"code": common.WELDER, "name": "焊工", "level": 4, "level_label": "四级/中级工"},
            {"code": common.ELECTRICIAN, "name": "电工", "level": 3, "level_label": "三级/高级工"},
        ],
        "issuer": letters.ISSUER,
    }


def main() -> int:
    from evalorg.applications.pdf import application_pdf_bytes
    from evalorg.filing.letters import render_docx, render_letter_pdf
    from evalorg.review.summary import summary_pdf
    from evalorg.rounds.models import Round

    common.fresh_database()
    world = common.build_world()
    case = world.applications[0]
    staff = common.build_ranking(500, "440600")
    round_ = Round.objects.get(code="gd-2023")
    context = letter_context()
    results = {
        "filing letter PDF": timed("filing letter PDF", lambda: render_letter_pdf(context)),
        "filing letter DOCX": timed("filing letter DOCX", lambda: render_docx(context)),
        "application PDF": timed("application PDF", lambda: application_pdf_bytes(case)),
        "summary PDF, 500 rows": timed(
            "summary PDF (附件4), 500 rows",
            lambda: summary_pdf(staff.agency, round_, prepared_by="基准"),
            runs=3,
        ),
    }
    missed = [name for name, limit in TARGETS.items() if results[name] > limit]
    for name in missed:
        print(f"TARGET MISSED: {name} {results[name]:.2f} s > {TARGETS[name]} s")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
