"""``losslog compare``'s output formats: the leaderboard for a person, a PR, a program, a spreadsheet.

With a ``SweepTable`` (``losslog.sweep``) the rows are the sweep's (filtered, sorted, cut to
``--top``) and carry the varying hyperparameters as columns; with groups, a second table shows
each group's mean ± std and verdict counts. Text and Markdown show at most ``SHOW_ROWS`` rows
when ``--top`` was not given (saying how many were left out); JSON and CSV carry every row.

Run names, sources and metric names come from other people's logs: the text and Markdown tables
pass them through ``safe_text`` (and Markdown escaping); the CSV neutralizes name cells that a
spreadsheet would run as a formula (OWASP), unless ``--raw-csv`` asks for the bytes as logged.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any

from losslog.analysis.compare import Leaderboard, Standing
from losslog.render.base import RenderContext, Renderer
from losslog.render.compare_html import compare_html
from losslog.report import SCHEMA_VERSION, Report, run_to_dict
from losslog.sanitize import safe_text, spreadsheet_safe
from losslog.sweep import HP, SweepTable

CSV_FIELDS = (
    "rank",
    "name",
    "source",
    "metric",
    "goal",
    "best",
    "best_step",
    "best_epoch",
    "final",
    "gap_at_best",
    "gap_last",
    "verdict",
    "note",
)
#: the CSV cells that hold text from a log (never numbers), neutralized for spreadsheets
CSV_NAME_FIELDS = frozenset({"name", "source", "metric", "note", "run", "format", "monitor", "verdict"})
#: rows a person is shown without --top (a sweep of 1,000 runs stays readable)
SHOW_ROWS = 20
#: sweep-frame column -> leaderboard CSV field, where the names differ
_CSV_NAMES = {"run": "name", "last": "final", "monitor": "metric"}


@dataclass(frozen=True)
class Comparison:
    """What ``compare`` renders: the leaderboard, the report it ranks, and the sweep table."""

    board: Leaderboard
    report: Report
    sweep: SweepTable | None = None


def _standings(result: Comparison) -> list[Standing]:
    """The leaderboard lines to show, in the sweep's order (filtered, sorted, cut) when there is one."""
    if result.sweep is None:
        return list(result.board.standings)
    by_name = {s.name: s for s in result.board.standings}
    return [by_name[n] for n in result.sweep.frame["run"] if n in by_name]


def compare_to_dict(board: Leaderboard, rep: Report, sweep: SweepTable | None = None) -> dict[str, Any]:
    """The JSON form: the leaderboard, the runs in its order in the report's run shape, and the
    sweep (every row with all its hyperparameters, the groups)."""
    by_name = {r.name: r for r in rep.runs}
    standings = _standings(Comparison(board, rep, sweep))
    runs = []
    for s in standings:
        d = run_to_dict(by_name[s.name])
        d["rank"] = s.rank
        runs.append(d)
    doc: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "ranked_by": {"metric": board.metric, "goal": board.goal},
        "leaderboard": [s.to_dict() for s in standings],
        "runs": runs,
        "errors": [e.to_dict() for e in rep.errors],
    }
    if sweep is not None:
        doc["sweep"] = sweep.to_dict()
    return doc


def direction(goal: str | None) -> str:
    return {"min": "lower is better", "max": "higher is better"}.get(goal or "", "direction unknown")


def _at(step: float | None, epoch: float | None) -> str:
    from losslog.render.words import x_label

    return x_label(step, epoch)


def _gap(a: float | None, b: float | None) -> str:
    from losslog.render.words import num

    if a is None and b is None:
        return "–"
    return f"{num(a, 3)} → {num(b, 3)}"


def hp_cell(value: Any) -> str:
    """A hyperparameter as a person reads it: 0.001, 32, adam, true; – when the run has none."""
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.4g}"
    return safe_text(value)


# --------------------------------------------------------------------------------------------
# The columns a person sees: (header, justify, cell) per sweep column


