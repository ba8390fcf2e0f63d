"""Names from strangers' logs made safe for terminals, CI logs and spreadsheets.

Run names, tags, file names and metadata come from files losslog did not write (a shared bucket, a
pull request). Printed raw, a name could carry ESC/OSC sequences that retitle or clear a terminal,
a newline that starts a line of its own in a CI log (``::error file=x::`` in GitHub Actions), or a
leading ``=`` that a spreadsheet runs as a formula. Every text output passes names through here:
one place, so a new renderer cannot forget one case.
"""

from __future__ import annotations

import re

#: C0 controls (tab, newline and carriage return included: a name never needs them), DEL, C1
#: controls, and the Unicode format characters that reorder or hide text (bidi overrides and
#: isolates, zero-width joiners, the BOM, line/paragraph separators).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]")

#: What a spreadsheet treats as the start of a formula (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def _escape(match: re.Match[str]) -> str:
    ch = match.group(0)
    code = ord(ch)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def safe_text(text: object) -> str:
    """``text`` with every control or invisible formatting character shown as a visible escape.

    ``\\x1b[2J`` stays readable as text instead of clearing the screen; a newline becomes ``\\x0a``
    so that one name is always one line. Printable Unicode (accents, CJK, emoji) is kept as is.
    """
    s = text if isinstance(text, str) else str(text)
    if _UNSAFE.search(s) is None:
        return s
    return _UNSAFE.sub(_escape, s)


def spreadsheet_safe(cell: str) -> str:
    """A text cell that a spreadsheet shows as text: OWASP's advice, a leading ``'`` before a
    formula character. Only for name columns: numbers are written as numbers, never prefixed."""
    if cell.startswith(_FORMULA_START):
        return "'" + cell
    return cell
