#!/usr/bin/env bash
# Start Shequ as it runs in production: gunicorn web processes, one Celery worker and exactly one
# scheduler (beat), under scripts/supervise.py, which passes Ctrl-C / SIGTERM on and stops everything
# when any of them dies. Debug pages are off (SHEQU_DEBUG=0 unless set), static files are collected and
# served by whitenoise, background tasks never run in a web process.
#
#   scripts/serve.sh [--only web|worker|beat] [--no-migrate] [ADDRESS:PORT]   (default 127.0.0.1:8000)
#
# Without SHEQU_CELERY_BROKER_URL the worker reads the embedded queue (files under var/queue) and the
# cache is files under var/cache: one machine, no server. With SHEQU_CELERY_BROKER_URL and SHEQU_REDIS_URL
# (and SHEQU_DATABASE_URL=postgres://...) the same command serves a deployment; see docs/deploy.md.
#   --only web     only gunicorn (after migrate and collectstatic), e.g. on each of several web machines
#   --only worker  only a Celery worker, without the scheduler
#   --only beat    only the scheduler: run exactly one in the whole deployment
#   --no-migrate   do not run `manage.py migrate` first (./run.sh has just done it)
# SHEQU_WEB_WORKERS: gunicorn processes (default 2 x CPUs + 1, at most 12);
# SHEQU_WORKER_CONCURRENCY: tasks run at once by the worker (default 1 on the embedded queue, else CPUs).
set -euo pipefail
cd "$(dirname "$0")/.."

only=all
migrate=1
address=127.0.0.1:8000
while [ $# -gt 0 ]; do
  case "$1" in
    --only)
      only="${2:-}"
      shift 2 || { echo "--only needs web, worker or beat" >&2; exit 2; }
      ;;
    --no-migrate) migrate=0; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "unknown option $1 (see scripts/serve.sh --help)" >&2; exit 2 ;;
    *) address="$1"; shift ;;
  esac
done
if [[ "$address" =~ ^[0-9]+$ ]]; then address="127.0.0.1:$address"; fi
case "$only" in
  all | web | worker | beat) ;;
  *) echo "--only needs web, worker or beat, not '$only'" >&2; exit 2 ;;
esac

source scripts/venv.sh requirements.txt
python=.venv/bin/python
export PYTHONPATH="$(pwd)/src${PYTHONPATH:+:$PYTHONPATH}"
export DJANGO_SETTINGS_MODULE=shequ.settings
export SHEQU_DEBUG="${SHEQU_DEBUG:-0}"
export SHEQU_TASKS_EAGER=0 # jobs go to the worker, never run inside a web request

positive() { [[ "$2" =~ ^[1-9][0-9]*$ ]] || { echo "$1 must be a positive whole number, not '$2'" >&2; exit 2; }; }
cpus="$(nproc 2>/dev/null || echo 1)"
default_web=$((2 * cpus + 1))
[ "$default_web" -le 12 ] || default_web=12
web_workers="${SHEQU_WEB_WORKERS:-$default_web}"
positive SHEQU_WEB_WORKERS "$web_workers"
if [ -n "${SHEQU_CELERY_BROKER_URL:-}" ]; then default_concurrency="$cpus"; else default_concurrency=1; fi
concurrency="${SHEQU_WORKER_CONCURRENCY:-$default_concurrency}"
positive SHEQU_WORKER_CONCURRENCY "$concurrency"

# Access log: method, path, status, size, time and request id; never the query string (searches carry
# names and identity numbers) nor the client's address.
web=(.venv/bin/gunicorn shequ.wsgi:application
  --bind "$address" --workers "$web_workers" --timeout 120 --graceful-timeout 30
  --max-requests 2000 --max-requests-jitter 200 --no-control-socket
  --access-logfile - --access-logformat '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms %({x-request-id}o)s')
worker=(.venv/bin/celery -A shequ.tasks worker --loglevel INFO --concurrency "$concurrency" --hostname "shequ@%h")
if [ -z "${SHEQU_CELERY_BROKER_URL:-}" ]; then
  worker+=(--without-gossip --without-mingle --without-heartbeat) # one worker: nobody to talk to
fi
beat=(.venv/bin/celery -A shequ.tasks beat --loglevel INFO)

if [ "$only" = all ] || [ "$only" = web ]; then
  [ "$migrate" = 0 ] || $python manage.py migrate --noinput -v0
  $python manage.py collectstatic --noinput -v0
fi
case "$only" in
  all) exec $python scripts/supervise.py -- "${web[@]}" -- "${worker[@]}" --beat ;;
  web) exec "${web[@]}" ;;
  worker) exec "${worker[@]}" ;;
  beat) exec "${beat[@]}" ;;
esac
