"""A record whose length field lies (2^63 bytes, or just past the end) with a valid header CRC:
that record is lost and said, never the rest of the file, never a raw allocation error (issue 13)."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from losslog.readers.tfevents import masked_crc32c, read_file
from losslog.readers.tfevents import reader as tfreader
from tests.tb_helpers import tbx_write


def _lying_header(length: int) -> bytes:
    """A record header a CRC check accepts, claiming ``length`` bytes of data."""
    raw = struct.pack("<Q", length)
    return raw + struct.pack("<I", masked_crc32c(raw))


def _split_file(tmp_path: Path, n: int) -> tuple[bytes, bytes, int]:
    """A real tensorboardX file cut at a record boundary in the middle: (head, tail, records in head)."""
    path = tbx_write(tmp_path / "w", [("loss", 1.0 / (i + 1), i) for i in range(n)])
    data = path.read_bytes()
    offsets = []
    pos = 0
    while pos < len(data):
        offsets.append(pos)
        (ln,) = struct.unpack_from("<Q", data, pos)
        pos += 16 + ln
    middle = offsets[len(offsets) // 2]
    return data[:middle], data[middle:], len(offsets) // 2


@pytest.mark.parametrize("length", [2**63, 2**40, 10_000_000])
def test_a_lying_length_costs_one_record_not_the_rest(tmp_path: Path, length: int) -> None:
    head, tail, _ = _split_file(tmp_path, 200)
    hostile = tmp_path / "events.out.tfevents.1.hostile"
    hostile.write_bytes(head + _lying_header(length) + b"\x00" * 20 + tail)
    clean = read_file(tmp_path / "w" / next(p.name for p in (tmp_path / "w").iterdir()))
    got = read_file(hostile)
    assert len(got.values) == len(clean.values)  # every real point is still there
    assert not got.truncated
    assert any("past the end of the file" in w for w in got.warnings), got.warnings


def test_a_lying_length_in_a_big_file_read_in_windows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tfreader, "_WINDOW", 4096)  # the windowed path, without writing megabytes
    head, tail, _ = _split_file(tmp_path, 2000)
    hostile = tmp_path / "events.out.tfevents.2.hostile"
    hostile.write_bytes(head + _lying_header(2**63) + tail)
    got = read_file(hostile)
    assert len(got.values) == 2000
    assert any("past the end of the file" in w for w in got.warnings)


def test_a_cut_last_record_is_still_a_quiet_truncation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A writer still running leaves its last record cut: not a warning, as before."""
    head, tail, kept = _split_file(tmp_path, 2000)
    cut = tmp_path / "events.out.tfevents.3.live"
    cut.write_bytes(head + tail[:30])
    for window in (1 << 23, 4096):
        monkeypatch.setattr(tfreader, "_WINDOW", window)
        got = read_file(cut)
        assert got.truncated and not got.warnings
        assert len(got.values) == kept - 1  # the file-version record carries no scalar
