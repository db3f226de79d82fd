#!/usr/bin/env bash
# Set up (or update) .venv and run the whole suite on SQLite, then on PostgreSQL. The browser tests need
# Debian's Chromium and CJK fonts: scripts/browser-deps.sh installs them when missing (as root), or stops
# with the one command that does.
# PostgreSQL: SHEQU_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/shequ).
# Without PostgreSQL the suite runs on SQLite only and says so; with CI=true that is a failure.
# Extra arguments go to pytest, e.g. ./test.sh tests/areas -k grid
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p var/static  # settings make no folders; whitenoise wants STATIC_ROOT to exist
scripts/browser-deps.sh # Chromium and CJK fonts for the browser tests: installed if missing, or stop
source scripts/venv.sh requirements-dev.txt
python=.venv/bin/python
pg_url="${SHEQU_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/shequ}"

export SHEQU_TASKS_EAGER=1  # background tasks run inline in tests (the worker test starts a real one)
echo "== SQLite =="
SHEQU_DATABASE_URL="sqlite:///$(pwd)/var/test.sqlite3" $python -m pytest "$@"

if $python - "$pg_url" <<'PY'
import sys, psycopg
try:
    psycopg.connect(sys.argv[1].rsplit("/", 1)[0] + "/postgres", connect_timeout=3).close()
except Exception as exc:
    print(f"cannot reach PostgreSQL: {exc}", file=sys.stderr)
    sys.exit(1)
PY
then
  echo "== PostgreSQL =="
  SHEQU_DATABASE_URL="$pg_url" $python -m pytest "$@"
else
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!" >&2
  echo "!! PostgreSQL is not reachable at $pg_url" >&2
  echo "!! The suite ran on SQLite ONLY. Start PostgreSQL or set SHEQU_TEST_POSTGRES_URL." >&2
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!" >&2
  if [ "${CI:-}" = "true" ]; then
    echo "CI=true: a missing PostgreSQL is a failure." >&2
    exit 1
  fi
fi
