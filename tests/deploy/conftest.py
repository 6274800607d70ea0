"""Two app servers, a task worker, PostgreSQL and Redis as real processes (issue 12, "Beyond
one machine"; docs/deployment.md).

The ``cluster`` fixture needs PostgreSQL (DATABASE_URL=postgres://…, the PostgreSQL leg of
`make test`) and Redis (EVALORG_TEST_REDIS_URL, default redis://127.0.0.1:6379/15). Without
them it skips, saying why; with EVALORG_REQUIRE_PG=1 / EVALORG_REQUIRE_REDIS=1 (CI) an
unreachable server fails instead. On SQLite it always skips: the SQLite leg has no PostgreSQL
to share.

The cluster's database (``<DATABASE_URL's name>_ms_<random>``, dropped at the end) is a copy
of pytest-django's migrated test database, or migrated afresh when the session has none; its
Redis keys carry their own prefix and are deleted at the end. Every process is stopped, failure
or not.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.deploy import servers

REDIS_URL = os.environ.get("EVALORG_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
WORKER_ID = "deploy-test-worker"
FILEBASED = "django.core.mail.backends.filebased.EmailBackend"


def _unavailable(what: str, require_var: str, reason: str) -> None:
    if os.environ.get(require_var, "0") != "0":
        pytest.fail(f"{what}: {reason}, and {require_var} is set")
    pytest.skip(f"{what}: {reason} (set {require_var}=1 to fail instead; CI does)")


def on_postgres() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def postgres_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not on_postgres():
        pytest.skip(
            "needs PostgreSQL shared by two app servers: runs in the PostgreSQL leg of "
            "`make test` (DATABASE_URL=postgres://…)"
        )
    import psycopg

    try:
        psycopg.connect(servers.with_database(url, "postgres"), connect_timeout=3).close()
    except psycopg.Error as exc:
        _unavailable("PostgreSQL", "EVALORG_REQUIRE_PG", f"no answer at {url} ({exc})")
    return url


def redis_url() -> str:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        _unavailable("Redis", "EVALORG_REQUIRE_REDIS", f"no answer at {REDIS_URL} ({exc})")
    return REDIS_URL


@dataclass
class Cluster:
    """What a test reaches: two app servers' base URLs and what they share."""

    a: str
    b: str
    database_url: str
    redis_url: str
    key_prefix: str
    media_root: Path
    mail_dirs: dict[str, Path]
    login: dict
    logs: list[Path] = field(default_factory=list)

    def sql(self, query: str, *params) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.database_url) as conn:
            return conn.execute(query, params).fetchall()

    def mails(self, process: str) -> list[Path]:
        folder = self.mail_dirs[process]
        return sorted(folder.glob("*.log")) if folder.exists() else []

    def redis_keys(self) -> list[bytes]:
        import redis

        return list(redis.Redis.from_url(self.redis_url).scan_iter(f"{self.key_prefix}:*"))

    def log_tail(self, chars: int = 3000) -> str:
        return "\n".join(
            f"--- {log.name}\n{log.read_text(errors='replace')[-chars:]}"
            for log in self.logs
            if log.exists()
        )


