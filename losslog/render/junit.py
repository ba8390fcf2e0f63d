"""The gate's result as JUnit XML, the test-report format GitLab, Jenkins and most CI servers read.

One ``<testsuite>`` for the command, one ``<testcase>`` per run and rule (``classname`` = the run,
``name`` = the rule), a ``<failure>`` for each failed rule and an ``<error>`` test case for each
input that could not be read. ElementTree escapes markup; characters XML 1.0 forbids outright
(most control characters, which a file name or a tag could hold) are replaced, since an XML
parser would otherwise reject the whole report.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from losslog.gate import GateResult
from losslog.report import Report

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _x(text: object) -> str:
    return _XML_INVALID.sub("\ufffd", str(text))


def render_junit(report: Report, gate: GateResult, suite_name: str = "losslog check") -> str:
    """The XML document, as text with an XML declaration."""
    cases: list[ET.Element] = []
    failures = errors = 0
    for r in gate.rules:
        case = ET.Element("testcase", {"classname": _x(r.run), "name": _x(r.rule), "file": _x(r.source), "time": "0"})
        if not r.passed:
            failures += 1
            failure = ET.SubElement(case, "failure", {"message": _x(r.message), "type": _x(r.kind)})
            failure.text = _x(f"{r.run} ({r.source})\n{r.rule}: {r.message}")
        else:
            out = ET.SubElement(case, "system-out")
            out.text = _x(r.message)
        cases.append(case)
    for e in report.errors:
        errors += 1
        source = _x(e.source)
        case = ET.Element("testcase", {"classname": source, "name": "read input", "file": source, "time": "0"})
        err = ET.SubElement(case, "error", {"message": _x(e.message), "type": "input"})
        err.text = _x(f"{e.source}: {e.message}")
        cases.append(case)
    attrs = {
        "name": suite_name,
        "tests": str(len(cases)),
        "failures": str(failures),
        "errors": str(errors),
        "time": "0",
    }
    root = ET.Element("testsuites", attrs)
    suite = ET.SubElement(root, "testsuite", {**attrs, "skipped": "0"})
    suite.extend(cases)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
