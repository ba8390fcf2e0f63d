"""``losslog watch`` as a library: incremental reading of growing logs and live judgment.

``Watcher`` reads only the bytes appended since its last poll (event-file records, CSV rows,
JSON lines), rebuilds each run with the batch readers' rules, judges it with
``losslog.analysis.analyze`` and reports what changed as ``WatchEvent`` records. The CLI
(``losslog.cli.watch_cmd``) is a thin loop over it; docs/watch.md explains the design.
"""

from losslog.watch.events import WatchEvent
from losslog.watch.rules import ExitRule, parse_duration
from losslog.watch.watcher import WatchConfig, Watcher

__all__ = ["ExitRule", "WatchConfig", "WatchEvent", "Watcher", "parse_duration"]
