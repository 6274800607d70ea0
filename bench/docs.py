"""Document rendering (issue 12): `make bench-docs`.

Median of a few renders, CPU and wall time, on a throw-away SQLite database: the filing
letter (PDF and DOCX), the application PDF; then the recommendation summary PDF (附件4) of
``--pdf-rows`` rows (default 5,000, issue 24) once, in a forked child process whose peak
resident memory is read from the kernel (VmHWM): WeasyPrint's memory is outside Python's
heap, so tracemalloc would not see it.
Targets: the filing letter PDF < 1 s; the 附件4 PDF of 5,000 rows < 10 s and < 300 MB.
"""

from __future__ import annotations

import argparse
import os
import time

import common

RUNS = 5
TARGETS = {"filing letter PDF": 1.0}
PDF_ROWS = 5_000
PDF_SECONDS, PDF_MEGABYTES = 10.0, 300


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


def kernel_kib(field: str) -> int:
    """A figure of /proc/self/status in KiB (VmRSS now, VmHWM the peak)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise LookupError(field)


def summary_pdf_in_child(staff, round_) -> tuple[float, float, int, int, int]:
    """Render 附件4 once in a forked child: (wall s, CPU s, peak RSS MiB, RSS at start MiB,
    bytes). The child starts with this process's pages; its peak is what it reached."""
    from evalorg.review.summary import summary_pdf

    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: render, report, leave without running the parent's cleanup
        os.close(read)
        start_rss = kernel_kib("VmRSS")
        start, cpu = time.perf_counter(), time.process_time()
        size = len(summary_pdf(staff.agency, round_, prepared_by="基准"))
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        report = f"{wall} {cpu} {kernel_kib('VmHWM') // 1024} {start_rss // 1024} {size}"
        os.write(write, report.encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        figures = pipe.read().split()
    os.waitpid(pid, 0)
    wall, cpu, peak, base, size = figures
    return float(wall), float(cpu), int(peak), int(base), int(size)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pdf-rows", type=int, default=PDF_ROWS)
    parser.add_argument("--only-pdf", action="store_true", help="the 附件4 PDF alone")
    args = parser.parse_args()
    print(f"== load average {' '.join(f'{n:.2f}' for n in os.getloadavg())}", flush=True)
    common.fresh_database()
    world = common.build_world()
    missed = [] if args.only_pdf else letters_and_application(world)
    missed += summary_pdf_figures(args.pdf_rows)
    print(f"== load average {' '.join(f'{n:.2f}' for n in os.getloadavg())}")
    for line in missed:
        print(f"TARGET MISSED: {line}")
    return 1 if missed else 0


def summary_pdf_figures(rows: int) -> list[str]:
    from evalorg.rounds.models import Round

    staff = common.build_ranking(rows, "440600")
    round_ = Round.objects.get(code="gd-2023")
    wall, cpu, peak, base, size = summary_pdf_in_child(staff, round_)
    print(
        f"  {'summary PDF (附件4), ' + format(rows, ',') + ' rows':<36} wall {wall:8.2f} s"
        f"  cpu {cpu:8.2f} s  peak RSS {peak} MiB (start {base} MiB)  ({size / 1024:.0f} KiB)",
        flush=True,
    )
    if rows < PDF_ROWS:
        return []
    missed = [f"附件4 PDF {wall:.2f} s > {PDF_SECONDS} s"] if wall > PDF_SECONDS else []
    if peak > PDF_MEGABYTES:
        missed.append(f"附件4 PDF peak {peak} MiB > {PDF_MEGABYTES} MiB")
    return missed


def letters_and_application(world) -> list[str]:
    from evalorg.applications.pdf import application_pdf_bytes
    from evalorg.filing.letters import render_docx, render_letter_pdf

    case = world.applications[0]
    context = letter_context()
    results = {
        "filing letter PDF": timed("filing letter PDF", lambda: render_letter_pdf(context)),
        "filing letter DOCX": timed("filing letter DOCX", lambda: render_docx(context)),
        "application PDF": timed("application PDF", lambda: application_pdf_bytes(case)),
    }
    return [
        f"{name} {results[name]:.2f} s > {limit} s"
        for name, limit in TARGETS.items()
        if results[name] > limit
    ]


if __name__ == "__main__":
    raise SystemExit(main())
