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
from typer.core import TyperCommand

from losslog.analysis import AnalysisOptions
from losslog.cli.app import app, app_context, handle_errors
from losslog.cli.common import (
    KeepAllOpt,
    LogFormatOpt,
    emit,
    finish,
    format_option,
    split_format,
    with_analysis_options,
    with_remote_options,
    with_scheduler_option,
    write_output,
)
from losslog.cli.loading import JobsOpt, NoCacheOpt, analyze_inputs, load_baseline_input
from losslog.config import Config, load_config
from losslog.errors import LossLogError, UsageError
from losslog.gate import parse_spec
from losslog.gate.evaluate import evaluate
from losslog.output import print_error, print_warning
from losslog.render.base import RenderContext
from losslog.render.check_formats import GateOutcome, check_renderers, gate_markdown
from losslog.render.gate_text import render_gate_text


class ConfiguredCommand(TyperCommand):
    """A command whose option defaults come from the settings file (click's ``default_map``).

    ``--config FILE`` / ``--no-config`` are looked for before parsing, the file is read, and its
    keys become the defaults of the parameters of the same name: the command line overrides the
    file option by option, and click checks both the same way. A bad file is one line, exit 2.
    """

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if not _HELP_FLAGS & set(args):
            try:
                cfg = _config_for(args)
            except LossLogError as exc:
                print_error(exc)
                raise typer.Exit(int(exc.exit_code)) from None
            ctx.default_map = {**cfg.default_map(), **(ctx.default_map or {})}
            ctx.meta[CONFIG_META] = cfg
        return super().parse_args(ctx, args)


_HELP_FLAGS = frozenset({"--help", "-h"})
CONFIG_META = "losslog.config"


def _config_for(args: list[str]) -> Config:
    """The settings file the arguments name (``--config FILE``), none (``--no-config``), or the one found."""
    path: Path | None = None
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--no-config":
            return Config()
        if arg == "--config" and i + 1 < len(args):
            path = Path(args[i + 1])
        elif arg.startswith("--config="):
            path = Path(arg.partition("=")[2])
    return load_config(path)


def _append_step_summary(markdown: str) -> None:
    """Append to ``$GITHUB_STEP_SUMMARY`` when set (GitHub Actions shows it on the run's page)."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    try:
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(markdown + "\n")
    except OSError as exc:
        print_warning(f"cannot write the step summary to {target}: {exc.strerror or exc}")


def _gate_text(outcome: GateOutcome, ctx: RenderContext) -> str:
    """The gate's text for a person, in the renderer table's signature."""
    return render_gate_text(outcome.report, outcome.gate, ctx.verbose)


CHECK_RENDERERS = check_renderers(_gate_text)


@app.command(cls=ConfiguredCommand)
@handle_errors
@with_scheduler_option
@with_remote_options
@with_analysis_options()
def check(
    ctx: typer.Context,
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="PATH",
            help="Log files or folders, or their URLs (s3://, gs:// ...) (default: `paths` from the config file).",
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
        str | None,
        typer.Option(
            "--baseline",
            metavar="PATH",
            help="A baseline log, folder, or JSON report saved by `losslog report -f json` (a path or a URL).",
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
    format: Annotated[str | None, format_option(CHECK_RENDERERS)] = None,
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
    log_format: LogFormatOpt = None,
    keep_all: KeepAllOpt = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="List skipped files and every rule, passed or not.")
    ] = False,
    jobs: JobsOpt = None,
    no_cache: NoCacheOpt = False,
    *,
    options: AnalysisOptions,
) -> None:
    """Gate CI on training runs: fail on overfitting/divergence, on assertions, or on a worse baseline.

    Options left out are taken from the settings file ([tool.losslog] in pyproject.toml, or
    losslog.toml), key by key. Exit codes: 0 every run passed; 1 a rule failed; 2 usage error or
    unreadable input.
    """
    cfg: Config = ctx.meta.get(CONFIG_META) or Config()
    renderer, forced = split_format(format, CHECK_RENDERERS)
    run_paths = list(paths or ())
    if not run_paths:
        where = f" (and {cfg.source} sets no paths)" if cfg.source else ""
        raise UsageError(f"no PATH given{where}: name the logs to check, e.g. losslog check logs/")
    given_here = getattr(ctx.get_parameter_source("max_regression"), "name", "") == "COMMANDLINE"
    if baseline is None and given_here:  # a file may set it for the runs that name a baseline
        raise UsageError("--max-regression needs --baseline")
    spec = parse_spec(fail_on, assertions or (), max_regression)
    fmt_in = log_format or forced

    batch = analyze_inputs(run_paths, fmt_in, keep_all, verbose, options, jobs=jobs, no_cache=no_cache, extremes=True)
    report = batch.report
    if baseline is not None:
        baselines = load_baseline_input(baseline, fmt_in, keep_all, options, app_context().traceback)
        spec = spec.with_baseline(baselines, str(baseline))
    gate = evaluate(report.runs, spec, {e.name: e.extremes or {} for e in batch.entries})
    outcome = GateOutcome(report, gate)

    if junit is not None:
        from losslog.render.junit import render_junit

        write_output(render_junit(report, gate), junit)
    workspace = Path(os.environ.get("GITHUB_WORKSPACE") or Path.cwd()).resolve() if renderer.name == "github" else None
    emit(renderer, outcome, RenderContext(verbose=verbose, workspace=workspace))
    if renderer.name == "github":
        _append_step_summary(gate_markdown(outcome, RenderContext()))
    if not report.runs and not report.errors:
        print_error("no runs found")
    finish(report.errors, bool(report.runs), gate.passed)
