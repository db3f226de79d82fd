#!/usr/bin/env bash
# Regenerate the Simplified Chinese catalogue from the English source strings and compile it.
#
#   scripts/messages.sh            extract (makemessages), fill, compile, then check completeness
#   scripts/messages.sh --compile  compile and check only (after editing django.po by hand)
#
# Needs GNU gettext (xgettext, msgmerge, msgfmt, msgattrib; apt-get install gettext). makemessages scans
# every .py, .html and .txt file under src/shequ (templates included), skipping static/, and merges into
# src/shequ/locale/zh_Hans/LC_MESSAGES/django.po: existing translations are kept, new strings arrive with
# an empty msgstr, slightly changed ones arrive marked "#, fuzzy" (msgfmt ignores those until checked).
# scripts/fill_translations.py, when present, then fills entries still empty or fuzzy from scripts/zh_hans.tsv
# (translations already in the catalogue win) and lists strings the TSV lacks; the catalogue itself is what
# counts, so that list is only a warning.
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
    if [[ -f scripts/fill_translations.py ]]; then
        # The TSV fills gaps only: what the catalogue already translates (and is not fuzzy) stays as it is.
        kept=$(mktemp) && combined=$(mktemp) && trap 'rm -f "$kept" "$combined"' EXIT
        msgattrib --force-po --translated --no-fuzzy --no-obsolete "$PO" -o "$kept"
        "$PYTHON" scripts/fill_translations.py \
            || echo "messages.sh: warning: scripts/zh_hans.tsv lacks the strings listed above" >&2
        msgcat --force-po --use-first "$kept" "$PO" -o "$combined"
        # back into the extraction's order (and onto the file itself, keeping its permissions)
        msgmerge --quiet --no-fuzzy-matching --previous "$combined" "$PO" -o "$kept"
        cat "$kept" > "$PO"
    fi
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
