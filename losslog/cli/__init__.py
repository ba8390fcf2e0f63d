"""The ``losslog`` command line. ``losslog.cli.app`` holds the typer app with every command."""

from losslog.cli.app import main
from losslog.cli.commands import app

__all__ = ["app", "main"]
