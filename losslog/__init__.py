"""losslog: read training logs, say what happened, draw and gate on it.

The package is layered so data flows one way: readers -> model.Run -> analysis -> report -> gate
-> render, with the CLI on top. The library API (``losslog.api``) is re-exported here::

    import losslog
    runs = losslog.read("logs/")
    print(losslog.analyze(runs[0]).verdict)

Importing the package stays cheap: the API and its result types are loaded on first use (PEP 562
module ``__getattr__``), so ``import losslog`` never pulls in numpy, pandas, typer, rich or
matplotlib.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: public name -> the module that defines it
_EXPORTS: dict[str, str] = {
    "read": "losslog.api",
    "analyze": "losslog.api",
    "report": "losslog.api",
    "compare": "losslog.api",
    "check": "losslog.api",
    "leaderboard_frame": "losslog.api",
    "sweep": "losslog.api",
    "SweepTable": "losslog.sweep",
    "Runs": "losslog.api",
    "CheckResult": "losslog.api",
    "Run": "losslog.model",
    "RunAnalysis": "losslog.analysis",
    "Finding": "losslog.analysis",
    "AnalysisOptions": "losslog.analysis",
    "Report": "losslog.report",
    "Leaderboard": "losslog.analysis.compare",
    "GateResult": "losslog.gate",
    "RuleResult": "losslog.gate",
    "LossLogError": "losslog.errors",
    "InputError": "losslog.errors",
    "ParseError": "losslog.errors",
    "UsageError": "losslog.errors",
    "ExitCode": "losslog.errors",
}

__all__ = [
    "AnalysisOptions",
    "CheckResult",
    "ExitCode",
    "Finding",
    "GateResult",
    "InputError",
    "Leaderboard",
    "LossLogError",
    "ParseError",
    "Report",
    "RuleResult",
    "Run",
    "RunAnalysis",
    "Runs",
    "SweepTable",
    "UsageError",
    "__version__",
    "analyze",
    "check",
    "compare",
    "leaderboard_frame",
    "read",
    "report",
    "sweep",
]

if TYPE_CHECKING:
    from losslog.analysis import AnalysisOptions, Finding, RunAnalysis
    from losslog.analysis.compare import Leaderboard
    from losslog.api import CheckResult, Runs, analyze, check, compare, leaderboard_frame, read, report, sweep
    from losslog.errors import ExitCode, InputError, LossLogError, ParseError, UsageError
    from losslog.gate import GateResult, RuleResult
    from losslog.model import Run
    from losslog.report import Report
    from losslog.sweep import SweepTable


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'losslog' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


class _Package(types.ModuleType):
    """``losslog.report`` is both the API function and a submodule (``losslog/report.py``).

    Python binds a submodule on its package the first time it is imported, which would replace
    the function with the module. The function wins: ``from losslog.report import Report`` still
    finds the module through ``sys.modules``; only the attribute ``losslog.report`` is the API.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and _EXPORTS.get(name) == "losslog.api":
            self.__dict__.pop(name, None)  # fall back to __getattr__: the API function
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
