"""No module too large to hold in one's head (issue 11): about 400 lines at most.

A module that grows past the limit is split by concern (see docs/ARCHITECTURE.md), not exempted.
"""

from __future__ import annotations

from pathlib import Path

import losslog

LIMIT = 430  # "about 400": a little slack, so a docstring line does not force a split


def test_no_module_over_the_limit() -> None:
    root = Path(losslog.__file__).parent
    sizes = {
        p.relative_to(root).as_posix(): len(p.read_text(encoding="utf-8").splitlines()) for p in root.rglob("*.py")
    }
    assert sizes, "no modules found"
    too_big = {name: n for name, n in sizes.items() if n > LIMIT}
    assert not too_big, f"modules over {LIMIT} lines: {too_big}"