def _columns(result: Comparison) -> list[tuple[str, str, Any]]:
    from losslog.render.words import num

    metric = result.board.metric or ""

    def get(row: dict[str, Any], key: str) -> Any:
        v = row.get(key)
        return None if isinstance(v, float) and v != v else v

    def verdict(row: dict[str, Any]) -> str:
        note = get(row, "note")
        return safe_text(str(row.get("verdict")) + (f" ({note})" if note else ""))

    fixed: dict[str, tuple[str, str, Any]] = {
        "rank": ("#", "right", lambda r: str(int(r["rank"])) if get(r, "rank") is not None else "–"),
        "run": ("run", "left", lambda r: safe_text(r["run"])),
        "best": (f"best {safe_text(metric)}".strip(), "right", lambda r: num(get(r, "best"))),
        "best_epoch": (
            "at",
            "left",
            lambda r: _at(get(r, "best_step"), get(r, "best_epoch")) if get(r, "best") is not None else "–",
        ),
        "best_step": ("best step", "right", lambda r: num(get(r, "best_step"))),
        "last": ("final", "right", lambda r: num(get(r, "last"))),
        "gap_at_best": ("loss gap best → end", "right", lambda r: _gap(get(r, "gap_at_best"), get(r, "gap_last"))),
        "gap_last": ("loss gap at end", "right", lambda r: num(get(r, "gap_last"), 3)),
        "verdict": ("verdict", "left", verdict),
    }
    sweep = result.sweep
    shown = (
        sweep.shown if sweep is not None else ["rank", "run", "best", "best_epoch", "last", "gap_at_best", "verdict"]
    )
    out = []
    for col in shown:
        if col in fixed:
            out.append(fixed[col])
        elif col.startswith(HP):
            out.append((safe_text(col[len(HP) :]), "right", lambda r, c=col: hp_cell(get(r, c))))
        elif col in ("source", "format", "monitor", "goal", "note"):
            out.append((col, "left", lambda r, c=col: safe_text(get(r, c) or "–")))
        else:  # METRIC:stat
            out.append((safe_text(col), "right", lambda r, c=col: num(get(r, c))))
    return out


def _rows(result: Comparison) -> list[dict[str, Any]]:
    """The rows to render: the sweep's, or the leaderboard's in the sweep's column names."""
    if result.sweep is not None:
        return result.sweep.rows()
    return [
        {
            "run": s.name,
            "rank": s.rank,
            "best": s.best,
            "best_step": s.best_step,
            "best_epoch": s.best_epoch,
            "last": s.final,
            "gap_at_best": s.gap_at_best,
            "gap_last": s.gap_last,
            "verdict": s.verdict,
            "note": s.note,
        }
        for s in result.board.standings
    ]


def _limit(result: Comparison, rows: list[Any]) -> tuple[list[Any], int]:
    """A person's table: at most ``SHOW_ROWS`` rows unless ``--top`` chose how many."""
    sweep = result.sweep
    if sweep is not None and sweep.top is None and len(rows) > SHOW_ROWS:
        return rows[:SHOW_ROWS], len(rows) - SHOW_ROWS
    return rows, 0


def _headline(result: Comparison) -> str:
    board, sweep = result.board, result.sweep
    metric = safe_text(board.metric or "(nothing)")
    if sweep is not None and sweep.sort and sweep.sort != f"{board.metric}:best":
        return f"sorted by {safe_text(sweep.sort)}; ranked by {metric} ({direction(board.goal)})"
    return f"ranked by {metric} ({direction(board.goal)}), best first"


def _notes(result: Comparison, left_out: int) -> list[str]:
    """What the table does not show, said in words."""
    sweep = result.sweep
    if sweep is None:
        return []
    notes = []
    if left_out:
        notes.append(
            f"{left_out} more run(s) not shown: --top N to choose how many, --format csv or json for every run"
        )
    if sweep.cut_by_top:
        notes.append(f"{sweep.cut_by_top} run(s) below the top {sweep.frame.shape[0]} left out (--top)")
    if sweep.filtered_out:
        where = " and ".join(safe_text(w) for w in sweep.where)
        notes.append(f"{sweep.filtered_out} of {sweep.total} run(s) left out by --where {where}")
    shown_hp = {c for c in sweep.shown if c.startswith(HP)}
    constant = [c for c in sweep.hparam_columns if c not in sweep.varying and c not in sweep.bookkeeping]
    if any(c not in shown_hp for c in constant):
        notes.append(f"{len(constant)} hyperparameter(s) the same in every run not shown (--all-hparams shows them)")
    hidden = [c[len(HP) :] for c in sweep.bookkeeping if c not in shown_hp]
    if hidden:
        names = ", ".join(safe_text(c) for c in hidden)
        notes.append(f"run names and folders ({names}) not shown (--all-hparams shows them)")
    return notes


