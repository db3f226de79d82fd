#!/usr/bin/env bash
# Regenerate the Simplified Chinese catalogue from the source strings, fill it from scripts/zh_hans.tsv
# (it lists any string still missing there), and compile it. Needs gettext (apt-get install gettext).
# The compiled .mo is committed, so machines without gettext still show Chinese.
set -euo pipefail
cd "$(dirname "$0")/.."
(cd src/shequ && ../../.venv/bin/python ../../manage.py makemessages -l zh_Hans --no-location --no-obsolete -i "static/*" -v0)
.venv/bin/python scripts/fill_translations.py
(cd src/shequ && ../../.venv/bin/python ../../manage.py compilemessages -l zh_Hans -v0)
