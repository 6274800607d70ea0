""".env.example is complete (issue 23 item 8): every variable the code (evalorg/, settings
included) and deploy/gunicorn.conf.py read is listed, and nothing listed is read by nobody."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READERS = [*sorted((ROOT / "evalorg").rglob("*.py")), ROOT / "deploy" / "gunicorn.conf.py"]
READ = re.compile(r"""(?:os\.environ\.get\(|os\.environ\[|env_bool\()\s*["']([A-Z0-9_]+)["']""")
LISTED = re.compile(r"^#? ?([A-Z][A-Z0-9_]+)=", re.MULTILINE)
# Read by libraries from the environment: dj-database-url's default, boto3's credentials.
READ_BY_LIBRARIES = {"DATABASE_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}


# Set by Django or the tooling itself, not by an operator.
NOT_FOR_OPERATORS = {"DJANGO_SETTINGS_MODULE"}


def variables_read() -> set[str]:
    return {name for path in READERS for name in READ.findall(path.read_text(encoding="utf-8"))}


def variables_listed() -> set[str]:
    return set(LISTED.findall((ROOT / ".env.example").read_text(encoding="utf-8")))


def test_every_variable_read_is_listed() -> None:
    assert variables_read() - variables_listed() - NOT_FOR_OPERATORS == set()


def test_every_variable_listed_is_read() -> None:
    assert variables_listed() - variables_read() - READ_BY_LIBRARIES == set()


def test_the_search_finds_the_audit_key() -> None:
    assert {"EVALORG_AUDIT_KEY", "EVALORG_TRUSTED_PROXIES", "GUNICORN_TIMEOUT"} <= variables_read()


def test_the_example_does_not_default_to_placeholder_object_storage() -> None:
    active = re.findall(r"^EVALORG_STORAGE=(\w+)", (ROOT / ".env.example").read_text(), re.M)
    assert active == ["filesystem"]
