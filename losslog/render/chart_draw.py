"""Drawing a chart plan with matplotlib, and writing it as PNG, SVG or PDF.

Everything a chart shows was decided in ``chart_plan``; this module only makes the calls. matplotlib
is imported inside the functions (it costs about half a second of start-up, and ``losslog report
--format json`` must never pay it). Figures are built with ``matplotlib.figure.Figure`` directly,
never pyplot, so nothing global is left behind and many figures can be drawn in one process.

Every text comes from the plan as literal text and is drawn with ``parse_math=False``: a ``$`` in
a run or metric name is a dollar sign, never the start of matplotlib math.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from losslog.errors import UsageError
from losslog.render.chart_parts import (
    Artist,
    AxesPlan,
    Band,
    ChartPlan,
    LegendKey,
    LegendPlan,
    Line,
    Note,
    Span,
    VLine,
)
from losslog.render.chart_series import XAxis, chart_format

if TYPE_CHECKING:
    from matplotlib.artist import Artist as MplArtist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: Text properties given to every text a chart draws: names are literal, never math.
LITERAL: dict[str, Any] = {"parse_math": False}


def _import_mpl() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    return Figure


def draw(plan: ChartPlan) -> Figure:
    """The figure a plan describes."""
    Figure = _import_mpl()
    fig = Figure(figsize=plan.size, layout="constrained")
    gs = fig.add_gridspec(plan.grid[0], plan.grid[1], height_ratios=list(plan.height_ratios))
    axes: list[Axes] = []
    for ap in plan.axes:
        row, c0, c1 = ap.cell
        sharex = axes[ap.share_x] if ap.share_x is not None else None
        sharey = axes[ap.share_y] if ap.share_y is not None else None
        axes.append(fig.add_subplot(gs[row, c0:c1], sharex=sharex, sharey=sharey))
    if plan.label_every_x:
        for ax in axes:
            ax.tick_params(labelbottom=True)  # shared x, but every panel keeps its tick labels
    handles: dict[str, MplArtist] = {}
    for ax, ap in zip(axes, plan.axes):
        _draw_axes(ax, ap, plan.x_axis, handles)
    fig.suptitle(plan.suptitle, fontsize=11, **LITERAL)
    _draw_legend(fig, plan.legend, handles)
    return fig


def _draw_axes(ax: Axes, ap: AxesPlan, axis: XAxis, handles: dict[str, MplArtist]) -> None:
    if ap.log:
        ax.set_yscale("log")
    for a in ap.artists:
        drawn = _draw_artist(ax, a)
        if a.label and a.label not in handles:
            handles[a.label] = drawn
    if ap.ylim is not None:
        ax.set_ylim(*ap.ylim)
    for note in ap.notes:
        _draw_note(ax, note)
    if ap.title:
        title: dict[str, Any] = {"fontsize": ap.title_size, "loc": ap.title_loc, **LITERAL}
        if ap.title_bold:
            title["fontweight"] = "bold"
        ax.set_title(ap.title, **title)
    if ap.xlabel:
        ax.set_xlabel(ap.xlabel, fontsize=9, **LITERAL)
    if ap.ylabel:
        ylabel: dict[str, Any] = {"fontsize": 9, **LITERAL}
        if ap.ylabel_bold:
            ylabel["fontweight"] = "bold"
        ax.set_ylabel(ap.ylabel, **ylabel)
    if not ap.y_tick_labels:
        ax.tick_params(labelleft=False)
    _style_axes(ax, axis, small=ap.small)


def _given(**kwargs: Any) -> dict[str, Any]:
    """Only the properties the plan sets; the others keep matplotlib's defaults."""
    return {k: v for k, v in kwargs.items() if v is not None and v != ""}


def _draw_artist(ax: Axes, a: Artist) -> MplArtist:
    if isinstance(a, Line):
        extra: dict[str, Any] = {"transform": ax.get_xaxis_transform(), "clip_on": False} if a.y_in_axes else {}
        (line,) = ax.plot(
            a.x, a.y, color=a.colour, linestyle=a.linestyle, gid=a.gid, **extra,
            **_given(label=a.label, linewidth=a.linewidth, alpha=a.alpha, marker=a.marker, markersize=a.markersize,
                     markevery=a.markevery, markeredgecolor=a.markeredgecolor, markeredgewidth=a.markeredgewidth,
                     zorder=a.zorder),
        )  # fmt: skip
        return line
    if isinstance(a, VLine):
        return ax.axvline(
            a.x, color=a.colour, linestyle=a.linestyle, linewidth=a.linewidth, gid=a.gid,
            **_given(label=a.label, alpha=a.alpha),
        )  # fmt: skip
    if isinstance(a, Band):
        return ax.fill_between(a.x, a.lo, a.hi, color=a.colour, alpha=a.alpha, linewidth=0, gid=a.gid,
                               **_given(label=a.label))  # fmt: skip
    assert isinstance(a, Span)
    return ax.axvspan(a.x0, a.x1, color=a.colour, alpha=a.alpha, linewidth=0, gid=a.gid, **_given(label=a.label))


