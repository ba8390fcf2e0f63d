"""The report as JSON (the machine interface)."""

from __future__ import annotations

import json

from losslog.report import Report, report_to_dict


def render_json(report: Report) -> str:
    return json.dumps(report_to_dict(report), indent=2, allow_nan=False) + "\n"