def _group_title(sweep: SweepTable) -> str:
    names = ", ".join(safe_text(c[len(HP) :]) for c in sweep.group_by) or "(all runs)"
    title = f"groups by {names}"
    if sweep.seed_columns:
        seeds = ", ".join(safe_text(c[len(HP) :]) for c in sweep.seed_columns)
        title += f" (runs differing only in {seeds} averaged)"
    return title + "; mean ± std (sample), best group first"


def _mean_std(mean: Any, std: Any) -> str:
    from losslog.render.words import num

    if mean is None:
        return "–"
    return num(mean) + (f" ± {num(std, 2)}" if std is not None else "")


def _verdicts(counts: Any) -> str:
    if not isinstance(counts, dict):
        return "–"
    return ", ".join(f"{safe_text(k)} {v}" for k, v in counts.items())


def _group_cells(sweep: SweepTable, metric: str) -> tuple[list[str], list[list[str]]]:
    headers = [safe_text(c[len(HP) :]) for c in sweep.group_by]
    headers += ["n", f"best {safe_text(metric)}".strip(), "final", "verdicts"]
    rows = []
    for g in sweep.group_rows():
        cells = [hp_cell(g.get(c)) for c in sweep.group_by]
        cells += [
            str(g["n"]),
            _mean_std(g["best_mean"], g["best_std"]),
            _mean_std(g["last_mean"], g["last_std"]),
            _verdicts(g["verdicts"]),
        ]
        rows.append(cells)
    return headers, rows


def _natural_width(columns: list[tuple[str, str, Any]], rows: list[dict[str, Any]]) -> int:
    """The width the table needs unwrapped: each column's widest cell, one space between."""
    from rich.cells import cell_len

    widths = [cell_len(h) for h, _, _ in columns]
    for row in rows:
        for i, (_, _, cell) in enumerate(columns):
            widths[i] = max(widths[i], cell_len(cell(row)))
    return sum(widths) + 2 * len(widths) + 2


