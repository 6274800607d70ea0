"""Fault tests (issue 12) run in several threads or processes: they need a database every
connection can see, i.e. committed data (transactional tests) in a file, not SQLite's memory:
the ``shared_database`` fixture (tests/conftest.py) and tests/threads.py."""
