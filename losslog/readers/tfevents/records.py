"""Step 1 of the decoder, the record table: TFRecord framing, lengths, header CRCs, resynchronizing
after a corrupted length, cut-off tails; and the bulk data-CRC check for records of any lengths.

An event file is a sequence of TFRecords::

    uint64 length | uint32 masked_crc32c(length) | byte data[length] | uint32 masked_crc32c(data)

``Buffer`` is the file's bytes with overlapping little-endian views, which every later step
gathers words from.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np

from losslog.readers.tfevents.crc import Buf, crc_table, mask_np, masked_crc32c
from losslog.readers.tfevents.result import NotAnEventFile
from losslog.readers.tfevents.session import Session


class Buffer:
    """The file's bytes plus overlapping little-endian views: ``u64[i]`` is the uint64 at byte i."""

    def __init__(self, arr: np.ndarray, n: int) -> None:
        # ``arr`` holds the n bytes plus 8 zero bytes, so a word gathered at any byte stays inside
        self.n = n
        self.arr = arr
        #: the same memory for the per-record Python decoder (indexing a memoryview gives ints)
        self.raw: Buf = arr.data[:n]
        self.u64 = np.ndarray(shape=(n + 1,), dtype="<u8", buffer=arr, offset=0, strides=(1,))
        self.u32 = np.ndarray(shape=(n + 5,), dtype="<u4", buffer=arr, offset=0, strides=(1,))


def buffer_from_bytes(data: Buf) -> Buffer:
    n = len(data)
    arr = np.zeros(n + 8, dtype=np.uint8)
    arr[:n] = np.frombuffer(data, dtype=np.uint8)
    return Buffer(arr, n)


def buffer_from_file(path: Path) -> Buffer:
    """The file read straight into the numpy buffer: one copy of the bytes, not two."""
    with path.open("rb") as fh:
        n = os.fstat(fh.fileno()).st_size
        arr = np.zeros(n + 8, dtype=np.uint8)
        got = fh.readinto(arr.data[:n])
        if got is not None and got < n:  # the file shrank while we read it
            n = got
            arr[n:] = 0
    return Buffer(arr, n)


