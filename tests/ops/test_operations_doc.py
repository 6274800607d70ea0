"""Every command docs/operations.md tells an operator to run exists, takes the options the doc
gives it, and, where it is safe in a test database, runs (issue 23 item 8).

The doc is parsed for ``manage.py <command> [args]`` in code spans and code blocks. Each
invocation is parsed by the command's own argument parser (placeholders such as
``<notice.txt>`` and ``[--round CODE]`` filled in), so a renamed command or option fails here.
The read-only, dry-run and account-creating ones run for real; the rest (the worker loop,
backups, the simulation, migrations) are proved by their own tests and only parsed here."""

from __future__ import annotations

import io
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import call_command, get_commands, load_command_class
from django.core.management.base import CommandError

DOC = Path(__file__).resolve().parents[2] / "docs" / "operations.md"
FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.S | re.M)
SPAN = re.compile(r"`([^`]+)`")
INVOCATION = re.compile(r"manage\.py\s+([a-z_]+)([^\n]*)")
PLACEHOLDER = re.compile(r"<[^>]+>|…")

# Safe in a test database: they read, report, or create what the test then rolls back.
RUN = {
    "verify_audit",
    "audit_checkpoint",
    "orphan_files --dry-run",
    "refresh_rankings --round CODE",
    "lint_migrations",
    "check",
    "run_sweeps",
    "send_outbox",
    "create_admin ops --email ops@hrss.gd.gov.cn --full-name 运维管理员",
    "create_staff exp_wang --role expert --full-name 王专家 --email wang@example.cn",
}


METAVARS = {"PLACEHOLDER", "CODE"}  # <…> in the doc, and the metavariable of [--round CODE]


@dataclass(frozen=True)
class Invocation:
    command: str
    args: tuple[str, ...]  # as written, optional [parts] included
    required: tuple[str, ...]  # without the optional [parts]: what the test runs

    def __str__(self) -> str:
        return " ".join((self.command, *self.args))


def _invocation(command: str, rest: str) -> Invocation:
    rest = rest.split("#", 1)[0].split("|", 1)[0]  # a shell comment, a table cell's end
    rest = PLACEHOLDER.sub("PLACEHOLDER", rest)
    required = re.sub(r"\[[^\]]*\]", " ", rest)
    args = rest.replace("[", " ").replace("]", " ")
    return Invocation(command, tuple(shlex.split(args)), tuple(shlex.split(required)))


def documented_invocations(text: str) -> list[Invocation]:
    """``manage.py …`` in the doc's code blocks (one per line) and code spans (a span may wrap
    onto the next line)."""
    found: list[Invocation] = []
    for block in FENCE.findall(text):
        found += [_invocation(m[1], m[2]) for m in INVOCATION.finditer(block)]
    for span in SPAN.findall(FENCE.sub("", text)):
        found += [_invocation(m[1], m[2]) for m in INVOCATION.finditer(span.replace("\n", " "))]
    return list(dict.fromkeys(found))


INVOCATIONS = documented_invocations(DOC.read_text(encoding="utf-8"))


def test_the_parser_finds_the_documented_commands() -> None:
    commands = {invocation.command for invocation in INVOCATIONS}
    assert {"migrate", "create_admin", "verify_audit", "run_worker", "import_holidays"} <= commands
    assert "orphan_files --dry-run" in {str(invocation) for invocation in INVOCATIONS}
    assert len(INVOCATIONS) > 25


def test_a_wrong_option_in_the_doc_would_fail() -> None:
    (wrong,) = documented_invocations("`manage.py orphan_files --dry`\n")
    with pytest.raises(CommandError, match="unrecognized arguments: --dry"):
        _parse(wrong)


def _parse(invocation: Invocation) -> None:
    app = get_commands()[invocation.command]
    command = app if not isinstance(app, str) else load_command_class(app, invocation.command)
    parser = command.create_parser("manage.py", invocation.command)
    parser.allow_abbrev = False  # the doc spells options out: "--dry" is not "--dry-run"
    parser.parse_args(["x" if arg in METAVARS else arg for arg in invocation.args])


@pytest.fixture
def database_tasks(settings):
    """run_worker's parser checks its --backend default against the real task backend."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "banks"]}
    }


@pytest.mark.parametrize("invocation", INVOCATIONS, ids=str)
def test_every_documented_command_exists_with_its_options(
    invocation: Invocation, database_tasks
) -> None:
    assert invocation.command in get_commands(), f"docs/operations.md names {invocation}"
    if invocation.args:  # a bare mention in prose ("`manage.py backup` stays …") names it only
        _parse(invocation)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "invocation", [i for i in INVOCATIONS if str(i) in RUN], ids=str
)  # fmt: skip
def test_the_safe_documented_commands_run(invocation: Invocation) -> None:
    out = io.StringIO()
    try:
        call_command(invocation.command, *invocation.required, stdout=out, stderr=out)
    except SystemExit as exit_:  # verify_audit and run_sweeps exit with their status
        assert exit_.code in (0, None), out.getvalue()


def test_every_safe_command_is_still_in_the_doc() -> None:
    assert {str(invocation) for invocation in INVOCATIONS} >= RUN


SWEEP_ROW = re.compile(r"^\| `([a-z_]+)` \| [a-z]+ \|", re.M)


def test_every_registered_sweep_is_in_the_operators_table() -> None:
    """An operator reading `run_sweeps`' output finds each line's sweep explained."""
    from evalorg.core.sweeps import sweep_names

    documented = set(SWEEP_ROW.findall(DOC.read_text(encoding="utf-8")))
    assert set(sweep_names()) - documented == set()
