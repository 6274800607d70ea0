"""`make run` prints the address the server really listens on (issue 22): RUN_ADDR, not a fixed
127.0.0.1:8000. scripts/run-dev.sh runs with a stand-in Python that only echoes its commands."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "run-dev.sh"


def run_dev(tmp_path: Path, run_addr: str | None) -> str:
    fake = tmp_path / "python"
    fake.write_text('#!/bin/sh\necho "python $*"\n')  # every command "ends" at once
    fake.chmod(0o755)
    env = {**os.environ, "PY": str(fake), "SWEEP_SECONDS": "60"}
    env.pop("RUN_ADDR", None)
    if run_addr is not None:
        env["RUN_ADDR"] = run_addr
    done = subprocess.run(
        ["bash", str(SCRIPT)], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    return done.stdout


@pytest.mark.parametrize(
    ("run_addr", "shown", "listens"),
    [
        (None, "http://127.0.0.1:8000", "runserver 127.0.0.1:8000"),
        ("0.0.0.0:9001", "http://0.0.0.0:9001", "runserver 0.0.0.0:9001"),
        ("8123", "http://127.0.0.1:8123", "runserver 8123"),
    ],
)
def test_run_prints_the_address_it_serves(tmp_path, run_addr, shown, listens) -> None:
    out = run_dev(tmp_path, run_addr)
    assert listens in out
    assert f"Serving {shown} " in out
    assert "127.0.0.1:8000" not in out or run_addr is None
