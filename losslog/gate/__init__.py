"""The CI gate, a layer after the report: rules parsed from the command line, a baseline read
from a saved report or logs, and every run judged against them.

- ``spec``: ``--fail-on``, ``--assert`` (parsed, never evaluated as code) and ``--max-regression``
  turned into a ``GateSpec``;
- ``baseline``: a baseline from a saved JSON report or from logs, as ``BaselineRun`` objects;
- ``evaluate``: the judgment (``GateResult``, one ``RuleResult`` per run and rule, the baseline
  table) and the exit code that (report, gate result) give.

Everything here is pure (no printing): ``losslog check``, the library API (``losslog.check``) and
the renderers see the same decisions. The gate may import readers, analysis and report; it never
imports render or cli (``tests/test_layering.py``).
"""

from losslog.gate.baseline import BaselineRun, load_baseline
from losslog.gate.evaluate import BaselineRow, GateResult, RuleResult, evaluate, gate_exit_code, judge, metric_extremes
from losslog.gate.spec import (
    Assertion,
    FailOn,
    GateSpec,
    parse_assertion,
    parse_fail_on,
    parse_max_regression,
    parse_spec,
)

__all__ = [
    "Assertion",
    "BaselineRow",
    "BaselineRun",
    "FailOn",
    "GateResult",
    "GateSpec",
    "RuleResult",
    "evaluate",
    "gate_exit_code",
    "judge",
    "load_baseline",
    "metric_extremes",
    "parse_assertion",
    "parse_fail_on",
    "parse_max_regression",
    "parse_spec",
]
