"""``losslog check``: the CI gate. Exit 0 when every run passes, 1 when a rule failed, 2 on bad input.

The command only translates: options and the config file in, ``losslog.gate`` decides,
a renderer formats, the exit code goes out. Options given on the command line override the
config file (``[tool.losslog]`` in pyproject.toml or losslog.toml) key by key.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer

from losslog.cli.app import app, handle_errors
from losslog.cli.common import analysis_options, split_format, write_output
from losslog.cli.loading import load_runs
from losslog.config import Config, load_config
from losslog.errors import UsageError
from losslog.gate import gate_exit_code, judge, load_baseline, parse_spec
from losslog.readers import discover
from losslog.render.gate_text import plain, render_gate_text
from losslog.report import build_report

CHECK_FORMATS = ("text", "json", "github", "markdown")

def _pick(cli: Any, cfg: Any, default: Any = None) -> Any:
    """The command line wins over the config file, which wins over the default."""
    if cli is not None:
        return cli
    if cfg is not None:
        return cfg
    return default


@app.command()
@handle_errors
def check(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="PATH",
            help="Log files or folders (default: `paths` from the config file).",
            show_default=False,
        ),
    ] = None,
    fail_on: Annotated[
        list[str] | None,
        typer.Option(
            "--fail-on",
            metavar="CODES",
            help="Finding codes (overfitting,divergence,...) or a severity (info, warning, error) that fail "
            "a run; 'none' for no findings rule. Default: error.",
        ),
    ] = None,
    assertions: Annotated[
        list[str] | None,
        typer.Option(
            "--assert",
            metavar="EXPR",
            help="METRIC[:best|last|first|min|max] OP NUMBER, OP one of < <= > >= == "
            "(e.g. 'val_loss<0.1', 'val_accuracy:last>=0.9'; best by default). Repeatable; quote it in a shell.",
        ),
    ] = None,
    baseline: Annotated[
        Path | None,
        typer.Option(
            "--baseline",
            metavar="PATH",
            help="A baseline log, folder, or JSON report saved by `losslog report -f json`.",
        ),
    ] = None,
    max_regression: Annotated[
        str | None,
        typer.Option(
            "--max-regression",
            metavar="PCT",
            help="How much worse (relative, in %) the best monitored metric may be than the baseline's. Default 0.",
        ),
    ] = None,
    format: Annotated[
        str | None,
        typer.Option(
            "--format", "-f", metavar="FORMAT", help="text (default), json, github (annotations) or markdown."
        ),
    ] = None,
    junit: Annotated[
        Path | None,
        typer.Option("--junit", metavar="FILE", help="Also write JUnit XML here: one test case per run and rule."),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", metavar="FILE", help="Settings file (default: losslog.toml or pyproject.toml [tool.losslog])."
        ),
    ] = None,
    no_config: Annotated[bool, typer.Option("--no-config", help="Ignore any settings file.")] = False,
    log_format: Annotated[
        str | None,
        typer.Option("--log-format", "-F", metavar="NAME", help="Force the input format instead of detecting it."),
    ] = None,
    keep_all: Annotated[
        bool | None,
        typer.Option("--keep-all/--no-keep-all", help="Keep points a resumed log wrote again for the same steps."),
    ] = None,
    smooth: Annotated[
        float | None,
        typer.Option("--smooth", min=0.0, max=0.999, help="TensorBoard smoothing weight used to judge curves [0.6]."),
    ] = None,
    monitor: Annotated[
        str | None,
        typer.Option(
            "--monitor", metavar="METRIC", help="Metric that picks the best checkpoint (default: validation loss)."
        ),
    ] = None,
    mode: Annotated[
        str | None,
        typer.Option("--mode", metavar="min|max", help="min or max: the goal of --monitor if its name does not tell."),
    ] = None,
    goal: Annotated[
        list[str] | None,
        typer.Option("--goal", metavar="NAME=GOAL", help="NAME=min|max: whether a metric is minimized or maximized."),
    ] = None,
    patience: Annotated[
        int | None, typer.Option("--patience", min=0, help="Evaluations after the best before overfitting counts [3].")
    ] = None,
    min_delta: Annotated[
        float | None, typer.Option("--min-delta", min=0.0, help="Relative improvement that does not count [0].")
    ] = None,
    classes: Annotated[
        int | None, typer.Option("--classes", min=2, help="Number of classes, for chance-level checks.")
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="List skipped files and every rule, passed or not.")
    ] = False,
) -> None:
    """Gate CI on training runs: fail on overfitting/divergence, on assertions, or on a worse baseline.

    Exit codes: 0 every run passed; 1 a rule failed; 2 usage error or unreadable input.
    """
    cfg = Config() if no_config else load_config(config)
    out_format, forced = split_format(_pick(format, cfg.format), CHECK_FORMATS, "text")
    run_paths = list(paths) if paths else list(cfg.paths)
    if not run_paths:
        where = f" (and {cfg.source} sets no paths)" if cfg.source else ""
        raise UsageError(f"no PATH given{where}: name the logs to check, e.g. losslog check logs/")
    baseline_path = _pick(baseline, cfg.baseline)
    if max_regression is not None and baseline_path is None:
        raise UsageError("--max-regression needs --baseline")
    spec = parse_spec(
        _pick(fail_on, list(cfg.fail_on) if cfg.fail_on is not None else None),
        _pick(assertions, cfg.assertions, ()),
        _pick(max_regression, cfg.max_regression),
    )
    options = analysis_options(
        smooth=_pick(smooth, cfg.smooth, 0.6),
        monitor=_pick(monitor, cfg.monitor),
        mode=_pick(mode, cfg.mode),
        goal=_pick(goal, list(cfg.goal) if cfg.goal is not None else None),
        patience=_pick(patience, cfg.patience, 3),
        min_delta=_pick(min_delta, cfg.min_delta, 0.0),
        classes=_pick(classes, cfg.classes),
    )
    fmt_in = _pick(log_format, cfg.log_format) or forced
    keep = bool(_pick(keep_all, cfg.keep_all, False))
    junit_path = _pick(junit, cfg.junit)

    found = load_runs(run_paths, fmt_in, keep, verbose)
    report = build_report(found.runs, found.errors, options)
    if baseline_path is not None:
        baselines = load_baseline(baseline_path, fmt_in, keep, options, discover.RAISE_UNEXPECTED)
        spec = spec.with_baseline(baselines, str(baseline_path))
    gate = judge(report, found.runs, spec)

    if junit_path is not None:
        from losslog.render.junit import render_junit

        write_output(render_junit(report, gate), junit_path)
    if out_format == "json":
        import json

        from losslog.report import report_to_dict

        data = report_to_dict(report)
        data["gate"] = gate.to_dict()
        write_output(json.dumps(data, indent=2, allow_nan=False) + "\n", None)
    elif out_format == "markdown":
        from losslog.render.github import render_gate_markdown

        write_output(render_gate_markdown(report, gate), None)
    elif out_format == "github":
        from losslog.render.github import render_annotations, render_gate_markdown

        workspace = Path(os.environ.get("GITHUB_WORKSPACE") or Path.cwd()).resolve()
        annotations = render_annotations(report, gate, workspace)
        write_output(render_gate_text(report, gate, verbose) + annotations, None)
        _append_step_summary(render_gate_markdown(report, gate))
    else:
        write_output(render_gate_text(report, gate, verbose), None)
    for e in report.errors:
        typer.echo(f"losslog: error: {plain(e.source)}: {plain(e.message)}", err=True)
    if not report.runs and not report.errors:
        typer.echo("losslog: error: no runs found", err=True)
    raise typer.Exit(gate_exit_code(report, gate))


def _append_step_summary(markdown: str) -> None:
    """Append to ``$GITHUB_STEP_SUMMARY`` when set (GitHub Actions shows it on the run's page)."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    try:
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(markdown + "\n")
    except OSError as exc:
        typer.echo(f"losslog: warning: cannot write the step summary to {target}: {exc.strerror or exc}", err=True)
