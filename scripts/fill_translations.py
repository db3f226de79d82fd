"""Fill the zh_Hans catalogue from scripts/zh_hans.tsv (English<TAB>Chinese); list what is missing.

Run after scripts/messages.sh has extracted new strings, add the missing lines to the TSV, run again,
then compile: `scripts/messages.sh` (or `manage.py compilemessages -l zh_Hans`).
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "src/shequ/locale/zh_Hans/LC_MESSAGES/django.po"


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main() -> int:
    table = {}
    for line in (ROOT / "scripts/zh_hans.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip():
            english, chinese = line.split("\t")
            table[english] = chinese
    blocks = PO.read_text(encoding="utf-8").split("\n\n")
    missing, out = [], []
    for block in blocks:
        lines = [ln for ln in block.splitlines() if ln != "#, fuzzy" or block.startswith("# SOME")]
        msgid_lines, rest, mode = [], [], None
        for ln in lines:
            if ln.startswith("msgid "):
                mode = "id"
                msgid_lines.append(ln[6:])
            elif ln.startswith("msgstr "):
                mode = "str"
            elif mode == "id" and ln.startswith('"'):
                msgid_lines.append(ln)
            elif mode != "str":
                rest.append(ln)
        msgid = "".join(eval(part) for part in msgid_lines)  # noqa: S307 - our own catalogue's quoted strings
        if not msgid:
            out.append(block)
            continue
        chinese = table.get(msgid)
        if chinese is None:
            missing.append(msgid)
            out.append(block)
            continue
        head = [ln for ln in rest if ln.startswith("#") and "fuzzy" not in ln]
        out.append("\n".join(head + ["msgid " + quote(msgid), "msgstr " + quote(chinese)]))
    PO.write_text("\n\n".join(out).rstrip("\n") + "\n", encoding="utf-8")
    for msgid in missing:
        print(f"missing: {msgid}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