def walk(buf: Buffer, start: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Record offsets and data lengths from ``start`` until a record would pass the end of the
    file; returns (offsets, lengths, where the walk stopped). Lengths are not yet CRC-checked.

    Speculation: once the last lengths show a period P (<= 16), the next B*P record starts are
    predicted and verified with one gather; the walk resumes one by one at the first surprise.
    The verified prefix is exact because each record's start is the previous start plus its
    verified length.
    """
    n = buf.n
    raw = buf.raw
    unpack = struct.Struct("<Q").unpack_from
    offs: list[np.ndarray] = []
    lens: list[np.ndarray] = []
    cur_o: list[int] = []
    cur_l: list[int] = []
    off = start
    spec = 256  # speculative window, in records; doubles on success
    since = 0
    while off + 12 <= n:
        (ln,) = unpack(raw, off)
        end = off + 16 + ln
        if end > n:
            break
        cur_o.append(off)
        cur_l.append(ln)
        off = end
        since += 1
        if since < 32:
            continue
        since = 0
        tail = cur_l[-32:]
        period = 0
        for p in range(1, 17):
            if tail[-p:] == tail[-2 * p : -p]:
                period = p
                break
        if not period:
            continue
        block = np.array(tail[-period:], dtype=np.int64)
        block_size = int(block.sum()) + 16 * period
        blocks = min(max(1, spec // period), (n - off) // block_size)
        if blocks < 1:
            continue
        prefix = np.concatenate(([0], np.cumsum(block + 16)[:-1]))
        pos = (off + np.arange(blocks, dtype=np.int64)[:, None] * block_size + prefix[None, :]).ravel()
        expect = np.tile(block, blocks)
        got = buf.u64[pos].astype(np.int64)
        bad = np.flatnonzero(got != expect)
        k = int(bad[0]) if len(bad) else len(pos)
        if k:
            offs.append(np.array(cur_o, dtype=np.int64))
            lens.append(np.array(cur_l, dtype=np.int64))
            cur_o, cur_l = [], []
            offs.append(pos[:k])
            lens.append(expect[:k])
            off = int(pos[k - 1] + 16 + expect[k - 1])
        spec = min(spec * 2, 1 << 20) if k == len(pos) else 256
    offs.append(np.array(cur_o, dtype=np.int64))
    lens.append(np.array(cur_l, dtype=np.int64))
    return np.concatenate(offs), np.concatenate(lens), off


def header_crc_ok(buf: Buffer, offs: np.ndarray, lens: np.ndarray) -> np.ndarray:
    """Check every header's masked CRC of its 8 length bytes: the CRC is computed once per
    distinct length (there are few) and looked up."""
    stored = buf.u32[offs + 8]
    if not len(lens):
        return np.zeros(0, dtype=bool)
    small = lens < 1 << 16
    expect = np.zeros(len(lens), dtype=np.uint32)
    if small.any():
        present = np.flatnonzero(np.bincount(lens[small]))
        table = np.zeros(int(present[-1]) + 1 if len(present) else 1, dtype=np.uint32)
        for v in present.tolist():
            table[v] = masked_crc32c(struct.pack("<Q", v))
        expect[small] = table[lens[small]]
    for i in np.flatnonzero(~small).tolist():
        expect[i] = masked_crc32c(struct.pack("<Q", int(lens[i]) & 0xFFFFFFFFFFFFFFFF))
    return np.asarray(stored == expect)


def resync(buf: Buffer, start: int, limit: int | None = None) -> int | None:
    """The first position at or after ``start`` where a complete record with valid header and data
    CRCs begins: reading goes on after a corrupted length. Vectorized over 1 MB windows."""
    n = buf.n
    table = crc_table()
    stop = n - 16 + 1 if limit is None else min(n - 16 + 1, start + limit)
    chunk = 1 << 20
    s = start
    while s < stop:
        e = min(stop, s + chunk)
        c = np.full(e - s, 0xFFFFFFFF, dtype=np.uint32)
        for k in range(8):
            c = table[(c ^ buf.arr[s + k : e + k]) & np.uint32(0xFF)] ^ (c >> np.uint32(8))
        c ^= np.uint32(0xFFFFFFFF)
        hits = np.flatnonzero(mask_np(c) == buf.u32[s + 8 : e + 8])
        for h in hits.tolist():
            p = s + h
            ln = int(buf.u64[p])
            if p + 16 + ln > n:
                continue
            stored = int(buf.u32[p + 12 + ln])
            if masked_crc32c(buf.raw, p + 12, p + 12 + ln) == stored:
                return p
        s = e
    return None


def record_table(buf: Buffer, session: Session) -> tuple[np.ndarray, np.ndarray]:
    """Step 1 for a whole file: the record table, header CRCs checked, resynchronizing after a
    corrupted length; a cut-off tail is noted (``truncated``), not warned about."""
    raw, n = buf.raw, buf.n
    all_offs: list[np.ndarray] = []
    all_lens: list[np.ndarray] = []
    found = 0
    pos = 0
    while pos + 12 <= n:
        offs, lens, stop = walk(buf, pos)
        bad = np.flatnonzero(~header_crc_ok(buf, offs, lens))
        if len(bad):
            first = int(bad[0])
            offs, lens = offs[:first], lens[:first]
            bad_at = int(offs[-1] + 16 + lens[-1]) if first else pos
        else:
            # the walk stopped at a record passing the end: a cut-off tail if its header is sound
            bad_at = -1
            if stop + 12 <= n:
                if masked_crc32c(raw, stop, stop + 8) != int(buf.u32[stop + 8]):
                    bad_at = stop
                else:
                    # A sound header whose record passes the end: the writer's last record, cut
                    # off, unless whole records follow it, in which case the length lies (a
                    # hostile or corrupted 2^63) and only that record is lost, not the rest.
                    later = resync(buf, stop + 1)
                    if later is None:
                        session.result.truncated = True
                    else:
                        all_offs.append(offs)
                        all_lens.append(lens)
                        found += len(offs)
                        claimed = int(buf.u64[stop])
                        session.problem(
                            stop,
                            f"record at byte offset {{at}} claims {claimed} bytes, past the end of the file; "
                            f"skipped {later - stop} bytes",
                        )
                        pos = later
                        continue
            elif stop < n:
                session.result.truncated = True
        all_offs.append(offs)
        all_lens.append(lens)
        found += len(offs)
        if bad_at < 0:
            break
        if bad_at == 0 and not found:
            nxt = resync(buf, 1, limit=1 << 20)
            if nxt is None:
                raise NotAnEventFile(f"{session.result.path}: not a TensorBoard event file (no valid record header)")
        else:
            nxt = resync(buf, bad_at + 1)
        if nxt is None:
            session.problem(bad_at, "bad record header CRC at byte offset {at}; the rest is unreadable")
            break
        session.problem(bad_at, f"bad record header CRC at byte offset {{at}}; skipped {nxt - bad_at} bytes")
        pos = nxt
    if not all_offs:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    offs = np.concatenate(all_offs) if len(all_offs) > 1 else all_offs[0]
    lens = np.concatenate(all_lens) if len(all_lens) > 1 else all_lens[0]
    return offs, lens


def bulk_crc(buf: Buffer, dstarts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Data CRC check of records of any lengths: rows sorted by length, one column at a time over
    the rows still long enough (a shrinking prefix, so no masking)."""
    if not len(dstarts):
        return np.zeros(0, dtype=bool)
    table = crc_table()
    order = np.argsort(-lengths, kind="stable")
    st = dstarts[order]
    ln = lengths[order]
    c = np.full(len(st), 0xFFFFFFFF, dtype=np.uint32)
    neg = -ln
    counts = np.searchsorted(neg, -np.arange(int(ln[0]), dtype=np.int64), side="left")  # len > j
    for j, k in enumerate(counts.tolist()):
        cc = c[:k]
        c[:k] = table[(cc ^ buf.arr[st[:k] + j]) & np.uint32(0xFF)] ^ (cc >> np.uint32(8))
    c ^= np.uint32(0xFFFFFFFF)
    ok = mask_np(c) == buf.u32[st + ln]
    out = np.empty(len(st), dtype=bool)
    out[order] = ok
    return out