def _draw_note(ax: Axes, note: Note) -> None:
    ax.text(
        note.x, note.y, note.text, transform=ax.transAxes, ha=note.ha, va=note.va, fontsize=note.fontsize,
        color=note.colour, gid=note.gid, **LITERAL,
    )  # fmt: skip


def _key_line(key: LegendKey) -> MplArtist:
    from matplotlib.lines import Line2D

    return Line2D(
        [], [], color=key.colour,
        **_given(linestyle=key.linestyle, linewidth=key.linewidth, marker=key.marker, markersize=key.markersize,
                 alpha=key.alpha, markeredgecolor=key.markeredgecolor),
    )  # fmt: skip


def _draw_legend(fig: Figure, lp: LegendPlan, handles: dict[str, MplArtist]) -> None:
    keys = [handles[e.label] if e.key is None else _key_line(e.key) for e in lp.entries]
    options: dict[str, Any] = {"loc": lp.loc, "fontsize": 8, "frameon": False}
    if lp.ncols is not None:
        options["ncols"] = lp.ncols
    if lp.title is not None:
        options.update(title=lp.title, title_fontsize=9)
    legend = fig.legend(keys, [e.label for e in lp.entries], **options)
    for text in legend.get_texts():
        text.set_parse_math(False)


def _style_axes(ax: Axes, axis: XAxis, small: bool = False) -> None:
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    ax.grid(True, color="#e6e6e6", linewidth=0.7)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=8)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=4 if small else 6, integer=axis.mode != "time", min_n_ticks=2))
    if axis.mode == "step":
        ax.xaxis.set_major_formatter(FuncFormatter(_step_tick))
    if ax.get_yscale() == "linear":
        ax.yaxis.set_major_locator(MaxNLocator(nbins=3 if small else 5))


def _step_tick(value: float, _pos: int | None = None) -> str:
    """Step ticks that stay short: 250k, 1.5M (no '1e6' offset text in the corner)."""
    a = abs(value)
    for div, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if a >= div and a >= 10_000:
            return f"{value / div:.4g}{suffix}"
    return f"{value:.6g}"


# ---------------------------------------------------------------------------------------------
# output


def _default_dpi(fig: Figure, opts_dpi: float | None) -> float:
    if opts_dpi:
        return opts_dpi
    width = float(fig.get_figwidth())
    return 150.0 if width <= 16 else 110.0


@contextmanager
def _quiet_glyphs() -> Iterator[None]:
    """A character the font lacks (CJK, emoji in a run name) is drawn as a box; matplotlib's
    warning about it, with a source line, would only clutter standard error."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from font")
        yield


def save_figure(fig: Figure, path: Path, dpi: float | None = None) -> None:
    """Write ``fig`` to ``path`` in the format its extension names."""
    fmt = chart_format(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with _quiet_glyphs():
            fig.savefig(path, format=fmt, dpi=_default_dpi(fig, dpi), metadata=_metadata(fmt))
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None


def figure_bytes(fig: Figure, fmt: str = "png", dpi: float | None = None) -> bytes:
    """The figure encoded as ``fmt`` (png, svg or pdf)."""
    buf = io.BytesIO()
    with _quiet_glyphs():
        fig.savefig(buf, format=fmt, dpi=_default_dpi(fig, dpi), metadata=_metadata(fmt))
    return buf.getvalue()


def _metadata(fmt: str) -> dict[str, Any]:
    # No creation date: the same logs give byte-identical images (diffable, cacheable).
    if fmt == "svg":
        return {"Date": None, "Creator": None, "Format": None, "Type": None}
    if fmt == "pdf":
        return {"CreationDate": None}
    return {"Software": None}


_SVG_PROLOGUE = re.compile(r"^.*?(?=<svg\b)", re.DOTALL)
_SVG_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
_SVG_XMLNS = re.compile(r'\s+xmlns(:\w+)?="[^"]*"')


def inline_svg(fig: Figure) -> str:
    """The figure as an ``<svg>`` element to paste into HTML.

    The XML prologue, the doctype, the metadata block and the namespace declarations go: an
    HTML parser puts ``<svg>`` in the SVG namespace by itself, and what remains holds no URL.
    Text is drawn as paths (matplotlib's default), so a run name cannot become markup; the
    comments matplotlib writes next to each text have ``<``, ``>``, ``&`` and ``--`` escaped.
    """
    svg = figure_bytes(fig, "svg").decode("utf-8")
    svg = _SVG_PROLOGUE.sub("", svg, count=1)
    svg = _SVG_METADATA.sub("", svg)
    svg = _SVG_XMLNS.sub("", svg)
    return svg.strip()
