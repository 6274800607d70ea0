"""REDIS_URL selects Django's RedisCache and it works (issue #10: the client is a dependency).

The Redis server used is EVALORG_TEST_REDIS_URL (default redis://127.0.0.1:6379/15, a database
no one else uses). Outside CI the test skips when nothing answers there; .ci/run sets
EVALORG_REQUIRE_REDIS=1, so in CI an unreachable Redis fails the run."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest

URL = os.environ.get("EVALORG_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(URL, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def redis_url() -> str:
    if not _reachable():
        if os.environ.get("EVALORG_REQUIRE_REDIS", "0") != "0":
            pytest.fail(f"Redis does not answer at {URL} and EVALORG_REQUIRE_REDIS is set")
        pytest.skip(f"Redis does not answer at {URL} (outside CI)")
    return URL


def test_settings_use_the_redis_cache_when_redis_url_is_set(redis_url):
    key = f"evalorg-test-{uuid.uuid4().hex}"
    script = (
        "import django; django.setup();"
        "from django.conf import settings; from django.core.cache import cache;"
        "assert settings.CACHES['default']['BACKEND'].endswith('RedisCache');"
        f"cache.set({key!r}, '广州', 30); print(cache.get({key!r})); cache.delete({key!r})"
    )
    env = {**os.environ, "REDIS_URL": redis_url, "DJANGO_SETTINGS_MODULE": "evalorg.settings"}
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "广州"
