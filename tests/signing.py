"""The signing files production requires (evalorg/settings.py ``refuse_missing_signing``), for
tests that start a process with ``EVALORG_PRODUCTION=1``."""

from __future__ import annotations

from pathlib import Path

from evalorg.filing.signing import CA_FILE, CERT_FILE, KEY_FILE, make_test_ca


def production_signing_env(directory: Path) -> dict[str, str]:
    folder = Path(directory) / "signing"
    make_test_ca(folder)
    return {
        "EVALORG_SIGNING_KEY_FILE": str(folder / KEY_FILE),
        "EVALORG_SIGNING_CERT_FILE": str(folder / CERT_FILE),
        "EVALORG_SIGNING_CA_FILE": str(folder / CA_FILE),
    }
