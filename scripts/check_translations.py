"""Fail when the Chinese catalogue is incomplete or its compiled twin is stale.

Run after `manage.py makemessages` (CI does), so strings added to the code without a
translation are caught. Compares the .po with the committed .mo entry by entry rather
than byte by byte, so different msgfmt versions do not matter.
"""

import re
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[1]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def problems_in(po_path: Path) -> list[str]:
    problems = []
    po = polib.pofile(str(po_path))
    for entry in po.untranslated_entries():
        problems.append(f"untranslated: {entry.msgid!r}")
    for entry in po.fuzzy_entries():
        problems.append(f"fuzzy: {entry.msgid!r}")
    # A translation may only use the placeholders its source offers (msgfmt refuses others).
    for entry in po.translated_entries():
        source = set(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
        for text in [entry.msgstr, *entry.msgstr_plural.values()]:
            if set(PLACEHOLDER.findall(text)) - source:
                problems.append(f"unknown placeholder in the translation of {entry.msgid!r}")
    mo_path = po_path.with_suffix(".mo")
    if not mo_path.exists():
        return [*problems, f"missing compiled catalogue {mo_path.relative_to(ROOT)}"]
    compiled = {
        (e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
        for e in polib.mofile(str(mo_path))
        if e.msgid
    }
    source = {
        (e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
        for e in po.translated_entries()
        if not e.obsolete
    }
    for key in source.keys() - compiled.keys():
        problems.append(f"not compiled: {key[1]!r}")
    for key in compiled.keys() - source.keys():
        problems.append(f"compiled but no longer in the .po: {key[1]!r}")
    for key in source.keys() & compiled.keys():
        if source[key] != compiled[key]:
            problems.append(f"compiled translation differs: {key[1]!r}")
    return problems


def main() -> int:
    catalogues = sorted((ROOT / "locale").glob("*/LC_MESSAGES/*.po"))
    if not catalogues:
        print("no catalogues found under locale/")
        return 1
    failed = False
    for po_path in catalogues:
        problems = problems_in(po_path)
        name = po_path.relative_to(ROOT)
        if problems:
            failed = True
            print(f"{name}: {len(problems)} problem(s)")
            for problem in problems[:50]:
                print(f"  {problem}")
        else:
            print(f"{name}: complete and compiled")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
