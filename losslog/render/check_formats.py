"""``losslog check``'s output formats (the ``--junit`` file is a second output, rendered by junit.py).

The text renderer (the gate's own plain-text verdict) is passed in by the command for now:
``check_renderers(text)`` builds the table around it, and the GitHub format reuses it before its
annotations so that the CI log reads the same as a terminal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from losslog.render.base import RenderContext, Renderer, RenderFn
from losslog.report import Report

if TYPE_CHECKING:
    from losslog.gate import GateResult


@dataclass(frozen=True)
class GateOutcome:
    """What ``check`` renders: the report and the gate's verdict on it."""

    report: Report
    gate: GateResult


def gate_json(outcome: GateOutcome, ctx: RenderContext) -> str:
    import json

    from losslog.report import report_to_dict

    data = report_to_dict(outcome.report)
    data["gate"] = outcome.gate.to_dict()
    return json.dumps(data, indent=2, allow_nan=False) + "\n"


def gate_markdown(outcome: GateOutcome, ctx: RenderContext) -> str:
    from losslog.render.github import render_gate_markdown

    return render_gate_markdown(outcome.report, outcome.gate)


def check_renderers(text: RenderFn[GateOutcome]) -> tuple[Renderer[GateOutcome], ...]:
    """The table, around the plain-text renderer ``text`` (the first row, the default)."""

    def gate_github(outcome: GateOutcome, ctx: RenderContext) -> str:
        from losslog.render.github import render_annotations

        head = text(outcome, ctx)
        assert isinstance(head, str)
        return head + render_annotations(outcome.report, outcome.gate, ctx.workspace)

    return (
        Renderer("text", "the verdict for a person", text),
        Renderer("json", "the report with a gate section", gate_json),
        Renderer("github", "text plus workflow annotations; appends to $GITHUB_STEP_SUMMARY", gate_github),
        Renderer("markdown", "a job summary or PR comment", gate_markdown),
    )
