#!/usr/bin/env bash
# Regenerate the Simplified Chinese catalogue from the English source strings and compile it.
#
#   scripts/messages.sh            extract (makemessages), compile, then check completeness
#   scripts/messages.sh --compile  compile and check only (after editing django.po by hand)
#
# Needs GNU gettext (xgettext, msgmerge, msgfmt, msgattrib; apt-get install gettext). makemessages scans
# every .py, .html and .txt file under src/shequ (templates included), skipping static/, and merges into
# src/shequ/locale/zh_Hans/LC_MESSAGES/django.po: existing translations are kept, new strings arrive with
# an empty msgstr, slightly changed ones arrive marked "#, fuzzy" (msgfmt ignores those until checked).
# Translate new and fuzzy entries in django.po itself (it is the source of the translations), then
# run `scripts/messages.sh --compile`.
# Terms: docs/glossary.md. The compiled django.mo is committed, so a machine without gettext still shows
# Chinese. Exits 1 (after compiling) while any entry is untranslated or fuzzy, and lists them.
set -euo pipefail
cd "$(dirname "$0")/.."

PO=src/shequ/locale/zh_Hans/LC_MESSAGES/django.po
PYTHON="$PWD/.venv/bin/python"
MANAGE="$PWD/manage.py"

for tool in xgettext msgmerge msgfmt msgattrib; do
    command -v "$tool" >/dev/null || { echo "messages.sh: $tool not found; apt-get install gettext" >&2; exit 1; }
done

if [[ "${1:-}" != "--compile" ]]; then
    (cd src/shequ && "$PYTHON" "$MANAGE" makemessages -l zh_Hans --extension html,txt,py \
        --no-location --no-obsolete --ignore 'static/*' -v0)
fi
(cd src/shequ && "$PYTHON" "$MANAGE" compilemessages -l zh_Hans -v0)

# msgattrib always prints the header (msgid ""); --no-wrap keeps every other msgid on one line.
untranslated=$(msgattrib --untranslated --no-obsolete --no-wrap "$PO" | grep -c '^msgid "[^"]' || true)
fuzzy=$(msgattrib --only-fuzzy --no-obsolete --no-wrap "$PO" | grep -c '^msgid "[^"]' || true)
if (( untranslated + fuzzy > 0 )); then
    echo "messages.sh: $untranslated untranslated and $fuzzy fuzzy entries in $PO:" >&2
    msgattrib --untranslated --no-obsolete --no-wrap "$PO" | grep '^msgid "[^"]' >&2 || true
    msgattrib --only-fuzzy --no-obsolete --no-wrap "$PO" | grep '^msgid "[^"]' >&2 || true
    exit 1
fi
