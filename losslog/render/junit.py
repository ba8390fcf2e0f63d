"""The gate's result as JUnit XML, the test-report format GitLab, Jenkins and most CI servers read.

One ``<testsuite>`` for the command, one ``<testcase>`` per run and rule (``classname`` = the run,
``name`` = the rule), a ``<failure>`` for each failed rule and an ``<error>`` test case for each
input that could not be read. ElementTree escapes markup; characters XML 1.0 forbids outright
(most control characters, which a file name or a tag could hold) are replaced, since an XML
parser would otherwise reject the whole report. Names and messages from logs also pass through
``safe_text``, so a CI server that prints the report shows escapes, not control sequences.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from losslog.gate import GateResult
from losslog.report import Report
from losslog.sanitize import safe_text

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _x(text: object) -> str:
    return _XML_INVALID.sub("\ufffd", str(text))


def _n(text: object) -> str:
    """A name or message from a log: one visible line, valid XML."""
    return _x(safe_text(text))


def _run(name: str) -> str:
    """A run name: characters XML forbids become U+FFFD (as before), the other controls escapes."""
    return safe_text(_x(name))


def render_junit(report: Report, gate: GateResult, suite_name: str = "losslog check") -> str:
    """The XML document, as text with an XML declaration."""
    cases: list[ET.Element] = []
    failures = errors = 0
    for r in gate.rules:
        case = ET.Element("testcase", {"classname": _run(r.run), "name": _n(r.rule), "file": _n(r.source), "time": "0"})
        if not r.passed:
            failures += 1
            failure = ET.SubElement(case, "failure", {"message": _n(r.message), "type": _n(r.kind)})
            failure.text = f"{_run(r.run)} ({_n(r.source)})\n{_n(r.rule)}: {_n(r.message)}"
        else:
            out = ET.SubElement(case, "system-out")
            out.text = _n(r.message)
        cases.append(case)
    for e in report.errors:
        errors += 1
        source = _n(e.source)
        case = ET.Element("testcase", {"classname": source, "name": "read input", "file": source, "time": "0"})
        err = ET.SubElement(case, "error", {"message": _n(e.message), "type": "input"})
        err.text = f"{source}: {_n(e.message)}"
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
