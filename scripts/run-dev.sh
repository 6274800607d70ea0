#!/usr/bin/env bash
# `make run`: the development server, a task worker per queue and a loop running the sweeps every
# SWEEP_SECONDS (default 300); the worker is restarted when it dies. Ctrl-C (or TERM) stops them all: with job control on (set -m)
# each one runs in its own process group, and the trap signals every group, so autoreloader
# children and the loop's `sleep` go too.
set -uo pipefail
set -m
PY=${PY:-.venv/bin/python}
SWEEP_SECONDS=${SWEEP_SECONDS:-300}
RUN_ADDR=${RUN_ADDR:-127.0.0.1:8000}
# runserver takes "port" or "host:port"; a bare port listens on 127.0.0.1.
case "$RUN_ADDR" in
  *:*) shown_addr=$RUN_ADDR ;;
  *) shown_addr=127.0.0.1:$RUN_ADDR ;;
esac
# The demo runs without DEBUG so every error is the Chinese page users see (issue 22), not
# Django's English debug page with the URL map; tracebacks still go to the console log.
# WhiteNoise then serves the collected static files (DJANGO_DEBUG=1 for development).
export DJANGO_DEBUG=${DJANGO_DEBUG:-0}
"$PY" manage.py collectstatic --noinput -v0 || exit 1
groups=()

stop_all() {
  trap - INT TERM EXIT
  for pgid in "${groups[@]}"; do kill -TERM -- "-$pgid" 2>/dev/null; done
  wait 2>/dev/null
  echo "stopped: server, task workers, sweep loop"
}
trap 'stop_all; exit 130' INT TERM
trap stop_all EXIT

# One worker per queue, as in production (docs/operations.md): "default" (e-mail and the rest)
# and "banks" (question-bank checks, each in a child process killed at its limits), so an e-mail
# never waits behind a bank check. Each worker (run_worker: exits non-zero when its loop dies,
# retries a locked SQLite database) is restarted whenever it ends, as systemd's Restart=always
# does in production.
for queue in default banks; do
  (while :; do
    "$PY" manage.py run_worker --queue-name "$queue"
    echo "task worker ($queue) exited ($?); restarting in 2 s" >&2
    sleep 2
  done) &
  groups+=($!)
done
(while :; do "$PY" manage.py run_sweeps; sleep "$SWEEP_SECONDS"; done) &
groups+=($!)
echo "Serving http://$shown_addr with the task worker and sweeps every $SWEEP_SECONDS s (Ctrl-C stops all)"
"$PY" manage.py runserver "$RUN_ADDR" &
groups+=($!)

wait -n  # any of them ending (e.g. the port is taken) stops the others
