"""Reading text logs safely: encoding, binary garbage, line ends, files still being written.

Every text reader goes through here so that every one of them gives the same clear error for a
binary file or an undecodable one, instead of a traceback from deep inside a parser.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from losslog.errors import InputError, ParseError

_TEXTCHARS = bytes({7, 8, 9, 10, 12, 13, 27} | set(range(0x20, 0x100)) - {0x7F})


def looks_binary(head: bytes) -> bool:
    """True for data no text log is made of (NUL bytes, mostly control characters)."""
    if not head:
        return False
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    if b"\x00" in head:
        return True
    sample = head[:4096]
    nontext = sample.translate(None, _TEXTCHARS)
    return len(nontext) / len(sample) > 0.10


@dataclass
class TextFile:
    text: str
    warnings: list[str] = field(default_factory=list)


def read_text(path: Path) -> TextFile:
    """Decode a text log: UTF-8 (with or without BOM), UTF-16 with BOM, else Latin-1 with a warning."""
    data = path.read_bytes()
    if not data:
        raise InputError("empty file", path)
    if looks_binary(data[:65536]):
        raise InputError("binary data, not a text log", path)
    warnings: list[str] = []
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            warnings.append(f"{path}: not valid UTF-8 (byte {exc.start}); read as Latin-1, names may look wrong")
            text = data.decode("latin-1")
    if not text.strip():
        raise InputError("empty file (only white space)", path)
    return TextFile(text, warnings)


def detect_separator(header_line: str) -> str:
    """The delimiter of a delimited text header: tab, semicolon, pipe or comma."""
    counts = {sep: header_line.count(sep) for sep in ("\t", ";", "|", ",")}
    best = max(counts, key=lambda s: counts[s])
    return best if counts[best] > 0 else ","


#: A file modified this recently, whose last line has no line end, is taken as being written.
LIVE_FILE_SECONDS = 2.0


def _changed_within(path: Path, seconds: float) -> bool:
    import time

    try:
        return time.time() - path.stat().st_mtime < seconds
    except OSError:
        return False


@dataclass
class Table:
    """A delimited file as strings: the header and the data rows, every row as long as the header."""

    header: list[str]
    rows: list[list[str]]
    #: 1-based line number of each row in the file, for error messages
    line_numbers: list[int]
    warnings: list[str] = field(default_factory=list)
    #: how many extra header lines were found (appended logs repeat the header)
    repeated_headers: int = 0
    separator: str = ","


def read_table(path: Path, sep: str | None = None, text: TextFile | None = None) -> Table:
    """Parse a delimited text log into a Table.

    Appended logs repeat the header: such lines are skipped. A file still being written may end
    in a cut-off line: a last line without a newline that is shorter than the header is dropped.
    Rows shorter than the header (Ultralytics skipping validation) are padded with empty cells.
    """
    tf = text or read_text(path)
    raw = tf.text.replace("\r\n", "\n").replace("\r", "\n")
    lines = raw.split("\n")
    ends_with_newline = raw.endswith("\n")
    if ends_with_newline:
        lines = lines[:-1]
    # leading blank lines are not a header
    first = 0
    while first < len(lines) and not lines[first].strip():
        first += 1
    if first == len(lines):
        raise InputError("empty file (only white space)", path)
    header_line = lines[first]
    separator = sep or detect_separator(header_line)
    reader = csv.reader(io.StringIO("\n".join(lines[first:])), delimiter=separator, skipinitialspace=False)
    parsed = list(reader)
    header = [h.strip() for h in parsed[0]]
    if len(header) < 2 and separator == ",":
        raise ParseError("no delimiter found in the header line; is this a table?", path, line=first + 1)
    norm_header = [h.lower() for h in header]
    rows: list[list[str]] = []
    line_numbers: list[int] = []
    warnings = list(tf.warnings)
    repeated = 0
    n = len(header)
    for i, row in enumerate(parsed[1:], start=first + 2):
        if not row or all(not c.strip() for c in row):
            continue
        if [c.strip().lower() for c in row] == norm_header:
            repeated += 1
            continue
        rows.append(row)
        line_numbers.append(i)
    if rows and not ends_with_newline:
        # A file still being written ends in a line without its line end. Shorter than the header,
        # it is surely cut off; as long as the header, it may still be cut inside its last number,
        # which only a very recent change of the file tells apart from a finished file.
        if len(rows[-1]) < n:
            rows.pop()
            line_numbers.pop()
        elif _changed_within(path, LIVE_FILE_SECONDS):
            warnings.append(
                f"{path}: line {line_numbers[-1]} has no line end and the file is still changing; "
                "left out as possibly incomplete"
            )
            rows.pop()
            line_numbers.pop()
    fixed: list[list[str]] = []
    for row, line in zip(rows, line_numbers):
        if len(row) < n:
            row = row + [""] * (n - len(row))
        elif len(row) > n:
            extra = [c for c in row[n:] if c.strip()]
            if extra:
                warnings.append(f"{path}: line {line}: {len(row)} cells for {n} columns; extra cells ignored")
            row = row[:n]
        fixed.append(row)
    return Table(header, fixed, line_numbers, warnings, repeated, separator)
