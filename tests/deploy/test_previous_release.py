"""The previous release's code on HEAD's migrated schema (issue 23 item 1, docs/releases.md).

A rolling release runs ``migrate`` once and then restarts the app servers one at a time: until
the last one restarts, the previous release's code serves requests on the new schema. In
November that code answered 500 on every login and transition (``NotNullViolation``: NOT NULL
columns added without a database default). This test does what that code does then.

The previous release is the commit in ``deploy/previous-release`` (bumped at each release). Its
tree is extracted with ``git archive`` into a temporary folder; a new PostgreSQL database
(``<DATABASE_URL's name>_prev_<random>``, dropped at the end) holds HEAD's migrated schema and
the reference data (a copy of pytest-django's test database when the session has one, else
``migrate`` and ``load_reference_data`` with HEAD's code). Then, in a child process run from the
old tree with the same interpreter, the OLD code seeds an applicant with a draft (its own
``bench/surge_seed.py``), signs in through the login form with Django's test client, saves a
step, uploads the application form (one upload) and submits the draft (one transition).

PostgreSQL only (the PostgreSQL leg of ``make test``); it needs ``git`` and the commit in the
clone's history. Without git it skips; a missing commit skips, or fails with EVALORG_REQUIRE_PG=1
(CI, which runs on a full clone).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.deploy import servers

from .conftest import manage, new_database, on_postgres, postgres_url, process_env

pytestmark = pytest.mark.skipif(not on_postgres(), reason="needs PostgreSQL (the PostgreSQL leg)")

RELEASE_FILE = servers.ROOT / "deploy" / "previous-release"

# Run by the previous release's code, from its tree (sys.path[0] is the script's folder).
OLD_CODE = """
import json, runpy, sys
from pathlib import Path

import django

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from evalorg.applications.models import Application
from tests.factories import MINIMAL_PDF

seeded = Path(sys.argv[1])
runpy.run_path("bench/surge_seed.py")["seed"](1, seeded)
data = json.loads(seeded.read_text())
login, item = data["logins"][0], data["item"]
pk = login["application"]
web = Client()


def expect_redirect(what, response):
    if response.status_code != 302:
        sys.exit(f"{what}: {response.status_code}\\n{response.content[:2000]!r}")


expect_redirect("login", web.post(
    "/accounts/login/", {"username": login["username"], "password": login["password"]}
))
expect_redirect("institution step", web.post(f"/applications/{pk}/institution/", {
    "name": f"广州旧版测试{pk}职业培训有限公司", "category": "leading_enterprise",
    "other_kind": "", "level": "municipal", "city": "440100", "county": "440106",
    "address": "广州市天河区旧版路1号", "recommending_authority": "", "route": "", "next": "1",
}))
pdf = SimpleUploadedFile("申请表.pdf", MINIMAL_PDF + b"% previous release\\n", "application/pdf")
expect_redirect("upload", web.post(f"/applications/{pk}/materials/{item}/upload/", {"file": pdf}))
expect_redirect("submit", web.post(f"/applications/{pk}/review/", {"confirm": "on"}))
case = Application.objects.get(pk=pk)
if case.submitted_at is None or not case.acknowledgement_no:
    sys.exit(f"submit answered 302 but the draft was not submitted (state {case.state!r})")
print(json.dumps({"application": pk, "acknowledgement_no": case.acknowledgement_no}))
"""


def previous_release() -> str:
    """The commit named in deploy/previous-release (its first line that is not a comment)."""
    lines = RELEASE_FILE.read_text().splitlines()
    return next(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def git(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(servers.ROOT), *args], check=False, **kwargs)


def extract(commit: str, into: Path) -> None:
    """The commit's tree in ``into`` (skip without git; a missing commit fails in CI)."""
    if shutil.which("git") is None or git("rev-parse", capture_output=True).returncode:
        pytest.skip("needs git and a git checkout to extract the previous release")
    if git("cat-file", "-e", f"{commit}^{{commit}}", capture_output=True).returncode:
        reason = f"the previous release {commit} (deploy/previous-release) is not in this clone"
        if os.environ.get("EVALORG_REQUIRE_PG", "0") != "0":
            pytest.fail(f"{reason}, and EVALORG_REQUIRE_PG is set (fetch the full history)")
        pytest.skip(reason)
    into.mkdir()
    archive = subprocess.Popen(
        ["git", "-C", str(servers.ROOT), "archive", commit], stdout=subprocess.PIPE
    )
    subprocess.run(["tar", "-x", "-C", str(into)], stdin=archive.stdout, check=True)
    assert archive.wait() == 0, f"git archive {commit} failed"


def test_previous_release_logs_in_submits_and_uploads_on_heads_schema(request, tmp_path):
    pg = postgres_url()
    old_tree = tmp_path / "previous-release"
    extract(previous_release(), old_tree)
    database_url, copied = new_database(request, pg, kind="prev")
    env = process_env(database_url, "", "", tmp_path / "media", tmp_path / "var")
    env.pop("REDIS_URL")  # the local-memory cache: one process
    env.update(DJANGO_ALLOWED_HOSTS="testserver", PYTHONDONTWRITEBYTECODE="1")
    try:
        if not copied:  # HEAD's code migrates, as `manage.py migrate` at a release does
            manage(env, "migrate", "--noinput", "-v0")
            manage(env, "load_reference_data")
        script = old_tree / "previous_release_check.py"
        script.write_text(OLD_CODE)
        done = subprocess.run(
            [sys.executable, script.name, str(tmp_path / "seeded.json")],
            cwd=old_tree,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
    finally:
        servers.drop_database(database_url)
    assert done.returncode == 0, (
        f"the previous release's code failed on HEAD's schema:\n{done.stdout[-2000:]}"
        f"\n{done.stderr[-6000:]}"
    )
    assert '"acknowledgement_no"' in done.stdout
