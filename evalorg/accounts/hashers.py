"""The password hasher: Argon2id at OWASP's first recommended setting (19 MiB, 2 passes, one
lane), about 30–60 ms of one core per login instead of PBKDF2's 0.6 s (issue 24). Hashes of
older hashers (PBKDF2) are upgraded when their owner next logs in (Django's ``must_update``)."""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idHasher(Argon2PasswordHasher):
    """Same algorithm name as Django's, so existing argon2 hashes verify and, with other
    parameters, are re-hashed with these at the next login."""

    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
