"""The charts of ``losslog compare``: the sweep chart when hyperparameters vary, else runs side by side.

Shared by ``compare --plot FILE`` and ``compare --format html``. The runs are drawn in the
table's order (the sweep table's when there is one: filtered by ``--where``, sorted, cut by
``--top``; else the leaderboard's), titled with their rank; past ``MAX_CELLS`` runs the side-by-side
chart draws the best runs and the sweep's groups as mean and band (``chart_groups``).
matplotlib is imported only when a figure is drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from losslog.render.chart_groups import RunGroup
from losslog.render.sweep_plan import HP, has_sweep, hp_text

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from losslog.analysis.compare import Leaderboard
    from losslog.model import Run
    from losslog.render.chart_series import ChartRun
    from losslog.report import Report


class Compared(Protocol):
    """What ``compare`` renders (``compare_formats.Comparison``), by its fields: the charts and the
    HTML page read it without importing the renderer table that lists them."""

    @property
    def board(self) -> Leaderboard: ...
    @property
    def report(self) -> Report: ...
    @property
    def sweep(self) -> Any: ...


def direction(goal: str | None) -> str:
    """Words for a metric's goal, as in the leaderboard's headline."""
    return {"min": "lower is better", "max": "higher is better"}.get(goal or "", "direction unknown")


def groups_of(table: Any) -> list[RunGroup]:
    """The sweep's groups (two runs or more) as chart groups, labelled by their hyperparameters."""
    if table is None or getattr(table, "groups", None) is None or not len(table.groups):
        return []
    out = []
    for g in table.groups.to_dict("records"):
        members = tuple(str(n) for n in (g.get("runs") or []))
        if len(members) < 2:
            continue
        label = ", ".join(f"{c[len(HP) :]}={hp_text(g.get(c))}" for c in table.group_by) or "group"
        out.append(RunGroup(label, members))
    return out


def ranked_inputs(result: Compared, runs: Sequence[Run]) -> tuple[list[ChartRun], tuple[str, ...]]:
    """Chart inputs in the table's order, and their column titles (``#rank name``)."""
    from losslog.render import chart  # through the entry point: one place to watch what is drawn

    board, rep = result.board, result.report
    by_name = {a.name: a for a in rep.runs}
    standings = {s.name: s for s in board.standings}
    order = [str(n) for n in result.sweep.frame["run"]] if result.sweep is not None else list(board.order)
    order = [n for n in order if n in by_name]
    inputs = chart.chart_inputs(runs, [by_name[n] for n in order], rep.options)
    names = chart.short_names([cr.name for cr in inputs], 30 if len(inputs) <= 4 else 22)
    titles = []
    for cr, short in zip(inputs, names):
        rank = standings[cr.name].rank if cr.name in standings else None
        titles.append(f"#{rank} {short}" if rank is not None else f"– {short}")
    return inputs, tuple(titles)


def compare_figure(result: Compared, runs: Sequence[Run], sweep: bool = True) -> tuple[Figure, str]:
    """The sweep chart (``sweep`` and some hyperparameter varies) or the side-by-side chart, and
    what it left out (a sentence, "" when nothing)."""
    from losslog.render.chart_draw import draw
    from losslog.render.chart_plan import plan_grid
    from losslog.render.chart_series import ChartOptions

    inputs, titles = ranked_inputs(result, runs)
    smooth = result.report.options.smooth
    if sweep and has_sweep(result.sweep):
        from losslog.render.sweep_draw import draw_sweep
        from losslog.render.sweep_plan import plan_sweep

        plan = plan_sweep(result.sweep, inputs, ChartOptions(smooth=smooth))
        return draw_sweep(plan), "; ".join(plan.notes)
    board = result.board
    opts = ChartOptions(
        smooth=smooth, title=f"ranked by {board.metric} ({direction(board.goal)})", column_titles=titles
    )
    grid = plan_grid(inputs, opts, groups_of(result.sweep))
    return draw(grid), grid.note
