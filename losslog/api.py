"""The library API: what the CLI does, as functions that return the CLI's own result objects.

sqlite-utils is the model: a complete library with a thin CLI on top. Each function here runs the
same code as its command (``read`` = discovery, ``report`` = ``losslog report``, ``compare`` =
``losslog compare``, ``check`` = ``losslog check``), so a result computed here is the result the
command prints. Nothing here reads a settings file, prints, or keeps state between calls: every
switch (``raise_unexpected`` included) is an argument.

Options are ``AnalysisOptions`` field names passed as keywords (``smooth=0.0, monitor="val_acc"``),
or a whole ``AnalysisOptions`` as ``options=``; a name that is not a field is a ``TypeError``.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from losslog.analysis import AnalysisOptions, RunAnalysis
from losslog.analysis import analyze as _analyze
from losslog.analysis.compare import Leaderboard, options_for, rank_runs
from losslog.errors import ExitCode, LossLogError, UsageError
from losslog.gate import GateResult, RuleResult, gate_exit_code, judge, load_baseline, parse_spec
from losslog.gate.baseline import baseline_from_analysis
from losslog.model import Run
from losslog.report import Report, build_report, report_to_dict
from losslog.sweep import SweepTable, build_sweep, parse_sweep_spec

if TYPE_CHECKING:
    import pandas as pd

    from losslog.gate import BaselineRow

PathLike = str | os.PathLike[str]
#: what ``report``, ``compare`` and ``check`` accept: paths (files or folders) or runs already read
Inputs = PathLike | Run | Sequence[PathLike | Run]

__all__ = ["CheckResult", "Runs", "analyze", "check", "compare", "leaderboard_frame", "read", "report", "sweep"]


class Runs(list[Run]):
    """The runs ``read`` found, in discovery order, with what went wrong on the way.

    ``errors``: one ``LossLogError`` per input that could not be read (the file is its
    ``source``); empty unless ``read(..., errors="collect")``. ``ignored``: files in the folders
    walked that no reader claimed. Passing a ``Runs`` to ``report`` or ``check`` carries its
    errors into the result, as the CLI does.
    """

    def __init__(self, runs: Sequence[Run] = (), errors: Sequence[LossLogError] = (), ignored: Sequence[Path] = ()):
        super().__init__(runs)
        self.errors: list[LossLogError] = list(errors)
        self.ignored: list[Path] = list(ignored)


def read(
    paths: PathLike | Sequence[PathLike],
    log_format: str | None = None,
    keep_all: bool = False,
    *,
    errors: Literal["raise", "collect"] = "raise",
    raise_unexpected: bool = False,
) -> Runs:
    """Read log files and folders into runs, named as the CLI names them.

    ``log_format`` forces a reader (``losslog formats`` lists them); ``keep_all`` keeps points a
    resumed log wrote again for the same steps. ``errors="raise"`` (default) raises the first
    input's error (an ``InputError``/``ParseError`` naming the file) after reading the others;
    ``errors="collect"`` returns every readable run with the errors in ``Runs.errors``.
    ``raise_unexpected`` lets a reader's own bug through with its traceback instead of turning it
    into a ``ParseError``.
    """
    if errors not in ("raise", "collect"):
        raise ValueError(f"errors must be 'raise' or 'collect', not {errors!r}")
    items = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    for item in items:
        if not isinstance(item, (str, os.PathLike)):
            raise TypeError(f"read() takes paths (str or Path), not {type(item).__name__}")
    from losslog.remote.inputs import discover_inputs  # URLs (s3://, gs:// ...) too; local paths: discover

    found = discover_inputs(items, fmt=log_format, keep_all=keep_all, raise_unexpected=raise_unexpected)
    if errors == "raise" and found.errors:
        raise found.errors[0]
    return Runs(found.runs, found.errors, found.ignored)


def analyze(run: Run, options: AnalysisOptions | None = None, **overrides: Any) -> RunAnalysis:
    """Diagnose one run: verdict, findings, best checkpoint, per-metric summaries.

    ``overrides`` are ``AnalysisOptions`` fields (``smooth``, ``monitor``, ``mode``, ``goals``,
    ``patience``, ``min_delta``, ``classes`` ...) applied over ``options`` (default: the CLI's
    defaults).
    """
    if not isinstance(run, Run):
        raise TypeError(f"analyze() takes a Run (from losslog.read), not {type(run).__name__}")
    return _analyze(run, make_options(options, overrides, "analyze"))


def report(
    inputs: Inputs,
    *,
    log_format: str | None = None,
    keep_all: bool = False,
    raise_unexpected: bool = False,
    options: AnalysisOptions | None = None,
    **overrides: Any,
) -> Report:
    """``losslog report``: every run analyzed, and every input that could not be read.

    Unreadable inputs do not raise: they are ``Report.errors``, as in the CLI's JSON.
    ``report(...).to_dict()`` is what ``losslog report --format json`` prints.
    """
    opts = make_options(options, overrides, "report")
    runs, errors = _gather(inputs, log_format, keep_all, raise_unexpected)
    return build_report(runs, errors, opts)


def compare(
    inputs: Inputs,
    *,
    log_format: str | None = None,
    keep_all: bool = False,
    raise_unexpected: bool = False,
    options: AnalysisOptions | None = None,
    **overrides: Any,
) -> Leaderboard:
    """``losslog compare``: runs ranked by the best value of the monitored metric.

    A run that never logged ``monitor`` is still listed, last and unranked. An input that cannot
    be read raises (read with ``errors="collect"`` first to rank the others anyway).
    ``leaderboard_frame(board)`` gives the result as a pandas DataFrame.
    """
    opts = make_options(options, overrides, "compare")
    runs, errors = _gather(inputs, log_format, keep_all, raise_unexpected)
    if errors and not isinstance(inputs, Runs):  # a Runs read with errors="collect": the caller chose
        raise errors[0]
    analyses = [_analyze(run, options_for(run, opts)) for run in runs]
    return rank_runs(analyses, opts.monitor, opts.mode)


def leaderboard_frame(board: Leaderboard) -> pd.DataFrame:
    """The leaderboard as a DataFrame, one row per run in ranked order (columns as ``compare -f csv``)."""
    import pandas as pd

    from losslog.analysis.compare import Standing

    columns = [f.name for f in dataclasses.fields(Standing)]
    return pd.DataFrame([s.to_dict() for s in board.standings], columns=columns)


def sweep(
    inputs: Inputs,
    *,
    group_by: str | Sequence[str] | None = None,
    where: str | Sequence[str] = (),
    sort: str | None = None,
    top: int | None = None,
    columns: str | Sequence[str] | None = None,
    all_hparams: bool = False,
    log_format: str | None = None,
    keep_all: bool = False,
    raise_unexpected: bool = False,
    options: AnalysisOptions | None = None,
    **overrides: Any,
) -> SweepTable:
    """``losslog compare`` as a sweep table: one row per run with its hyperparameters.

    ``.frame`` is a pandas DataFrame (``run``, ``verdict``, ``best``, ``last`` ... then one
    ``hp.<name>`` column per hyperparameter), ``.varying`` the ``hp.`` columns that differ between
    runs, ``.groups`` one row per group (mean ± std and n of the best and final monitored metric,
    verdicts counted). ``group_by``: hyperparameter names (default: runs differing only in a seed
    are grouped; ``"none"`` or ``()`` for no groups); ``where``: ``"lr<0.01"``-style filters, all
    required, parsed and never evaluated; ``sort``: ``"METRIC[:best|last]"`` or a hyperparameter;
    ``top``: keep the first N rows. Bad expressions raise ``UsageError``; an input that cannot be
    read raises, as in ``compare``.
    """
    from losslog.hparams import fold_hparams_sessions, hparams_for

    spec = parse_sweep_spec(group_by, where, sort, top, columns, all_hparams)
    opts = make_options(options, overrides, "sweep")
    runs, errors = _gather(inputs, log_format, keep_all, raise_unexpected)
    if errors and not isinstance(inputs, Runs):
        raise errors[0]
    runs = fold_hparams_sessions(runs)
    analyses = [_analyze(run, options_for(run, opts)) for run in runs]
    board = rank_runs(analyses, opts.monitor, opts.mode)
    listings: dict[str, frozenset[str]] = {}  # folder listings shared by the runs
    found = [hparams_for(run, listings) for run in runs]
    table = build_sweep(board, analyses, {a.name: h.values for a, h in zip(analyses, found)}, spec)
    table.warnings.extend(dict.fromkeys(w for h in found for w in h.warnings))
    return table


@dataclass(frozen=True)
class CheckResult:
    """``losslog check``'s decision: the report it judged, the gate's result, and the exit code."""

    report: Report
    gate: GateResult

    @property
    def exit_code(self) -> int:
        """0 every run passed; 1 a rule failed; 2 an input could not be read or none was found."""
        return gate_exit_code(self.report, self.gate)

    @property
    def passed(self) -> bool:
        """True only when the command would exit 0: every rule held and every input was read."""
        return self.exit_code == ExitCode.OK

    @property
    def rules(self) -> tuple[RuleResult, ...]:
        """One result per run and rule, passed or not, with its message and evidence."""
        return self.gate.rules

    @property
    def baseline(self) -> tuple[BaselineRow, ...]:
        return self.gate.baseline

    def failed_rules(self, run: str | None = None) -> list[RuleResult]:
        return self.gate.failed_rules(run)

    def to_dict(self) -> dict[str, Any]:
        """What ``losslog check --format json`` prints: the report's JSON plus a ``gate`` key."""
        return {**report_to_dict(self.report), "gate": self.gate.to_dict()}

    def to_text(self, verbose: bool = False) -> str:
        """What ``losslog check`` prints for a person."""
        from losslog.render.gate_text import render_gate_text

        return render_gate_text(self.report, self.gate, verbose)


