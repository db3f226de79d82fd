# Sourced by run.sh, test.sh and scripts/serve.sh: create .venv with Python 3.11+ and install the pinned
# requirements whenever the requirements file changed since the last install.
requirements="$1"
python="${PYTHON:-python3}"
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "Shequ needs Python 3.11 or newer (set PYTHON=/path/to/python3.11)" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
stamp=".venv/.installed-$(basename "$requirements")"
if [ ! -f "$stamp" ] || [ -n "$(find requirements*.txt -newer "$stamp" 2>/dev/null)" ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$requirements"
  touch "$stamp"
  # requirements-dev.txt includes requirements.txt: serve.sh (run by a test) need not install again.
  [ "$(basename "$requirements")" != requirements-dev.txt ] || touch .venv/.installed-requirements.txt
fi
