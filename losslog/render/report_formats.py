"""``losslog report``'s output formats, one table driving ``--format``'s choices, help and dispatch."""

from __future__ import annotations

from losslog.render.base import RenderContext, Renderer
from losslog.report import Report


def report_text(rep: Report, ctx: RenderContext) -> str:
    """The terminal report. On standard output the unreadable inputs go to stderr instead (so a
    pipe gets only runs); in a file they are listed at the end, where a reader of the file looks."""
    import io

    from rich.console import Console

    from losslog.render.terminal import render_terminal

    if ctx.output is None:
        rep = Report(rep.runs, (), rep.options)
    buf = io.StringIO()
    console = Console(
        file=buf,
        width=ctx.width,
        no_color=not ctx.color,
        force_terminal=ctx.color,
        highlight=False,
        soft_wrap=not ctx.color,
    )
    render_terminal(rep, console)
    return buf.getvalue()


def report_json(rep: Report, ctx: RenderContext) -> str:
    from losslog.render.json_render import render_json

    return render_json(rep)


def report_markdown(rep: Report, ctx: RenderContext) -> str:
    """Charts as PNG files beside ``ctx.output``, or inline with ``ctx.embed``."""
    from losslog.render import report_charts
    from losslog.render.markdown import render_markdown

    charts = report_charts.markdown_charts(rep, ctx.output, ctx.embed, runs=ctx.runs)
    return render_markdown(rep, charts)


def report_html(rep: Report, ctx: RenderContext) -> str:
    from losslog.render.html import render_html

    return render_html(rep, runs=ctx.runs)


REPORT_RENDERERS: tuple[Renderer[Report], ...] = (
    Renderer("text", "for a person", report_text),
    Renderer("json", "versioned, for programs", report_json),
    Renderer("markdown", "for a PR or wiki; charts with -o FILE.md or --embed", report_markdown),
    Renderer("html", "one self-contained page with charts", report_html),
)
