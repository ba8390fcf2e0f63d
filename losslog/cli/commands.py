"""Importing this module registers every command on the app (one import per command module)."""

from losslog.cli import report_cmd  # noqa: F401
from losslog.cli import check_cmd  # noqa: F401
from losslog.cli import plot_cmd  # noqa: F401
from losslog.cli import compare_cmd  # noqa: F401
from losslog.cli.app import app

__all__ = ["app"]
