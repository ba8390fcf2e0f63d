"""``losslog export``'s formats: the tidy table of every point, streamed (they return None).

The writers live in ``losslog.export`` (they stream chunk by chunk rather than build one string);
the rows here make them ordinary renderers of the list of runs.
"""

from __future__ import annotations

from collections.abc import Sequence

from losslog.model import Run
from losslog.render.base import RenderContext, Renderer


def export_csv(runs: Sequence[Run], ctx: RenderContext) -> None:
    from losslog.export import write_csv

    write_csv(list(runs), ctx.output)


def export_json(runs: Sequence[Run], ctx: RenderContext) -> None:
    from losslog.export import write_json

    write_json(list(runs), ctx.output)


def export_parquet(runs: Sequence[Run], ctx: RenderContext) -> None:
    from losslog.export import write_parquet

    assert ctx.output is not None  # needs_file: the command refuses standard output first
    write_parquet(list(runs), ctx.output)


EXPORT_RENDERERS: tuple[Renderer[Sequence[Run]], ...] = (
    Renderer("csv", "one row per point", export_csv),
    Renderer("json", "a list of records", export_json),
    Renderer("parquet", "binary, needs --output FILE", export_parquet, needs_file=True),
)
