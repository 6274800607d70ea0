"""The deployment's settings read from the environment (docs/deployment.md), evaluated afresh
with runpy; the defaults stay SQLite, the filesystem under var/ and the local-memory cache."""

from __future__ import annotations

import runpy

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured

DEPLOYMENT_VARS = (
    "EVALORG_STORAGE",
    "EVALORG_MEDIA_ROOT",
    "EVALORG_CACHE_KEY_PREFIX",
    "DATABASE_REPLICA_URL",
    "REDIS_URL",
    "AWS_STORAGE_BUCKET_NAME",
    "AWS_S3_ENDPOINT_URL",
    "AWS_S3_REGION_NAME",
    "AWS_LOCATION",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_USE_TLS",
)


def evaluated(monkeypatch, **env: str) -> dict:
    for name in DEPLOYMENT_VARS:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(django_settings.BASE_DIR / "evalorg" / "settings.py"))


def test_defaults_are_one_machine(monkeypatch, tmp_path):
    loaded = evaluated(monkeypatch, EVALORG_VAR_DIR=str(tmp_path))
    default = loaded["STORAGES"]["default"]
    assert default["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert default["OPTIONS"]["location"] == str(tmp_path / "private") == str(loaded["MEDIA_ROOT"])
    assert loaded["CACHES"]["default"]["BACKEND"].endswith("LocMemCache")
    assert loaded["SESSION_ENGINE"] == "evalorg.accounts.sessions"  # rows in the database
    assert "replica" not in loaded["DATABASES"]


def test_a_shared_upload_directory(monkeypatch, tmp_path):
    loaded = evaluated(monkeypatch, EVALORG_MEDIA_ROOT=str(tmp_path / "nfs"))
    assert loaded["STORAGES"]["default"]["OPTIONS"]["location"] == str(tmp_path / "nfs")
    assert loaded["MEDIA_ROOT"] == tmp_path / "nfs"


def test_uploads_in_a_private_s3_bucket(monkeypatch):
    loaded = evaluated(
        monkeypatch,
        EVALORG_STORAGE="s3",
        AWS_STORAGE_BUCKET_NAME="evalorg-uploads",
        AWS_S3_ENDPOINT_URL="https://oss.example.cn",
        AWS_S3_REGION_NAME="cn-south-1",
    )
    default = loaded["STORAGES"]["default"]
    assert default["BACKEND"] == "storages.backends.s3.S3Storage"
    options = default["OPTIONS"]
    assert options["bucket_name"] == "evalorg-uploads"
    assert options["endpoint_url"] == "https://oss.example.cn"
    assert options["default_acl"] == "private" and options["file_overwrite"] is False
    assert "access_key" not in options and "secret_key" not in options  # from the environment

    from storages.backends.s3 import S3Storage

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIATEST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    storage = S3Storage(**options)  # builds without a network call
    assert storage.bucket_name == "evalorg-uploads" and storage.access_key == "AKIATEST"


def test_s3_needs_a_bucket_and_a_known_kind(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="AWS_STORAGE_BUCKET_NAME"):
        evaluated(monkeypatch, EVALORG_STORAGE="s3")
    with pytest.raises(ImproperlyConfigured, match="EVALORG_STORAGE"):
        evaluated(monkeypatch, EVALORG_STORAGE="nfs")


def test_redis_key_prefix_and_replica(monkeypatch):
    loaded = evaluated(
        monkeypatch,
        REDIS_URL="redis://cache.internal:6379/0",
        EVALORG_CACHE_KEY_PREFIX="evalorg-prod",
        DATABASE_REPLICA_URL="postgres://reports@replica.internal:5432/evalorg",
    )
    assert loaded["CACHES"]["default"]["KEY_PREFIX"] == "evalorg-prod"
    replica = loaded["DATABASES"]["replica"]
    assert replica["HOST"] == "replica.internal" and replica["USER"] == "reports"
    assert replica["TEST"] == {"MIRROR": "default"}


def test_workers_send_through_the_named_smtp_relay(monkeypatch):
    loaded = evaluated(
        monkeypatch, EMAIL_HOST="smtp.hrss.internal", EMAIL_PORT="587", EMAIL_USE_TLS="1"
    )
    assert (loaded["EMAIL_HOST"], loaded["EMAIL_PORT"], loaded["EMAIL_USE_TLS"]) == (
        "smtp.hrss.internal",
        587,
        True,
    )
    assert loaded["DATABASES"]["default"]["CONN_HEALTH_CHECKS"] is True
