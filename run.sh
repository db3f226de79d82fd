#!/usr/bin/env bash
# Set up (or update) and start Shequ on the embedded default: SQLite, the real Shenyang divisions,
# demo grids and accounts. Usage: ./run.sh [address:port]   (default 127.0.0.1:8000)
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

python=.venv/bin/python
$python manage.py migrate --noinput -v0
$python manage.py load_areas --city "${SHEQU_CITY:-2101}"
$python manage.py load_boundaries
$python manage.py load_reference_data
$python manage.py load_demo --city "${SHEQU_CITY:-2101}"
address="${1:-127.0.0.1:8000}"
echo
echo "Shequ 社区服务平台: http://${address}/  (sign in with an account above; API docs at /api/docs)"
exec $python manage.py runserver --noreload "$address"