def check(
    inputs: Inputs,
    *,
    fail_on: str | Sequence[str] | None = None,
    assertions: str | Sequence[str] = (),
    baseline: PathLike | Run | Sequence[Run] | None = None,
    max_regression: str | float | None = None,
    log_format: str | None = None,
    keep_all: bool = False,
    raise_unexpected: bool = False,
    options: AnalysisOptions | None = None,
    **overrides: Any,
) -> CheckResult:
    """``losslog check``: the CI gate (the CLI's rules and defaults; no settings file is read).

    ``fail_on``: finding codes or a severity, as ``--fail-on`` (default ``"error"``, ``"none"`` for
    no findings rule). ``assertions``: ``"METRIC[:STAT] OP NUMBER"`` strings, parsed and never
    evaluated as code. ``baseline``: a log, folder or saved JSON report, or runs already read;
    ``max_regression``: percent the best monitored metric may be worse than the baseline's.
    Bad rules raise ``UsageError``; unreadable inputs give ``exit_code`` 2, not an exception.
    """
    opts = make_options(options, overrides, "check")
    if max_regression is not None and baseline is None:
        raise UsageError("max_regression needs a baseline")
    spec = parse_spec(
        [fail_on] if isinstance(fail_on, str) else fail_on,
        [assertions] if isinstance(assertions, str) else assertions,
        max_regression,
    )
    runs, errors = _gather(inputs, log_format, keep_all, raise_unexpected)
    rep = build_report(runs, errors, opts)
    if isinstance(baseline, (str, os.PathLike)):
        base = load_baseline(Path(baseline), log_format, keep_all, opts, raise_unexpected)
        spec = spec.with_baseline(base, str(baseline))
    elif baseline is not None:
        base_runs = [baseline] if isinstance(baseline, Run) else list(baseline)
        if not base_runs or not all(isinstance(r, Run) for r in base_runs):
            raise TypeError("baseline must be a path or runs from losslog.read")
        base = [baseline_from_analysis(_analyze(r, opts)) for r in base_runs]
        spec = spec.with_baseline(base, ", ".join(r.source for r in base_runs))
    return CheckResult(rep, judge(rep, runs, spec))


