"""``losslog compare``'s output formats: the leaderboard for a person, a PR, a program, a spreadsheet.

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

from losslog.analysis.compare import Leaderboard
from losslog.render.base import RenderContext, Renderer
from losslog.report import SCHEMA_VERSION, Report, run_to_dict
from losslog.sanitize import safe_text, spreadsheet_safe

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
CSV_NAME_FIELDS = frozenset({"name", "source", "metric", "note"})


@dataclass(frozen=True)
class Comparison:
    """What ``compare`` renders: the leaderboard and the report it ranks."""

    board: Leaderboard
    report: Report


def compare_to_dict(board: Leaderboard, rep: Report) -> dict[str, Any]:
    """The JSON form: the leaderboard, and the runs in ranked order in the report's run shape."""
    by_name = {r.name: r for r in rep.runs}
    runs = []
    for s in board.standings:
        d = run_to_dict(by_name[s.name])
        d["rank"] = s.rank
        runs.append(d)
    return {
        "schema_version": SCHEMA_VERSION,
        "ranked_by": {"metric": board.metric, "goal": board.goal},
        "leaderboard": [s.to_dict() for s in board.standings],
        "runs": runs,
        "errors": [e.to_dict() for e in rep.errors],
    }


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


def compare_text(result: Comparison, ctx: RenderContext) -> str:
    """The leaderboard as a table for a person (names are rich ``Text``: never read as markup)."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from losslog.render.words import num

    board = result.board
    buf = io.StringIO()
    console = Console(file=buf, width=160, no_color=True, highlight=False)
    metric = safe_text(board.metric or "(nothing)")
    console.print(Text(f"ranked by {metric} ({direction(board.goal)}), best first"))
    table = Table(box=None, padding=(0, 1), header_style="bold", show_edge=False)
    for col, justify in (
        ("#", "right"),
        ("run", "left"),
        (f"best {safe_text(board.metric or '')}".strip(), "right"),
        ("at", "left"),
        ("final", "right"),
        ("loss gap best → end", "right"),
        ("verdict", "left"),
    ):
        table.add_column(Text(col), justify=justify)  # type: ignore[arg-type]
    for s in board.standings:
        table.add_row(
            str(s.rank) if s.rank is not None else "–",
            Text(safe_text(s.name)),
            num(s.best),
            _at(s.best_step, s.best_epoch) if s.best is not None else "–",
            num(s.final),
            _gap(s.gap_at_best, s.gap_last),
            Text(safe_text(s.verdict + (f" ({s.note})" if s.note else ""))),
        )
    console.print(table)
    return buf.getvalue()


def compare_markdown(result: Comparison, ctx: RenderContext) -> str:
    """The leaderboard as a Markdown table (names escaped: they cannot break the table)."""
    from losslog.render.markdown import md_escape
    from losslog.render.words import num

    board = result.board
    metric = md_escape(board.metric or "(nothing)")
    lines = [
        "## losslog compare",
        "",
        f"Ranked by **{metric}** ({direction(board.goal)}), best first.",
        "",
        f"| # | run | best {metric} | at | final | loss gap best → end | verdict |",
        "|--:|---|--:|---|--:|--:|---|",
    ]
    for s in board.standings:
        verdict = md_escape(s.verdict + (f" ({s.note})" if s.note else ""))
        lines.append(
            "| "
            + " | ".join(
                [
                    str(s.rank) if s.rank is not None else "–",
                    md_escape(s.name),
                    num(s.best),
                    _at(s.best_step, s.best_epoch) if s.best is not None else "–",
                    num(s.final),
                    _gap(s.gap_at_best, s.gap_last),
                    verdict,
                ]
            )
            + " |"
        )
    lines.append("")
    return "\n".join(lines)


def _csv_cell(key: str, value: Any, raw: bool) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    if key in CSV_NAME_FIELDS and not raw:
        return spreadsheet_safe(safe_text(value))
    return value


def compare_csv(result: Comparison, ctx: RenderContext) -> str:
    """One row per run, ranked order, full-precision numbers (empty where unknown)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for s in result.board.standings:
        d = s.to_dict()
        writer.writerow({k: _csv_cell(k, d[k], ctx.raw_csv) for k in CSV_FIELDS})
    return buf.getvalue()


def compare_json(result: Comparison, ctx: RenderContext) -> str:
    return json.dumps(compare_to_dict(result.board, result.report), indent=2, allow_nan=False) + "\n"


COMPARE_RENDERERS: tuple[Renderer[Comparison], ...] = (
    Renderer("text", "a table for a person", compare_text),
    Renderer("json", "the leaderboard and each run, for programs", compare_json),
    Renderer("markdown", "a table for a PR", compare_markdown),
    Renderer("csv", "one row per run; names made spreadsheet-safe unless --raw-csv", compare_csv),
)