def process_env(database_url: str, redis: str, prefix: str, media: Path, var_dir: Path) -> dict:
    """One process's environment: what a deployment's .env holds, with a private EVALORG_VAR_DIR
    (so each process's mail files land apart) and the shared upload directory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DATABASE_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="evalorg.settings",
        DATABASE_URL=database_url,
        DB_CONN_MAX_AGE="60",
        REDIS_URL=redis,
        EVALORG_CACHE_KEY_PREFIX=prefix,
        EVALORG_STORAGE="filesystem",
        EVALORG_MEDIA_ROOT=str(media),
        EVALORG_VAR_DIR=str(var_dir),
        EMAIL_BACKEND=FILEBASED,
        DJANGO_DEBUG="0",
        EVALORG_PRODUCTION="0",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_LEVEL="WARNING",
    )
    return env


def new_database(request, url: str, kind: str = "ms") -> tuple[str, bool]:
    """A new database on the server of ``url``: its URL, and whether it is a copy of
    pytest-django's test database (migrated, reference data loaded; copying takes a second).
    Run alone, the session has no test database (no test asks for one): then it is empty.
    (django_db_setup is not even asked for then: tests/conftest.py's would load the reference
    data into DATABASE_URL's own database.)"""
    fresh = servers.with_database(
        url, f"{servers.database_name(url)}_{kind}_{uuid.uuid4().hex[:8]}"
    )
    if not any(uses_database(item) for item in request.session.items):
        servers.create_database(fresh)
        return fresh, False
    request.getfixturevalue("django_db_setup")
    from django.db import connection, connections

    with request.getfixturevalue("django_db_blocker").unblock():
        name = connection.settings_dict["NAME"]
        connections.close_all()  # CREATE DATABASE … TEMPLATE needs the template idle
    copied = name != servers.database_name(url)  # pytest-django renamed it: a test database
    servers.create_database(fresh, template=name if copied else None)
    return fresh, copied


def uses_database(item: pytest.Item) -> bool:
    """Whether pytest-django sets up the test database for ``item`` (its own rule, in short)."""
    fixtures = {"db", "transactional_db", "live_server"} & set(getattr(item, "fixturenames", ()))
    return bool(item.get_closest_marker("django_db") or fixtures)


def manage(env: dict, *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=servers.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode:
        pytest.fail(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")


def seed(env: dict, out: Path) -> dict:
    """One applicant with a draft missing only its application form (bench/surge_seed.py)."""
    done = subprocess.run(
        [sys.executable, str(servers.ROOT / "bench" / "surge_seed.py"), "seed", "1", str(out)],
        cwd=servers.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode:
        pytest.fail(f"seeding failed:\n{done.stderr[-3000:]}")
    data = json.loads(out.read_text())
    return {**data["logins"][0], "item": data["item"]}


@pytest.fixture
def cluster(request, tmp_path) -> Iterator[Cluster]:
    pg, redis = postgres_url(), redis_url()
    database_url, copied = new_database(request, pg)
    prefix = f"evalorg-deploy-test-{uuid.uuid4().hex[:8]}"
    media = tmp_path / "shared-media"
    envs = {
        name: process_env(database_url, redis, prefix, media, tmp_path / f"var-{name}")
        for name in ("a", "b", "worker", "seed")
    }
    processes: list[subprocess.Popen] = []
    try:
        if not copied:
            manage(envs["seed"], "migrate", "--noinput", "-v0")
            manage(envs["seed"], "load_reference_data")
        ports = {"a": servers.free_port(), "b": servers.free_port()}
        logs = {name: tmp_path / f"{name}.log" for name in ("a", "b", "worker")}
        for name, port in ports.items():
            processes.append(servers.start_gunicorn(envs[name], port, 1, logs[name]))
        processes.append(servers.start_worker(envs["worker"], WORKER_ID, logs["worker"]))
        login = seed(envs["seed"], tmp_path / "login.json")  # while they start
        built = Cluster(
            a=f"http://127.0.0.1:{ports['a']}",
            b=f"http://127.0.0.1:{ports['b']}",
            database_url=database_url,
            redis_url=redis,
            key_prefix=prefix,
            media_root=media,
            mail_dirs={name: tmp_path / f"var-{name}" / "mail" for name in ("a", "b", "worker")},
            login=login,
            logs=list(logs.values()),
        )
        for base, process in zip((built.a, built.b), processes, strict=False):
            try:
                servers.wait_until_up(f"{base}/accounts/login/", 60, process)
            except RuntimeError as exc:
                pytest.fail(f"{exc}\n{built.log_tail()}")
        yield built
    finally:
        servers.stop_all(processes)
        servers.drop_database(database_url)
        _delete_keys(redis, prefix)


def _delete_keys(url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)