# --------------------------------------------------------------------------------------------
# Shared


_FIELDS = {f.name for f in dataclasses.fields(AnalysisOptions)}


def make_options(base: AnalysisOptions | None, overrides: Mapping[str, Any], caller: str) -> AnalysisOptions:
    """``base`` (default ``AnalysisOptions()``) with ``overrides``; an unknown name is a TypeError."""
    unknown = sorted(set(overrides) - _FIELDS)
    if unknown:
        raise TypeError(
            f"{caller}() got an unknown option {unknown[0]!r}; options are AnalysisOptions fields: "
            + ", ".join(sorted(_FIELDS))
        )
    if base is not None and not isinstance(base, AnalysisOptions):
        raise TypeError(f"{caller}() options must be an AnalysisOptions, not {type(base).__name__}")
    values = dict(overrides)
    if values.get("mode") is not None:
        values["mode"] = _goal("mode", values["mode"])
    if "goals" in values:
        goals = values["goals"] or {}
        if not isinstance(goals, Mapping):
            raise UsageError("goals: expected a mapping of metric name to 'min' or 'max'")
        values["goals"] = {str(k): _goal(f"goals[{k!r}]", v) for k, v in goals.items()}
    return dataclasses.replace(base or AnalysisOptions(), **values)


def _goal(what: str, value: Any) -> Any:
    goal = str(value).strip().lower()
    if goal not in ("min", "max"):
        raise UsageError(f"{what} {value!r}: expected 'min' or 'max'")
    return goal


def _gather(
    inputs: Inputs, log_format: str | None, keep_all: bool, raise_unexpected: bool
) -> tuple[list[Run], list[LossLogError]]:
    """Runs given, or read from paths (errors collected, as the CLI does)."""
    if isinstance(inputs, Run):
        return [inputs], []
    if isinstance(inputs, Runs):  # from read(): its errors belong to the result, as in the CLI
        return list(inputs), list(inputs.errors)
    items = [inputs] if isinstance(inputs, (str, os.PathLike)) else list(inputs)
    if items and all(isinstance(i, Run) for i in items):
        return [i for i in items if isinstance(i, Run)], []
    if any(isinstance(i, Run) for i in items):
        raise TypeError("pass either paths or runs, not both")
    found = read(
        [i for i in items if not isinstance(i, Run)],
        log_format,
        keep_all,
        errors="collect",
        raise_unexpected=raise_unexpected,
    )
    return list(found), found.errors
