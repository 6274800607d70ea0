import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evalorg.settings")
application = get_wsgi_application()

# Production never serves a database with demo accounts, the demo TOTP key or simulated rounds
# (issue 23 item 3): the worker (the master with preload_app) stops here instead of starting.
from evalorg.core.production_guard import refuse_demo_data  # noqa: E402

refuse_demo_data()

# The guard's connection is closed before gunicorn forks (preload_app): a forked worker must never
# share the master's socket to the database; each opens its own (deploy/gunicorn.conf.py warms it).
from django.db import connections  # noqa: E402

connections.close_all()

# Warm: import every view module now (the URL conf), so that with preload_app
# (deploy/gunicorn.conf.py) forked workers answer their first request without importing.
from django.urls import get_resolver  # noqa: E402

get_resolver().url_patterns  # noqa: B018
