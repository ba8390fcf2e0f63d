"""Analysis: pure functions from runs to frozen, JSON-serializable conclusions.

Importing this package must not import typer, rich or matplotlib (checked by a test).
"""

from losslog.analysis.findings import CODES, Finding
from losslog.analysis.options import AnalysisOptions
from losslog.analysis.run_analysis import Checkpoint, Gap, RunAnalysis, analyze

__all__ = ["CODES", "AnalysisOptions", "Checkpoint", "Finding", "Gap", "RunAnalysis", "analyze"]
