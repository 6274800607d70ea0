"""gunicorn settings of an EvalOrg app server (docs/deployment.md; issue 23 item 7).

    gunicorn -c deploy/gunicorn.conf.py evalorg.wsgi

The environment may override: GUNICORN_BIND (0.0.0.0:8000), WEB_CONCURRENCY (2 x cores + 1),
GUNICORN_TIMEOUT (30 s), GUNICORN_MAX_REQUESTS (1000); command-line options override all.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", str(multiprocessing.cpu_count() * 2 + 1)))

# Load Django once in the master (django.setup(), every URL and view imported: evalorg/wsgi.py)
# and fork warm workers: a new worker answers its first request at once instead of spending
# 4 s of CPU in django.setup() while it already accepts connections. A start-up refusal
# (demo data in production, unsafe settings) then stops the master before it binds workers.
preload_app = True


def post_worker_init(worker) -> None:  # gunicorn's Worker
    """Before the worker's accept loop: its database and cache connections, templates and
    catalogues warmed by a GET of /readyz and of the login page through the application
    (evalorg/core/warmup.py). Until it returns this worker takes no connection."""
    from evalorg.core.warmup import warm

    worker.log.info("warm-up: %s", warm(worker.wsgi))


# Recycle workers (memory growth, leaked connections), staggered so they never all restart at
# once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = max_requests // 10

# A request slower than this is killed (the database gives up first: DB_STATEMENT_TIMEOUT_MS,
# DB_CONNECT_TIMEOUT); on reload (HUP) or stop (TERM) running requests get graceful_timeout.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5

# The control socket is one path per user by default: two gunicorns on one host (the app pool
# and the login pool) would overwrite each other's. Neither needs it.
control_socket_disable = True

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
