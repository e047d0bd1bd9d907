"""Modules stay small enough to read in one sitting: one over 500 lines says why at its top."""

import ast
import re
from pathlib import Path

KOC = Path(__file__).resolve().parents[1] / "koc"
LIMIT = 500
# e.g. "Over 500 lines on purpose: ..." or "About 600 lines: ..."
REASON = re.compile(r"\b(over|about) \d[\d,]* lines\b", re.IGNORECASE)


def test_a_long_module_gives_its_reason_in_its_docstring():
    # given every module of koc
    found = []
    for path in sorted(KOC.rglob("*.py")):
        text = path.read_text()
        if text.count("\n") <= LIMIT:
            continue
        # when one is longer than the limit, then its docstring says why
        docstring = ast.get_docstring(ast.parse(text)) or ""
        if not REASON.search(docstring):
            found.append(f"{path.relative_to(KOC.parent)}: {text.count(chr(10))} lines")
    assert not found, found


def test_the_reason_is_recognised_and_its_absence_is_not():
    assert REASON.search("Over 500 lines on purpose: one type per concept.")
    assert REASON.search("About 1,020 lines: one story told in order.")
    assert not REASON.search("Importing this module connects the hooks.")
