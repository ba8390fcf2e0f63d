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

import numpy as np

from losslog.errors import InputError, ParseError
from losslog.readers.cells import CountedWarning, DropCounter, parse_numbers

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
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:  # cut inside a character, or bytes that are no UTF-16
            warnings.append(f"{path}: not valid UTF-16 (byte {exc.start}); unreadable characters replaced")
            text = data.decode("utf-16", errors="replace")
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


#: The longest line a table may have (characters): a longer one is refused with a one-line error
#: before it is split into cells, so that one hostile line cannot take gigabytes.
MAX_LINE_CHARS = 64 * 1024 * 1024
#: The most cells a table row may have: 1,000,000 (a wide log has thousands).
MAX_ROW_CELLS = 1_000_000


def check_line_limits(lines: list[str], separator: str, path: Path, first_line: int = 1) -> None:
    """Refuse a line beyond ``MAX_LINE_CHARS`` or a row beyond ``MAX_ROW_CELLS`` before parsing it:
    the csv module would make a Python string of every cell first (50 bytes each)."""
    if not lines or max(map(len, lines)) <= MAX_ROW_CELLS:
        return  # a line shorter than the cell limit cannot hold more cells than that
    for i, line in enumerate(lines, start=first_line):
        if len(line) > MAX_LINE_CHARS:
            raise ParseError(
                f"a line of {len(line):,} characters; the limit is {MAX_LINE_CHARS:,} (docs/security.md)", path, line=i
            )
        if len(line) > MAX_ROW_CELLS and line.count(separator) >= MAX_ROW_CELLS:
            raise ParseError(
                f"more than {MAX_ROW_CELLS:,} cells in one row; the limit is {MAX_ROW_CELLS:,} (docs/security.md)",
                path,
                line=i,
            )


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
    #: the file, for warnings
    source: str = ""
    #: cells that were text but no number, counted as the columns are parsed (``numbers``)
    drops: DropCounter | None = None
    _drop_note: CountedWarning | None = field(default=None, repr=False)

    def numbers(self, column: str | int) -> tuple[np.ndarray, np.ndarray]:
        """A column parsed as numbers: (values, present). Cells that are no number are counted,
        and the run's warnings carry one line that says how many and where the first one was."""
        index = column if isinstance(column, int) else self.header.index(column)
        values, present = self.number_block([index])
        return values[:, 0], present[:, 0]

    def number_block(self, indices: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """Several columns parsed at once: (values, present) as (rows, columns) arrays, counted
        like ``numbers``. One pass over the cells, whatever the number of columns."""
        if not indices or not self.rows:
            shape = (len(self.rows), len(indices))
            return np.full(shape, np.nan), np.zeros(shape, dtype=bool)
        if indices == list(range(indices[0], indices[-1] + 1)):
            lo, hi = indices[0], indices[-1] + 1
            cells = [c for row in self.rows for c in row[lo:hi]]
        else:
            cells = [row[i] for row in self.rows for i in indices]
        values, present, bad = parse_numbers(cells)
        width = len(indices)
        if bad:
            first = bad[0]
            self._count_drops(len(bad), self.line_numbers[first // width], indices[first % width], cells[first])
        return values.reshape(-1, width), present.reshape(-1, width)

    def _count_drops(self, count: int, line: int, index: int, cell: str) -> None:
        if self.drops is None:
            self.drops = DropCounter(self.source)
        old = self._drop_note
        self.warnings[:] = [w for w in self.warnings if w is not old]
        self.drops.add(count, line, self.header[index], cell)
        self._drop_note = self.drops.warning()
        if self._drop_note is not None:
            self.warnings.append(self._drop_note)


def read_table(path: Path, sep: str | None = None, text: TextFile | None = None) -> Table:
    """Parse a delimited text log into a Table.

    Appended logs repeat the header: such lines are skipped. A file still being written may end
    in a cut-off line: a last line without a line end that has fewer cells than the header is
    dropped with a warning; one with every cell is read (a number cut inside its digits cannot be
    told from a finished one, and batch reading never asks the clock: the live-file rule belongs
    to a future ``watch``). Rows shorter than the header (Ultralytics skipping validation) are
    padded with empty cells.
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
    check_line_limits(lines[first:], separator, path, first_line=first + 1)
    if csv.field_size_limit() < MAX_LINE_CHARS:
        csv.field_size_limit(MAX_LINE_CHARS)  # a cell of a million digits is a number (inf), not an error
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
    if rows and not ends_with_newline and len(rows[-1]) < n:
        warnings.append(
            f"{path}: line {line_numbers[-1]} has no line end and {len(rows[-1])} of {n} cells; "
            "left out as cut off (file still being written?)"
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
    return Table(header, fixed, line_numbers, warnings, repeated, separator, str(path))
