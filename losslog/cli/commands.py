"""Importing this module registers every command on the app (one import per command module)."""

from losslog.cli import (
    cache_cmd,  # noqa: F401
    check_cmd,  # noqa: F401
    compare_cmd,  # noqa: F401
    plot_cmd,  # noqa: F401
    report_cmd,  # noqa: F401
    watch_cmd,  # noqa: F401
)
from losslog.cli.app import app

__all__ = ["app"]
