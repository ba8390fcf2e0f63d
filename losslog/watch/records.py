"""TFRecord framing for bytes that arrive a piece at a time.

An event file is a sequence of records::

    uint64 length | uint32 masked_crc32c(length) | data[length] | uint32 masked_crc32c(data)

A writer still running leaves its last record cut anywhere, so the framer keeps an incomplete
tail until the rest arrives and hands on only whole records. The header CRC is checked here, so
that a damaged length cannot swallow the rest of the file; the data CRC is checked by the
decoder (``losslog.readers.tfevents.decode``), which also skips a damaged record with a warning.

The first look at a big file frames a million records at once: the lengths are walked in a tight
loop and the header CRCs are checked together with numpy (a pure-Python CRC per header cost
3 µs a record, seconds for such a file). A header that fails its CRC sends the framer byte by
byte to the next valid header.
"""

from __future__ import annotations

import struct
from functools import lru_cache

import numpy as np

from losslog.readers.tfevents import masked_crc32c

_HEADER = 12
_FOOTER = 4
_MASK_DELTA = 0xA282EAD8
#: a length beyond this is taken as damage at once, not as a record still being written
_MAX_RECORD = 1 << 31


@lru_cache(maxsize=1)
def _table() -> np.ndarray:
    table = np.zeros(256, dtype=np.uint32)
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table[i] = c
    return table


def header_crcs_ok(buf: bytes | bytearray, offsets: list[int]) -> np.ndarray:
    """Whether each header at ``offsets`` carries the masked CRC32C of its 8 length bytes."""
    arr = np.frombuffer(buf, dtype=np.uint8)
    offs = np.asarray(offsets, dtype=np.int64)
    table = _table()
    c = np.full(len(offs), 0xFFFFFFFF, dtype=np.uint32)
    for j in range(8):
        c = table[(c ^ arr[offs + j]) & np.uint32(0xFF)] ^ (c >> np.uint32(8))
    c ^= np.uint32(0xFFFFFFFF)
    masked = ((c >> np.uint32(15)) | (c << np.uint32(17))) + np.uint32(_MASK_DELTA)
    stored = arr[offs[:, None] + np.arange(8, 12)].copy().view("<u4").reshape(-1)
    return np.asarray(masked == stored)


class RecordFramer:
    """Splits a growing byte stream into whole TFRecords."""

    def __init__(self) -> None:
        self._pending = bytearray()
        #: bytes skipped because a header's CRC did not match (the framer resynchronised)
        self.bad_headers = 0

    def reset(self) -> None:
        self._pending.clear()

    @property
    def pending(self) -> int:
        """Bytes of a record still waiting for their rest."""
        return len(self._pending)

    def feed(self, data: bytes) -> bytes:
        """Append ``data``; return the whole records now complete, concatenated as in the file."""
        buf = self._pending
        buf += data
        end = len(buf)
        pos = 0
        pieces: list[bytes] = []
        unpack = struct.unpack_from
        while end - pos >= _HEADER:
            # walk the lengths of the whole records that are here
            offsets: list[int] = []
            p = pos
            while end - p >= _HEADER:
                (length,) = unpack("<Q", buf, p)
                total = _HEADER + length + _FOOTER
                if length > _MAX_RECORD or end - p < total:
                    break
                offsets.append(p)
                p += total
            if offsets:
                ok = header_crcs_ok(buf, offsets)
                bad = np.flatnonzero(~ok)
                stop = offsets[int(bad[0])] if len(bad) else p
                if stop > pos:
                    pieces.append(bytes(buf[pos:stop]))
                pos = stop
                if not len(bad):
                    continue  # ``pos`` is at a cut record (or the end): check its header below
            # ``pos`` is at a header that is cut, damaged or claims too much
            (length,) = unpack("<Q", buf, pos)
            if length <= _MAX_RECORD and masked_crc32c(buf, pos, pos + 8) == unpack("<I", buf, pos + 8)[0]:
                break  # a valid header of a record still being written: wait for its rest
            self.bad_headers += 1
            pos += 1  # damage: look for the next valid header byte by byte
        del buf[:pos]
        return b"".join(pieces)
