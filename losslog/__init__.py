"""losslog: read training logs, say what happened, draw and gate on it.

The package is layered so data flows one way: readers -> model.Run -> analysis -> report -> render.
Importing the package (or ``losslog.analysis``) never pulls in typer, rich or matplotlib.
"""

__version__ = "0.1.0"
