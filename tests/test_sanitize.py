"""The one sanitizer for names in text outputs."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from losslog.sanitize import safe_text, spreadsheet_safe


def test_escape_sequences_become_visible_text() -> None:
    assert safe_text("run\x1b[2J") == "run\\x1b[2J"
    assert safe_text("a\nb") == "a\\x0ab"
    assert safe_text("osc\x1b]0;title\x07") == "osc\\x1b]0;title\\x07"
    assert safe_text("bidi\u202eevil") == "bidi\\u202eevil"
    assert safe_text("c1\x9bm") == "c1\\x9bm"


def test_printable_unicode_is_kept() -> None:
    assert safe_text("métrique/准确率 ✓") == "métrique/准确率 ✓"


@given(st.text())
def test_output_has_no_control_character(text: str) -> None:
    out = safe_text(text)
    assert all(ord(c) >= 0x20 and not 0x7F <= ord(c) <= 0x9F for c in out)
    assert "\u202e" not in out


def test_spreadsheet_formulas_are_neutralized() -> None:
    for cell in ("=1+1", "+cmd", "-2+3", "@SUM(A1)", "\t=x", "\uff1dx"):
        assert spreadsheet_safe(cell).startswith("'")
    assert spreadsheet_safe("val/loss") == "val/loss"