def compare_text(result: Comparison, ctx: RenderContext) -> str:
    """The leaderboard as a table for a person (names are rich ``Text``: never read as markup)."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    buf = io.StringIO()
    console = Console(file=buf, width=max(ctx.width, 160), no_color=True, highlight=False)
    console.print(Text(_headline(result)))
    columns = _columns(result)
    rows, left_out = _limit(result, _rows(result))
    # A table wider than the page (many hyperparameters) is printed whole, its lines running
    # long, rather than squeezed into columns one character wide.
    console.width = max(console.width, _natural_width(columns, rows))
    table = Table(box=None, padding=(0, 1), header_style="bold", show_edge=False)
    for header, justify, _ in columns:
        table.add_column(Text(header), justify=justify)  # type: ignore[arg-type]
    for row in rows:
        table.add_row(*(Text(cell(row)) for _, _, cell in columns))
    console.print(table)
    for note in _notes(result, left_out):
        console.print(Text(note))
    sweep = result.sweep
    if sweep is not None and sweep.group_by is not None and len(sweep.groups):
        console.print()
        console.print(Text(_group_title(sweep)))
        headers, cells = _group_cells(sweep, result.board.metric or "")
        groups = Table(box=None, padding=(0, 1), header_style="bold", show_edge=False)
        for i, h in enumerate(headers):
            groups.add_column(Text(h), justify="left" if i == len(headers) - 1 else "right")
        shown = cells if sweep.top is not None else cells[:SHOW_ROWS]
        for c in shown:
            groups.add_row(*(Text(x) for x in c))
        console.print(groups)
        if len(shown) < len(cells):
            console.print(Text(f"{len(cells) - len(shown)} more group(s) not shown: --format json for all"))
    return buf.getvalue()


def compare_markdown(result: Comparison, ctx: RenderContext) -> str:
    """The leaderboard as a Markdown table (names escaped: they cannot break the table)."""
    from losslog.render.markdown import md_escape

    board = result.board
    metric = md_escape(board.metric or "(nothing)")
    lines = ["## losslog compare", ""]
    headline = md_escape(_headline(result)).replace(metric, f"**{metric}**", 1)
    lines += [headline[:1].upper() + headline[1:] + ".", ""]
    columns = _columns(result)
    lines.append("| " + " | ".join(md_escape(h) for h, _, _ in columns) + " |")
    lines.append("|" + "|".join("--:" if j == "right" else "---" for _, j, _ in columns) + "|")
    rows, left_out = _limit(result, _rows(result))
    for row in rows:
        lines.append("| " + " | ".join(md_escape(cell(row)) for _, _, cell in columns) + " |")
    notes = _notes(result, left_out)
    if notes:
        lines.append("")
        lines += [f"- {md_escape(n)}" for n in notes]
    sweep = result.sweep
    if sweep is not None and len(sweep.groups):
        headers, cells = _group_cells(sweep, board.metric or "")
        lines += ["", f"### {md_escape(_group_title(sweep))}", ""]
        lines.append("| " + " | ".join(md_escape(h) for h in headers) + " |")
        lines.append("|" + "|".join(["--:"] * (len(headers) - 1) + ["---"]) + "|")
        for c in cells if sweep.top is not None else cells[:SHOW_ROWS]:
            lines.append("| " + " | ".join(md_escape(x) for x in c) + " |")
    lines.append("")
    return "\n".join(lines)


def _csv_cell(key: str, value: Any, raw: bool) -> Any:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str) and (key in CSV_NAME_FIELDS or key.startswith(HP) or ":" in key) and not raw:
        return spreadsheet_safe(safe_text(value))
    return value


def compare_csv(result: Comparison, ctx: RenderContext) -> str:
    """One row per run, in order, full-precision numbers (empty where unknown); hyperparameters as
    ``hp.<name>`` columns (the varying ones, every one with --all-hparams, or as --columns says)."""
    buf = io.StringIO()
    sweep = result.sweep
    if sweep is None:
        board_writer = csv.DictWriter(buf, fieldnames=CSV_FIELDS, lineterminator="\n")
        board_writer.writeheader()
        for s in result.board.standings:
            d = s.to_dict()
            board_writer.writerow({k: _csv_cell(k, d[k], ctx.raw_csv) for k in CSV_FIELDS})
        return buf.getvalue()
    if sweep.columns_given:
        fields = [_CSV_NAMES.get(c, c) for c in sweep.shown]
        keys = list(sweep.shown)
    else:
        extra = [c for c in sweep.shown if c not in CSV_FIELDS and c not in _CSV_NAMES and c not in ("best_epoch",)]
        extra = [c for c in extra if c not in ("rank", "run", "best", "last", "gap_at_best", "verdict")]
        fields = list(CSV_FIELDS) + extra
        reverse = {v: k for k, v in _CSV_NAMES.items()}
        keys = [reverse.get(f, f) for f in fields]
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([_csv_cell("name", f, ctx.raw_csv) if f.startswith(HP) else f for f in fields])
    for row in sweep.rows():
        writer.writerow([_csv_cell(f, row.get(k), ctx.raw_csv) for f, k in zip(fields, keys)])
    return buf.getvalue()


def compare_json(result: Comparison, ctx: RenderContext) -> str:
    doc = compare_to_dict(result.board, result.report, result.sweep)
    return json.dumps(doc, indent=2, allow_nan=False, default=str) + "\n"


COMPARE_RENDERERS: tuple[Renderer[Comparison], ...] = (
    Renderer("text", "a table for a person", compare_text),
    Renderer("json", "the leaderboard, each run and the sweep (hyperparameters, groups), for programs", compare_json),
    Renderer("markdown", "a table for a PR", compare_markdown),
    Renderer(
        "csv", "one row per run with its hyperparameters; names made spreadsheet-safe unless --raw-csv", compare_csv
    ),
    Renderer("html", "one self-contained page: the table sortable in the browser, groups, charts", compare_html),
)
