"""TFRecord framing for bytes that arrive a piece at a time.

An event file is a sequence of records::

    uint64 length | uint32 masked_crc32c(length) | data[length] | uint32 masked_crc32c(data)

A writer still running leaves its last record cut anywhere, so the framer keeps an incomplete
tail until the rest arrives and hands on only whole records. The header CRC is checked here, so
that a damaged length cannot swallow the rest of the file; the data CRC is checked by the
decoder (``losslog.readers.tfevents.decode``), which also skips a damaged record with a warning.
"""

from __future__ import annotations

import struct

from losslog.readers.tfevents import masked_crc32c

_HEADER = 12
_FOOTER = 4


class RecordFramer:
    """Splits a growing byte stream into whole TFRecords."""

    def __init__(self) -> None:
        self._pending = bytearray()
        #: records whose header CRC did not match: the framer skipped ahead byte by byte
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
        pos = 0
        end = len(buf)
        out_start = 0
        pieces: list[bytes] = []
        while end - pos >= _HEADER:
            (length,) = struct.unpack_from("<Q", buf, pos)
            (crc,) = struct.unpack_from("<I", buf, pos + 8)
            if masked_crc32c(buf, pos, pos + 8) != crc:
                # Damage: keep what came before, then look for the next valid header.
                if pos > out_start:
                    pieces.append(bytes(buf[out_start:pos]))
                self.bad_headers += 1
                pos += 1
                out_start = pos
                continue
            total = _HEADER + length + _FOOTER
            if end - pos < total:
                break
            pos += total
        if pos > out_start:
            pieces.append(bytes(buf[out_start:pos]))
        del buf[:pos]
        return b"".join(pieces)
