"""Reports with pictures (HTML, Markdown) and their safety with hostile run names and tags."""

from __future__ import annotations

import base64
import math
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from losslog.analysis import AnalysisOptions
from losslog.cli import app
from losslog.readers.discover import discover
from losslog.render.html import render_html
from losslog.report import build_report
from tests.conftest import curve_rows, keras_csv_text

runner = CliRunner()

XSS_TAG = "<script>alert(1)</script>"
XSS_RUN = "<img src=x onerror=alert(1)>"
MD_RUN = "a|b](javascript:alert(1)) [x](http://evil.example)"


def hostile_log(folder: Path) -> Path:
    """A Keras log in a folder with a hostile name, with a metric column named like a script tag."""
    folder.mkdir(parents=True, exist_ok=True)
    header = f"epoch,{XSS_TAG},loss,val_loss\n"
    body = "".join(f"{e},{0.1 * e},{2 * math.exp(-e / 5)},{2 * math.exp(-e / 5) + 0.1}\n" for e in range(12))
    path = folder / "training.log"
    path.write_text(header + body)
    return path


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    root = tmp_path / "runs"
    hostile_log(root / XSS_RUN)
    hostile_log(root / MD_RUN)
    return root


@pytest.fixture
def plain(tmp_path: Path) -> Path:
    root = tmp_path / "plain"
    for name, rows in (("good", curve_rows(25)), ("overfit", curve_rows(30, overfit_from=8))):
        (root / name).mkdir(parents=True)
        (root / name / "training.log").write_text(keras_csv_text(rows))
    return root


# --------------------------------------------------------------------------- HTML


class Tags(HTMLParser):
    """Every real element and attribute of a page, as a browser's parser sees them."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def only_local_references(page: str) -> bool:
    """No element can run code or fetch anything: every src/href points inside the page."""
    tags = Tags(page).tags
    names = {t for t, _ in tags}
    if names & {"script", "img", "iframe", "link", "object", "embed", "image", "foreignobject"}:
        return False
    for _, attrs in tags:
        if any(k.startswith("on") for k in attrs):
            return False
        for key in ("src", "href", "xlink:href"):
            value = attrs.get(key)
            if value is not None and not value.startswith("#"):
                return False
    return True


def html_of(path: Path, tmp_path: Path) -> str:
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["report", str(path), "--format", "html", "--output", str(out)])
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8")


def test_html_is_one_self_contained_page_with_charts(plain: Path, tmp_path: Path) -> None:
    page = html_of(plain, tmp_path)
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("<svg") == 2  # one chart per run, inline
    assert "<style>" in page
    for verdict in ("HEALTHY", "OVERFITTING"):
        assert verdict in page
    assert "val_loss" in page and "best checkpoint" in page
    # nothing is fetched: no URLs, no external scripts, styles, fonts or images
    assert not re.search(r"https?://", page)
    assert only_local_references(page)
    assert "@import" not in page
    assert set(re.findall(r"url\((.)", page)) <= {"#"}  # only SVG clip paths inside the page
    assert "<script" not in page.lower()


def test_html_escapes_hostile_names_and_tags(hostile: Path, tmp_path: Path) -> None:
    page = html_of(hostile, tmp_path)
    assert "<script" not in page.lower()
    assert "<img" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # the tag shows as text
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    # the hostile text drawn inside the charts is paths; matplotlib's comments are escaped too
    for svg in re.findall(r"<svg.*?</svg>", page, flags=re.DOTALL):
        assert "<script" not in svg and "<img" not in svg
    assert only_local_references(page)


def test_render_html_with_runs_given_needs_no_reread(plain: Path) -> None:
    found = discover([plain])
    rep = build_report(found.runs, found.errors, AnalysisOptions())
    page = render_html(rep, runs=found.runs)
    assert page.count("<svg") == 2
    assert render_html(rep, charts=False).count("<svg") == 0


# --------------------------------------------------------------------------- Markdown


def _unescaped(pattern: str, line: str) -> list[str]:
    return re.findall(r"(?<!\\)" + pattern, line)


def test_markdown_chart_beside_the_output(plain: Path, tmp_path: Path) -> None:
    out = tmp_path / "docs" / "report.md"
    result = runner.invoke(app, ["report", str(plain), "--format", "markdown", "--output", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    images = re.findall(r"!\[[^\n]*?\]\(([^)]+)\)", text)
    assert sorted(images) == ["report-good.png", "report-overfit.png"]
    for name in images:
        assert (out.parent / name).read_bytes()[:4] == b"\x89PNG"


def test_markdown_embed_inlines_base64(plain: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", str(plain / "good"), "--format", "markdown", "--embed"])
    assert result.exit_code == 0, result.output
    (data,) = re.findall(r"\(data:image/png;base64,([A-Za-z0-9+/=]+)\)", result.stdout)
    assert base64.b64decode(data)[:4] == b"\x89PNG"
    assert not list(tmp_path.glob("*.png"))


def test_markdown_on_stdout_writes_no_files(plain: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["report", str(plain / "good"), "--format", "markdown"])
    assert result.exit_code == 0, result.output
    assert "![" not in result.stdout
    assert not list(tmp_path.glob("*.png"))


def test_markdown_cannot_break_tables_or_inject_links(hostile: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.md"
    result = runner.invoke(app, ["report", str(hostile), "--format", "markdown", "--output", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    rows = [ln for ln in text.splitlines() if ln.startswith("|")]
    assert rows
    assert {len(_unescaped(r"\|", ln)) for ln in rows} == {12}  # 11 columns in every row
    for line in text.splitlines():
        links = _unescaped(r"\]\(", line)
        if line.startswith("![chart of "):
            assert len(links) == 1  # our own image link, nothing more
            target = line.rsplit("](", 1)[1]
            assert re.fullmatch(r"[A-Za-z0-9._-]+\.png\)", target)
        else:
            assert not links, line
        assert not _unescaped("<", line), line
    assert "\\<script\\>alert\\(1\\)\\</script\\>" in text


def test_compare_markdown_escapes_names(hostile: Path) -> None:
    result = runner.invoke(app, ["compare", str(hostile), "--format", "markdown"])
    assert result.exit_code == 0, result.output
    rows = [ln for ln in result.stdout.splitlines() if ln.startswith("|")]
    assert {len(_unescaped(r"\|", ln)) for ln in rows} == {8}
    assert not any(_unescaped(r"\]\(", ln) or _unescaped("<", ln) for ln in rows)
