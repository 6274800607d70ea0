"""REDIS_URL selects Django's RedisCache and it works (issue #10: the client is a dependency).

The Redis server used is EVALORG_TEST_REDIS_URL (default redis://127.0.0.1:6379/15, a database
no one else uses). Outside CI the test skips when nothing answers there; .ci/run sets
EVALORG_REQUIRE_REDIS=1, so in CI an unreachable Redis fails the run."""

from __future__ import annotations

import os
import runpy
import uuid

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches

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


def _settings_with(monkeypatch, redis_url: str | None) -> dict:
    """evalorg/settings.py evaluated afresh with REDIS_URL set or unset."""
    if redis_url:
        monkeypatch.setenv("REDIS_URL", redis_url)
    else:
        monkeypatch.delenv("REDIS_URL", raising=False)
    return runpy.run_path(str(django_settings.BASE_DIR / "evalorg" / "settings.py"))


def test_settings_use_the_redis_cache_when_redis_url_is_set(monkeypatch, redis_url, settings):
    with_redis = _settings_with(monkeypatch, redis_url)["CACHES"]
    assert with_redis["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert _settings_with(monkeypatch, None)["CACHES"]["default"]["BACKEND"].endswith("LocMemCache")
    settings.CACHES = with_redis
    cache = caches.create_connection("default")
    key = f"evalorg-test-{uuid.uuid4().hex}"
    cache.set(key, "广州", 30)
    try:
        assert cache.get(key) == "广州"
    finally:
        cache.delete(key)
