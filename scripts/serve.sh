#!/usr/bin/env bash
# Serve Turf on 127.0.0.1:$1. With DATABASE_URL and REDIS_URL set, a Celery worker and
# beat run beside the web server and stop with it.
set -euo pipefail
PORT="${1:-8792}"
PY=.venv/bin/python
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

if [[ -n "${DATABASE_URL:-}" && -n "${REDIS_URL:-}" ]]; then
  echo "serve: PostgreSQL and Redis configured: starting a Celery worker and beat"
  .venv/bin/celery -A turf worker --loglevel=INFO --concurrency=2 &
  pids+=($!)
  .venv/bin/celery -A turf beat --loglevel=INFO &
  pids+=($!)
else
  echo "serve: embedded mode (SQLite, eager Celery)"
fi
echo "serve: dashboard  http://127.0.0.1:${PORT}/login/  (log in with the staff account above;"
echo "       '.venv/bin/python manage.py set_plan EMAIL premium' opens the value bets)"
echo "serve: admin      http://127.0.0.1:${PORT}/admin/   API  http://127.0.0.1:${PORT}/api/v1/docs"
"$PY" manage.py runserver "127.0.0.1:${PORT}" --noreload
