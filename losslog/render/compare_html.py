"""``losslog compare --format html``: the sweep as one self-contained page, sortable in the browser.

One file, nothing fetched: the CSS in a ``<style>`` element, a few lines of vanilla JavaScript in a
``<script>`` element (no library, no CDN), the charts as inline ``<svg>``. It opens the same from a
CI artifact, an e-mail attachment or a laptop offline.

- **The table** has one row per run (every run: a browser sorts 10,000 rows fine), the columns
  ``compare`` shows (``--columns``, else rank, run, best, where, final, gap, verdict and the varying
  hyperparameters). Clicking a header sorts by it, clicking again reverses; numbers sort as
  numbers (each cell carries its value in ``data-v``), text in natural order, and empty cells go
  last in either direction. The groups table (mean ± std, n, verdicts) sorts the same way.
- **The charts**: the sweep chart when hyperparameters vary (``sweep_plan``), and the runs side
  by side (the best runs and the groups past ``MAX_CELLS``), both from ``compare_charts``. They
  need the runs' points (``RenderContext.runs``); without them the page has no charts.

Every name and value from a log goes through ``safe_text`` and ``html.escape`` (``esc``); chart
text is drawn as paths, so no name becomes markup anywhere on the page.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from losslog import __version__
from losslog.render.base import RenderContext
from losslog.render.html import esc
from losslog.render.sweep_plan import HP, hp_text
from losslog.render.words import num, x_label

if TYPE_CHECKING:
    from losslog.model import Run
    from losslog.render.compare_charts import Compared

SWEEP_HEADING = "The sweep"
SIDE_HEADING = "The runs side by side"
DEFAULT_COLUMNS = ("rank", "run", "best", "best_epoch", "last", "gap_at_best", "verdict")

#: The sort rule, the same as ``sort_key`` below (tests/test_compare_html.py checks they agree):
#: empty cells last whichever the direction, numbers by value, text in natural order; ties keep
#: the rows' previous order (Array.prototype.sort is stable).
SORT_JS = """
function losslogCompare(a, b, dir, numeric) {
  var ea = a === null || a === "", eb = b === null || b === "";
  if (ea || eb) return ea === eb ? 0 : (ea ? 1 : -1);
  if (numeric) return dir * (parseFloat(a) - parseFloat(b));
  return dir * String(a).localeCompare(String(b), undefined, {numeric: true, sensitivity: "base"});
}
function losslogSort(th) {
  var table = th.closest("table"), body = table.tBodies[0], col = th.cellIndex;
  var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
  var numeric = th.getAttribute("data-type") === "num";
  var rows = Array.prototype.slice.call(body.rows);
  rows.sort(function (r1, r2) {
    return losslogCompare(r1.cells[col].getAttribute("data-v"), r2.cells[col].getAttribute("data-v"), dir, numeric);
  });
  rows.forEach(function (r) { body.appendChild(r); });
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) { h.setAttribute("aria-sort", "none"); });
  th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
}
document.addEventListener("click", function (e) {
  var th = e.target.closest && e.target.closest("table.sortable th");
  if (th) losslogSort(th);
});
"""

_CSS_EXTRA = """
table.sortable th { cursor: pointer; user-select: none; white-space: nowrap; }
table.sortable th::after { content: " \\2195"; color: #b0b0b0; font-weight: 400; }
table.sortable th[aria-sort="ascending"]::after { content: " \\2191"; color: var(--fg); }
table.sortable th[aria-sort="descending"]::after { content: " \\2193"; color: var(--fg); }
.scroll { overflow: auto; max-width: 100%; max-height: 80vh; }
table.sortable thead th { position: sticky; top: 0; z-index: 1; }
td.empty { color: var(--muted); }
caption { text-align: left; color: var(--muted); font-size: 12px; padding: 2px 0 4px; }
figure.wide svg { max-width: 100%; }
.notes { color: var(--muted); font-size: 13px; }
"""


def sort_key(value: str | None, numeric: bool) -> tuple[int, Any]:
    """The browser's sort rule in Python (ascending): empty last, numbers by value, else text."""
    if value is None or value == "":
        return (1, 0)
    return (0, float(value)) if numeric else (0, value.casefold())


def _finite(v: Any) -> float | None:
    """A finite number as float (numpy scalars included); None for anything else."""
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        return None
    f = float(v)
    return f if math.isfinite(f) else None


Cell = tuple[str, str | None]  # (shown text, sort value or None when empty)


def _number(v: Any, digits: int = 4) -> Cell:
    f = _finite(v)
    return (num(f, digits), repr(f)) if f is not None else ("–", None)


def _hp(v: Any) -> Cell:
    text = hp_text(v)
    if text == "–":
        return ("–", None)
    f = _finite(v)
    return (text, repr(f) if f is not None else text)


def _text(v: Any) -> Cell:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v == "":
        return ("–", None)
    return (str(v), str(v))


def _columns(result: Compared, rows: Sequence[Mapping[str, Any]]) -> list[tuple[str, bool, Callable[..., Cell]]]:
    """(header, numeric, cell) for each column shown."""
    metric = result.board.metric or ""

    def at(r: Mapping[str, Any]) -> Cell:
        step = _finite(r.get("best_step"))
        if _finite(r.get("best")) is None or step is None:
            return ("–", None)
        return (x_label(step, _finite(r.get("best_epoch"))), repr(step))

    def verdict(r: Mapping[str, Any]) -> Cell:
        note = r.get("note")
        return _text(str(r.get("verdict")) + (f" ({note})" if isinstance(note, str) and note else ""))

    fixed: dict[str, tuple[str, bool, Callable[..., Cell]]] = {
        "rank": ("#", True, lambda r: _number(r.get("rank"))),
        "run": ("run", False, lambda r: _text(r.get("run"))),
        "best": (f"best {metric}".strip(), True, lambda r: _number(r.get("best"))),
        "best_epoch": ("at", True, at),
        "best_step": ("best step", True, lambda r: _number(r.get("best_step"))),
        "last": ("final", True, lambda r: _number(r.get("last"))),
        "gap_at_best": ("loss gap at best", True, lambda r: _number(r.get("gap_at_best"), 3)),
        "gap_last": ("loss gap at end", True, lambda r: _number(r.get("gap_last"), 3)),
        "verdict": ("verdict", False, verdict),
    }
    sweep = result.sweep
    shown = list(getattr(sweep, "shown", None) or DEFAULT_COLUMNS) if sweep is not None else list(DEFAULT_COLUMNS)
    if "gap_at_best" in shown and "gap_last" not in shown:
        shown.insert(shown.index("gap_at_best") + 1, "gap_last")
    out: list[tuple[str, bool, Callable[..., Cell]]] = []
    for col in shown:
        if col in fixed:
            out.append(fixed[col])
        elif col.startswith(HP):
            numeric = all(_finite(r.get(col)) is not None for r in rows if hp_text(r.get(col)) != "–")
            out.append((col[len(HP) :], numeric, lambda r, c=col: _hp(r.get(c))))
        elif col in ("source", "format", "monitor", "goal", "note"):
            out.append((col, False, lambda r, c=col: _text(r.get(c))))
        else:  # METRIC:best|last columns
            out.append((col, True, lambda r, c=col: _number(r.get(c))))
    return out


def _rows(result: Compared) -> list[dict[str, Any]]:
    if result.sweep is not None:
        return [{str(k): v for k, v in r.items()} for r in result.sweep.frame.to_dict("records")]
    return [
        {
            "run": s.name, "rank": s.rank, "best": s.best, "best_step": s.best_step, "best_epoch": s.best_epoch,
            "last": s.final, "gap_at_best": s.gap_at_best, "gap_last": s.gap_last, "verdict": s.verdict,
            "note": s.note,
        }
        for s in result.board.standings
    ]  # fmt: skip


def sortable_table(headers: Sequence[tuple[str, bool]], cells: Sequence[Sequence[Cell]], caption: str = "") -> str:
    """A table whose headers sort it (``SORT_JS``); every text escaped."""
    num_class = ' class="num"'
    head = "".join(
        f'<th scope="col" data-type="{"num" if numeric else "text"}" aria-sort="none"'
        f"{num_class if numeric else ''}>{esc(h)}</th>"
        for h, numeric in headers
    )
    body = []
    for row in cells:
        tds = []
        for (text, value), (_, numeric) in zip(row, headers):
            cls = " ".join(c for c in ("num" if numeric else "", "empty" if value is None else "") if c)
            attr = f' class="{cls}"' if cls else ""
            data = f' data-v="{esc(value)}"' if value is not None else ""
            tds.append(f"<td{attr}{data}>{esc(text)}</td>")
        body.append("<tr>" + "".join(tds) + "</tr>")
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return (
        f'<div class="scroll"><table class="sortable">{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def groups_table(sweep: Any) -> str:
    """The groups (one row per configuration): hyperparameters, n, mean ± std, verdicts."""
    groups = getattr(sweep, "groups", None)
    if groups is None or not len(groups):
        return ""
    rows = groups.to_dict("records")
    hp_cols = [c for c in sweep.group_by if c in groups.columns]
    headers: list[tuple[str, bool]] = [(c[len(HP) :], True) for c in hp_cols]
    headers = [(h, all(_finite(r.get(c)) is not None for r in rows)) for (h, _), c in zip(headers, hp_cols)]
    headers += [("n", True), ("best (mean)", True), ("± std", True), ("final (mean)", True), ("± std", True)]
    headers += [("verdicts", False), ("runs", False)]
    cells = []
    for g in rows:
        verdicts = g.get("verdicts") or {}
        vtext = ", ".join(f"{k} {v}" for k, v in verdicts.items()) if isinstance(verdicts, Mapping) else ""
        runs = [str(n) for n in (g.get("runs") or [])]
        cells.append(
            [_hp(g.get(c)) for c in hp_cols]
            + [_number(g.get("n")), _number(g.get("best_mean")), _number(g.get("best_std"), 2)]
            + [_number(g.get("last_mean")), _number(g.get("last_std"), 2), _text(vtext)]
            + [_text(", ".join(runs[:6]) + (f" … (+{len(runs) - 6})" if len(runs) > 6 else ""))]
        )
    names = ", ".join(c[len(HP) :] for c in sweep.group_by)
    seeds = ", ".join(c[len(HP) :] for c in getattr(sweep, "seed_columns", []) or [])
    caption = f"grouped by {names}" + (f" (runs differing only in {seeds} averaged)" if seeds else "")
    return "<h2>Groups</h2>\n" + sortable_table(headers, cells, caption + "; std is the sample's (n − 1)")


def _charts(result: Compared, runs: Sequence[Run]) -> list[tuple[str, str, str]]:
    """(heading, svg, caption) for each chart; none without the runs' points."""
    if not runs or not result.report.runs:
        return []
    from losslog.errors import UsageError
    from losslog.render.chart_draw import inline_svg
    from losslog.render.compare_charts import compare_figure
    from losslog.render.html import _SVG_CONTROL
    from losslog.render.sweep_plan import has_sweep
    from losslog.sanitize import safe_text

    out = []
    wanted = [(SWEEP_HEADING, True)] if has_sweep(result.sweep) else []
    wanted.append((SIDE_HEADING, False))
    for heading, sweep in wanted:
        try:
            fig, note = compare_figure(result, runs, sweep=sweep)
        except UsageError as exc:  # nothing drawable (no loss/metric series): say so, keep the page
            out.append((heading, "", exc.message))
            continue
        svg = _SVG_CONTROL.sub(lambda m: safe_text(m.group(0)), inline_svg(fig))
        out.append((heading, svg, note))
    return out


def _figure(heading: str, svg: str, caption: str) -> str:
    cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    return f'<h2>{esc(heading)}</h2>\n<figure class="wide" role="img" aria-label="{esc(heading)}">{svg}{cap}</figure>'


def compare_html(result: Compared, ctx: RenderContext) -> str:
    """The compare page: headline, sortable table, groups, charts; one file, nothing fetched."""
    from losslog.render.compare_charts import direction
    from losslog.render.html import _CSS

    board, rep, sweep = result.board, result.report, result.sweep
    rows = _rows(result)
    columns = _columns(result, rows)
    table = sortable_table([(h, n) for h, n, _ in columns], [[cell(r) for _, _, cell in columns] for r in rows])
    metric = board.metric or "(nothing)"
    meta = [f"{len(rows)} run{'s' if len(rows) != 1 else ''} ranked by {metric} ({direction(board.goal)})"]
    if sweep is not None:
        if getattr(sweep, "filtered_out", 0):
            meta.append(f"{sweep.filtered_out} left out by --where {' and '.join(map(str, sweep.where))}")
        if getattr(sweep, "cut_by_top", 0):
            meta.append(f"{sweep.cut_by_top} below the top {len(rows)} left out (--top)")
    if rep.errors:
        meta.append(f"{len(rep.errors)} input{'s' if len(rep.errors) != 1 else ''} not read")
    charts = _charts(result, ctx.runs)
    body = [
        "<main>",
        "<header><h1>losslog compare</h1>",
        '<p class="meta">' + " · ".join(esc(m) for m in meta) + "</p></header>",
    ]
    # At a glance first (the groups, the sweep chart), then every run, then the runs' curves.
    # Groups of mostly one run (a continuous sweep) say little: then they follow the runs, folded.
    groups = groups_table(sweep) if sweep is not None else ""
    frame = getattr(sweep, "groups", None)
    n_groups = len(frame) if frame is not None else 0
    groups_first = bool(groups) and 2 * n_groups <= len(rows)
    if groups_first:
        body.append(groups)
    body += [_figure(*c) for c in charts if c[0] == SWEEP_HEADING]
    body += [
        f"<h2>Runs ({len(rows)})</h2>",
        '<p class="notes">Click a column header to sort by it (again to reverse); empty cells stay last.</p>',
        table,
    ]
    if groups and not groups_first:
        body.append(f"<details><summary>{n_groups} groups, mostly of one run</summary>{groups}</details>")
    body += [_figure(*c) for c in charts if c[0] != SWEEP_HEADING]
    if rep.errors:
        body.append('<h2 id="errors">Inputs not read</h2><ul class="errors">')
        body.extend(f"<li>{esc(e.source)}: {esc(e.message)}</li>" for e in rep.errors)
        body.append("</ul>")
    body += [f"<footer>losslog {esc(__version__)}</footer>", "</main>"]
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(f'losslog compare: {len(rows)} runs')}</title>\n<style>{_CSS}{_CSS_EXTRA}</style>\n</head>\n"
        "<body>\n" + "\n".join(body) + f"\n<script>{SORT_JS}</script>\n</body>\n</html>\n"
    )
