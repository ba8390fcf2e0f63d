"""``compare --format html``: one self-contained page, sortable in the browser, every name escaped."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from losslog.cli import app
from losslog.render.compare_formats import COMPARE_RENDERERS
from losslog.render.compare_html import SORT_JS, sort_key, sortable_table
from tests.conftest import curve_rows, keras_csv_text


def write_run(root: Path, name: str, floor: float) -> None:
    path = root / name / "training.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(keras_csv_text(curve_rows(20, val_floor=floor)))


class Page(HTMLParser):
    """The page's tags, the sortable tables' headers and cells, and any URL-bearing attribute."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[str] = []
        self.urls: list[str] = []
        self.headers: list[tuple[str, str]] = []  # (data-type, aria-sort)
        self.cells: list[str | None] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend(k for k, _ in attrs)
        a = dict(attrs)
        for k in ("src", "href", "xlink:href", "action"):
            if a.get(k) and not str(a[k]).startswith("#"):
                self.urls.append(str(a[k]))
        if tag == "th" and "data-type" in a:
            self.headers.append((str(a["data-type"]), str(a.get("aria-sort"))))
        if tag == "td":
            self.cells.append(a.get("data-v"))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)


def sweep_root(tmp_path: Path) -> Path:
    root = tmp_path / "sweep"
    for i, lr in enumerate([0.0001, 0.001, 0.01]):
        for s in range(2):
            write_run(root, f"lr={lr},seed={s}", 0.3 + 0.1 * i + 0.01 * s)
    return root


def render(tmp_path: Path, root: Path, *extra: str) -> tuple[str, str]:
    out = tmp_path / "sweep.html"
    res = CliRunner().invoke(app, ["compare", str(root), "--format", "html", "-o", str(out), *extra])
    assert res.exit_code == 0, res.output
    return out.read_text(encoding="utf-8"), res.stderr


def test_html_is_registered_in_the_compare_table() -> None:
    assert "html" in [r.name for r in COMPARE_RENDERERS]


def test_page_is_self_contained_with_sortable_tables_and_charts(tmp_path: Path) -> None:
    page, _ = render(tmp_path, sweep_root(tmp_path))
    assert "http://" not in page and "https://" not in page and "//cdn" not in page
    p = Page()
    p.feed(page)
    # nothing that loads: the only URL is the colour bar's gradient, inline as a data: URI
    assert all(u.startswith("data:image/png;base64,") for u in p.urls)
    assert "link" not in p.tags and "img" not in p.tags and "iframe" not in p.tags
    assert p.tags.count("script") == 1 and "losslogCompare" in p.scripts[0]
    assert page.count('<table class="sortable">') == 2  # runs and groups
    assert p.headers[0] == ("num", "none")  # the rank column sorts as numbers
    assert ("text", "none") in p.headers  # the run names as text
    assert p.tags.count("svg") == 2  # the sweep chart and the side-by-side chart, inline
    assert "The sweep" in page and "The runs side by side" in page
    assert "grouped by lr (runs differing only in seed averaged)" in page
    assert "lr=0.0001,seed=0" in page


def test_html_without_hyperparameters_has_no_sweep_chart(tmp_path: Path) -> None:
    for name, floor in (("alpha", 0.4), ("beta", 0.3)):
        write_run(tmp_path / "runs", name, floor)
    page, _ = render(tmp_path, tmp_path / "runs")
    assert "The sweep" not in page and page.count("<svg") == 1
    assert page.index(">beta<") < page.index(">alpha<")  # ranked: beta's loss is lower


HOSTILE = [
    "opt=<img src=x onerror=alert(1)>,seed=1",
    'opt="onmouseover=alert(1) x=",seed=2',
    "opt=\x1b[2Jbad,seed=3",
    "opt='both\"onfocus=alert(1) ',seed=4",
]


def test_every_name_and_value_is_escaped(tmp_path: Path) -> None:
    root = tmp_path / "hostile"
    for i, name in enumerate(HOSTILE):
        write_run(root, name, 0.3 + 0.1 * i)
    write_run(root, "<script>alert(1)<", 0.9)
    page, _ = render(tmp_path, root)
    assert "<img" not in page and "<script>alert" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&lt;script&gt;alert(1)&lt;" in page
    assert "&quot;onmouseover=alert(1) x=&quot;" in page
    assert "\x1b" not in page and "\\x1b[2Jbad" in page
    p = Page()
    p.feed(page)
    assert p.tags.count("script") == 1  # ours, nothing injected
    assert not [a for a in p.attrs if a.startswith("on")]  # no event handler attribute anywhere (SVG too)
    assert not [t for t in p.tags if t in ("img", "iframe")]


def test_sort_values_are_numbers_for_numeric_columns(tmp_path: Path) -> None:
    table = sortable_table([("#", True), ("run", False)], [[("10", "10.0"), ("b", "b")], [("–", None), ("a", "a")]])
    assert '<td class="num" data-v="10.0">10</td>' in table
    assert '<td class="num empty">–</td>' in table  # empty: no data-v, sorts last


# ---------------------------------------------------------------------------------------------
# the browser's sort rule


CASES = [
    (["10", "9", "", "100", "-1", "2.5e-3"], True),
    (["b", "A", "", "a10", "a9", "c"], False),
]


@pytest.mark.parametrize(("values", "numeric"), CASES)
def test_sort_rule_in_python_puts_empty_last_both_ways(values: list[str], numeric: bool) -> None:
    up = sorted(values, key=lambda v: sort_key(v, numeric))
    assert up[-1] == ""
    if numeric:
        assert up[:-1] == ["-1", "2.5e-3", "9", "10", "100"]


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed: the JS is checked in a browser")
@pytest.mark.parametrize(("values", "numeric"), CASES)
def test_the_javascript_sort_rule_agrees_with_python(values: list[str], numeric: bool) -> None:
    compare = SORT_JS[: SORT_JS.index("function losslogSort")]
    script = (
        compare
        + f"var v = {json.dumps(values)};\n"
        + f"var n = {str(numeric).lower()};\n"
        + "var up = v.slice().sort(function (a, b) { return losslogCompare(a, b, 1, n); });\n"
        + "var down = v.slice().sort(function (a, b) { return losslogCompare(a, b, -1, n); });\n"
        + "console.log(JSON.stringify([up, down]));\n"
    )
    done = subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True)
    up, down = json.loads(done.stdout)
    assert up[-1] == "" and down[-1] == ""  # empty last in either direction
    if numeric:
        assert up == sorted(values, key=lambda v: sort_key(v, True))
        assert down[:-1] == up[:-1][::-1]
    else:
        assert up[:-1] == ["A", "a9", "a10", "b", "c"]  # natural order, case-insensitive


def test_script_reads_only_the_page() -> None:
    assert not re.search(r"fetch|XMLHttpRequest|import\(|eval\(|innerHTML|document\.write", SORT_JS)


def test_groups_of_single_runs_fold_after_the_table(tmp_path: Path) -> None:
    root = tmp_path / "continuous"
    for i, lr in enumerate([0.001, 0.001, 0.002, 0.003, 0.004]):  # one pair of seeds, three lone runs
        write_run(root, f"lr={lr},seed={i}", 0.3 + 0.1 * i)
    page, _ = render(tmp_path, root)
    assert "<details><summary>4 groups, mostly of one run</summary>" in page
    assert page.index("<h2>Runs (5)</h2>") < page.index("<details>")
