"""A gunicorn worker answers only once warm (issue 23 item 7): deploy/gunicorn.conf.py's
post_worker_init sends /readyz and the login page through the application before the worker's
accept loop (evalorg/core/warmup.py); it never raises, so a database that does not answer leaves
the worker up for /readyz to report."""

from __future__ import annotations

import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.handlers.wsgi import WSGIHandler

from evalorg.core import warmup

CONFIG = Path(__file__).resolve().parents[2] / "deploy" / "gunicorn.conf.py"


@pytest.mark.django_db(transaction=True)
def test_warm_renders_readyz_and_the_login_page_through_the_application() -> None:
    assert warmup.warm(WSGIHandler()) == {"/readyz": 200, "/accounts/login/": 200}


@pytest.mark.django_db(transaction=True)
def test_warm_passes_production_hosts_and_https_redirects(settings) -> None:
    settings.ALLOWED_HOSTS = [".evalorg.example", "evalorg.example"]
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert warmup.warm_host() == "evalorg.example"
    assert warmup.warm(WSGIHandler()) == {"/readyz": 200, "/accounts/login/": 200}


def test_warm_never_raises_and_names_what_failed() -> None:
    def broken(environ, start_response):
        raise ConnectionError("database down")

    assert warmup.warm(broken) == {
        "/readyz": "error: ConnectionError",
        "/accounts/login/": "error: ConnectionError",
    }


def test_the_gunicorn_config_warms_each_worker_before_it_accepts() -> None:
    config = runpy.run_path(str(CONFIG))
    assert config["preload_app"] is True
    asked: list[str] = []

    def app(environ, start_response):
        asked.append(environ["PATH_INFO"])
        start_response("200 OK", [])
        return [b"ok"]

    logged: list[str] = []
    worker = SimpleNamespace(wsgi=app, log=SimpleNamespace(info=lambda *a: logged.append(a[0])))
    config["post_worker_init"](worker)
    assert asked == list(warmup.WARM_PATHS)
    assert logged == ["warm-up: %s"]
