#!/usr/bin/env bash
# Set up (or update) and start Shequ on the embedded default: SQLite, the real Shenyang divisions,
# demo grids and accounts, served as in production by scripts/serve.sh: gunicorn web processes with debug
# pages off, one background worker on a queue of files under var/queue and exactly one scheduler.
# Ctrl-C stops them all. Usage: ./run.sh [address:port]   (default 127.0.0.1:8000)
# (`manage.py runserver` stays the developer's tool, with debug pages.)
set -euo pipefail
cd "$(dirname "$0")"
source scripts/venv.sh requirements.txt

mkdir -p var
if [ ! -f var/dev.env ]; then
  # Random development keys, made once and kept: the encrypted demo data stays readable across runs.
  .venv/bin/python - > var/dev.env <<'PY'
import base64, os, secrets
print(f"export SHEQU_SECRET_KEY={secrets.token_urlsafe(50)}")
print(f"export SHEQU_ENCRYPTION_KEYS=1:{base64.b64encode(os.urandom(32)).decode()}")
print(f"export SHEQU_BLIND_INDEX_KEY={secrets.token_urlsafe(32)}")
print(f"export SHEQU_AUDIT_KEY={secrets.token_urlsafe(32)}")
PY
  chmod 600 var/dev.env
fi
source var/dev.env

address="${1:-127.0.0.1:8000}"
if [[ "$address" =~ ^[0-9]+$ ]]; then address="127.0.0.1:$address"; fi # a port alone, as runserver took it
export SHEQU_DEBUG="${SHEQU_DEBUG:-0}"
# The address served must be a host name Django accepts (0.0.0.0: this machine's names and addresses).
if [ -z "${SHEQU_ALLOWED_HOSTS:-}" ]; then
  host="${address%:*}"
  host="${host#[}"
  host="${host%]}"
  hosts="127.0.0.1,localhost,testserver"
  case "$host" in
    0.0.0.0 | :: | "") extra="$(hostname 2>/dev/null || true) $(hostname -I 2>/dev/null || true)" ;;
    *) extra="$host" ;;
  esac
  for name in $extra; do hosts="$hosts,$name"; done
  export SHEQU_ALLOWED_HOSTS="$hosts"
fi

python=.venv/bin/python
$python manage.py migrate --noinput -v0
$python manage.py load_areas --city "${SHEQU_CITY:-2101}"
$python manage.py load_boundaries
$python manage.py load_reference_data
$python manage.py load_catalogue
$python manage.py load_programmes
$python manage.py load_eldercare_reference
$python manage.py load_demo --city "${SHEQU_CITY:-2101}"
echo
echo "Shequ 社区服务平台: http://${address}/  (sign in with an account above; API docs at /api/docs)"
exec scripts/serve.sh --no-migrate "$address"
