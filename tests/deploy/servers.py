"""Start and stop the deployment's processes for real: gunicorn, the task worker, throw-away
PostgreSQL databases. Used by tests/deploy and bench/surge.py.

Every process runs in its own session (process group), so ``stop`` ends gunicorn's workers
and anything else it forked along with it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent.parent
GUNICORN_CONFIG = ROOT / "deploy" / "gunicorn.conf.py"
PROTECTED_DATABASES = frozenset({"", "test", "postgres", "template0", "template1"})


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_name(url: str) -> str:
    return urlparse(url).path.lstrip("/")


def with_database(url: str, name: str) -> str:
    """``url`` pointing at the database ``name`` on the same server."""
    return url.rsplit("/", 1)[0] + "/" + name


def _admin(url: str):
    import psycopg

    return psycopg.connect(with_database(url, "postgres"), autocommit=True, connect_timeout=5)


def create_database(url: str, template: str | None = None) -> None:
    """Create the database named by ``url`` (a copy of ``template`` when given: a migrated
    database copies in a second, where migrating takes most of a minute)."""
    name = database_name(url)
    if name in PROTECTED_DATABASES:
        raise ValueError(f"refusing to create or drop the database {name!r}")
    clause = f' TEMPLATE "{template}"' if template else ""
    with _admin(url) as conn:
        conn.execute(f'CREATE DATABASE "{name}"{clause}')


def drop_database(url: str) -> None:
    name = database_name(url)
    if name in PROTECTED_DATABASES:
        raise ValueError(f"refusing to drop the database {name!r}")
    with _admin(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def recreate_database(url: str) -> None:
    drop_database(url)
    create_database(url)


def start(command: list[str], env: dict, log: Path | None = None) -> subprocess.Popen:
    """Run ``command`` from the project's root in a new process group; output to ``log``."""
    out = open(log, "ab") if log else None  # noqa: SIM115 (the child keeps it open)
    try:
        return subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT if out else None,
            start_new_session=True,
        )
    finally:
        if out:
            out.close()


def start_gunicorn(
    env: dict, port: int, workers: int, log: Path | None = None, extra: Sequence[str] = ()
) -> subprocess.Popen:
    return start(
        [
            sys.executable,
            "-m",
            "gunicorn",
            f"--config={GUNICORN_CONFIG}",  # as docs/deployment.md runs it
            "evalorg.wsgi",
            f"--workers={workers}",
            f"--bind=127.0.0.1:{port}",
            "--log-level=warning",
            *extra,
        ],
        env,
        log,
    )


def start_worker(env: dict, worker_id: str, log: Path | None = None) -> subprocess.Popen:
    """``manage.py run_worker`` as in production (docs/operations.md), polling often."""
    return start(
        [
            sys.executable,
            "manage.py",
            "run_worker",
            "--no-reload",
            "--no-startup-delay",
            "--interval=0.2",
            f"--worker-id={worker_id}",
        ],
        env,
        log,
    )


def wait_until_up(url: str, seconds: float = 60, process: subprocess.Popen | None = None) -> None:
    """Wait until ``url`` answers 200; fail early if ``process`` ends meanwhile."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            ended = process.returncode
            raise RuntimeError(f"{process.args} ended with {ended} before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (OSError, urllib.error.HTTPError):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"nothing answered at {url} within {seconds:.0f} s")


def stop(process: subprocess.Popen, grace: float = 20) -> None:
    """TERM the process's whole group, KILL it after ``grace`` seconds."""
    if process.poll() is not None:
        return  # ended (and reaped): its pid may belong to someone else by now
    _kill_group(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        _kill_group(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def stop_all(processes: list[subprocess.Popen], grace: float = 20) -> None:
    """``stop`` each, the TERM signals sent at once so their shutdowns overlap."""
    for process in processes:
        if process.poll() is None:
            _kill_group(process.pid, signal.SIGTERM)
    for process in processes:
        stop(process, grace)


def _kill_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, sig)
