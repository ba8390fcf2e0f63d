"""The decoder's entry points: ``read_file`` (a path; big files window by window), ``decode`` (bytes
in memory), ``looks_like_event_file`` (the cheap sniff), and the driver running steps 1-4.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from losslog.readers.tfevents.crc import Buf, masked_crc32c
from losslog.readers.tfevents.fast import decode_group
from losslog.readers.tfevents.general import decode_general
from losslog.readers.tfevents.records import (
    Buffer,
    buffer_from_bytes,
    buffer_from_file,
    header_crc_ok,
    record_table,
    resync,
    walk,
)
from losslog.readers.tfevents.result import EventScalars
from losslog.readers.tfevents.session import Session


def read_file(path: str | Path) -> EventScalars:
    """Read one event file (see ``decode``): window by window when it is big."""
    p = Path(path)
    if p.stat().st_size > 2 * _WINDOW:
        windowed = _decode_windows(p)
        if windowed is not None:
            return windowed
    return _decode_buffer(buffer_from_file(p), str(p))


def decode(data: Buf, path: str = "<bytes>") -> EventScalars:
    """Every scalar point of an event file's bytes. Never raises for damaged content: bad records
    are skipped with a warning, a cut-off tail is silently ignored. Raises ``NotAnEventFile`` only
    when the bytes hold no TFRecord at all."""
    return _decode_buffer(buffer_from_bytes(data), path)


def looks_like_event_file(head: bytes) -> bool:
    """Cheap sniff from the first bytes: a TFRecord header with a valid CRC whose record (when
    it fits in ``head``) has a valid data CRC and starts like an Event (wall_time, field 1)."""
    if len(head) < 12:
        return False
    if masked_crc32c(head, 0, 8) != struct.unpack_from("<I", head, 8)[0]:
        return False
    (ln,) = struct.unpack_from("<Q", head, 0)
    if 16 + ln <= len(head):
        if masked_crc32c(head, 12, 12 + ln) != struct.unpack_from("<I", head, 12 + ln)[0]:
            return False
        return ln == 0 or head[12] == 0x09
    return True


def _decode_buffer(buf: Buffer, path: str) -> EventScalars:
    """A whole file in memory (small files, bytes given by the caller, and damaged big files)."""
    session = Session(path)
    if buf.n == 0:
        return session.result
    offs, lens = record_table(buf, session)
    decode_records(session, buf, offs, lens)
    del buf, offs, lens  # free the bytes before the output columns are built
    return session.finish()


#: big files are read in windows of this size, so memory holds a window, not the file
_WINDOW = 8 << 20


def _decode_windows(path: Path) -> EventScalars | None:
    """A big file, window by window; records never straddle windows (a window ends at the last
    complete record, the rest is carried over). Returns None on any damaged record header: the
    caller then decodes the whole file at once, which knows how to resynchronize."""
    session = Session(str(path))
    size = path.stat().st_size
    with path.open("rb") as fh:
        carry = np.zeros(0, dtype=np.uint8)
        want = _WINDOW
        while True:
            arr = np.zeros(len(carry) + want + 8, dtype=np.uint8)
            arr[: len(carry)] = carry
            got = fh.readinto(arr.data[len(carry) : len(carry) + want]) or 0
            n = len(carry) + got
            eof = got < want
            buf = Buffer(arr, n)
            offs, lens, stop = walk(buf, 0)
            if not header_crc_ok(buf, offs, lens).all():
                return None
            need = 16
            if stop + 12 <= n:
                if masked_crc32c(buf.raw, stop, stop + 8) != int(buf.u32[stop + 8]):
                    return None
                need = 16 + int(buf.u64[stop])
            decode_records(session, buf, offs, lens)
            if eof:
                if stop + 12 <= n and resync(buf, stop + 1) is not None:
                    return None  # whole records after a length that lies: the whole-file path skips just it
                session.result.truncated = stop < n
                break
            carry = arr[stop:n].copy()
            session.base += stop
            left = size - session.base - len(carry)  # never ask for more than the file holds
            want = max(1, min(max(_WINDOW, need - len(carry)), left))
            del buf, arr, offs, lens
    return session.finish()


def decode_records(session: Session, buf: Buffer, offs: np.ndarray, lens: np.ndarray) -> None:
    """Steps 2 and 3 for the records of one buffer (offsets relative to it): each length group
    through the fast path, what it leaves through the general decoder."""
    dstarts = offs + 12
    general: list[int] = []
    if len(lens):
        key = lens.astype(np.uint16) if int(lens.max()) < 1 << 16 else lens
        order = np.argsort(key, kind="stable")
        bounds = np.flatnonzero(np.diff(lens[order])) + 1
        del key
        for group in np.split(order, bounds):
            decode_group(buf, group, int(lens[group[0]]), dstarts, general, session)
        del order, bounds
    decode_general(buf, np.array(sorted(general), dtype=np.int64), offs, lens, session)
    session.rec_base += len(offs)
