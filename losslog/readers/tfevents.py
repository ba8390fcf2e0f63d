"""TensorBoard event files, decoded in bulk with numpy: no TensorFlow, no protobuf.

An event file is a sequence of TFRecords::

    uint64 length | uint32 masked_crc32c(length) | byte data[length] | uint32 masked_crc32c(data)

and each ``data`` is a serialized ``tensorflow.Event``. Only a handful of fields matter to a loss
curve (wall_time, step, summary.value[].{tag, simple_value, tensor, metadata}), so this module reads
the protobuf wire format itself instead of depending on ``protobuf``/``tensorboard`` (the reasons
and the measurements are in docs/tensorboard.md).

Why it is fast: a per-record Python loop costs ~3 us a record, i.e. seconds for a million scalars.
Instead the file is read into one numpy buffer and

1. the record table (offsets, lengths) is found by walking the headers, speculating that record
   lengths repeat with a short period (4 tags written step after step repeat every 4 records) and
   verifying the speculation for thousands of records with one numpy gather;
2. records of the same length that have the same *structure* as a template record (same bytes
   everywhere except the wall_time, the step varint and the value payload) are decoded together:
   one gather per 8-byte word checks the structure, a few more pull out the values;
3. CRC32C is checked in bulk too: the header CRC from a table over the few distinct lengths, the
   data CRC from the template's CRC plus per-position tables over the bytes that differ (CRC is
   linear over GF(2), so ``crc(a) ^ crc(b) == lin(a ^ b)`` for equal lengths).

Everything that does not fit the fast path (the file_version record, hparams, histograms, images,
odd layouts) goes through a general per-record decoder, which is also the reference the fast path
must agree with. Values are kept exactly as stored: a float32 widened to float64 is exact.
"""

from __future__ import annotations

import os
import struct
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

#: anything the decoder reads bytes from
Buf = bytes | bytearray | memoryview

# --------------------------------------------------------------------------------------------
# CRC32C (Castagnoli), reflected polynomial 0x82F63B78, as TFRecord uses it.
# --------------------------------------------------------------------------------------------

_CRC_POLY = 0x82F63B78
_MASK_DELTA = 0xA282EAD8


@lru_cache(maxsize=1)
def _crc_table_list() -> tuple[int, ...]:
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ _CRC_POLY if c & 1 else c >> 1
        table.append(c)
    return tuple(table)


@lru_cache(maxsize=1)
def _crc_table() -> np.ndarray:
    return np.array(_crc_table_list(), dtype=np.uint32)


def crc32c(data: Buf, start: int = 0, end: int | None = None) -> int:
    """CRC32C of ``data[start:end]`` in pure Python: for short inputs (headers, one record)."""
    table = _crc_table_list()
    c = 0xFFFFFFFF
    view = memoryview(data)[start:end]
    for b in view.tobytes():
        c = table[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def masked_crc32c(data: Buf, start: int = 0, end: int | None = None) -> int:
    """TFRecord's masked CRC: rotate right by 15 and add a constant (so CRCs of CRCs differ)."""
    c = crc32c(data, start, end)
    return (((c >> 15) | (c << 17)) + _MASK_DELTA) & 0xFFFFFFFF


def _mask_np(c: np.ndarray) -> np.ndarray:
    c = c.astype(np.uint32, copy=False)
    return ((c >> np.uint32(15)) | (c << np.uint32(17))) + np.uint32(_MASK_DELTA)


def _crc_rows(mat: np.ndarray) -> np.ndarray:
    """CRC32C of every row of a 2-D uint8 array (all rows the same length), vectorized by column."""
    table = _crc_table()
    c = np.full(mat.shape[0], 0xFFFFFFFF, dtype=np.uint32)
    for j in range(mat.shape[1]):
        c = table[(c ^ mat[:, j]) & np.uint32(0xFF)] ^ (c >> np.uint32(8))
    return c ^ np.uint32(0xFFFFFFFF)


@lru_cache(maxsize=256)
def _position_tables(length: int, positions: tuple[int, ...]) -> dict[int, np.ndarray]:
    """For a message of ``length`` bytes, the linear CRC contribution of each byte value at each of
    ``positions``: ``crc(msg ^ delta) == crc(msg) ^ XOR_j table[j][delta[j]]``.

    Cached: a sweep of 200 runs logs the same layouts 200 times, and building the tables
    (about 0.1 ms a position) was the largest cost of reading many small files. Callers only
    read the tables."""
    table = _crc_table()
    out: dict[int, np.ndarray] = {}
    wanted = {length - 1 - p: p for p in positions}
    c = table.copy()  # contribution of a byte at the last position (0 zero bytes after it)
    for shift in range(max(wanted) + 1 if wanted else 0):
        if shift in wanted:
            out[wanted[shift]] = c.copy()
        c = table[c & np.uint32(0xFF)] ^ (c >> np.uint32(8))
    return out


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------

#: How a scalar's raw bits become a float64 (the raw value is a uint64 holding the stored bits).
F32, F64, F16, BF16, SINT8, SINT16, SINT32, SINT64, UINT, BOOL = range(10)

#: TensorFlow DataType -> (kind for tensor_content, byte width)
_CONTENT_KIND: dict[int, tuple[int, int]] = {
    1: (F32, 4),  # DT_FLOAT
    2: (F64, 8),  # DT_DOUBLE
    3: (SINT32, 4),  # DT_INT32
    4: (UINT, 1),  # DT_UINT8
    5: (SINT16, 2),  # DT_INT16
    6: (SINT8, 1),  # DT_INT8
    9: (SINT64, 8),  # DT_INT64
    10: (BOOL, 1),  # DT_BOOL
    14: (BF16, 2),  # DT_BFLOAT16
    17: (UINT, 2),  # DT_UINT16
    19: (F16, 2),  # DT_HALF
    22: (UINT, 4),  # DT_UINT32
    23: (UINT, 8),  # DT_UINT64
}
#: TensorFlow DataType -> (TensorProto field number of its typed values, kind of those values)
_TYPED_FIELD: dict[int, tuple[int, int]] = {
    1: (5, F32),  # float_val (fixed32)
    2: (6, F64),  # double_val (fixed64)
    3: (7, SINT64),  # int_val (int32 varint, negatives sign-extended to 64 bits)
    4: (7, SINT64),
    5: (7, SINT64),
    6: (7, SINT64),
    9: (10, SINT64),  # int64_val
    10: (11, BOOL),  # bool_val
    14: (13, BF16),  # half_val holds the bfloat16 bits
    17: (7, SINT64),
    19: (13, F16),  # half_val holds the float16 bits
    22: (16, UINT),  # uint32_val
    23: (17, UINT),  # uint64_val
}


def convert_raw(raw: np.ndarray, kind: int) -> np.ndarray:
    """Stored bits (uint64) -> float64, exactly as TensorBoard's ``make_ndarray`` would give."""
    raw = np.asarray(raw, dtype=np.uint64)
    if kind == F32:
        return raw.astype(np.uint32).view(np.float32).astype(np.float64)
    if kind == F64:
        return raw.view(np.float64).astype(np.float64)
    if kind == F16:
        return raw.astype(np.uint16).view(np.float16).astype(np.float64)
    if kind == BF16:
        return (raw.astype(np.uint32) << np.uint32(16)).view(np.float32).astype(np.float64)
    if kind == SINT8:
        return raw.astype(np.uint8).view(np.int8).astype(np.float64)
    if kind == SINT16:
        return raw.astype(np.uint16).view(np.int16).astype(np.float64)
    if kind == SINT32:
        return raw.astype(np.uint32).view(np.int32).astype(np.float64)
    if kind == SINT64:
        return raw.view(np.int64).astype(np.float64)
    if kind == BOOL:
        return (raw != 0).astype(np.float64)
    return raw.astype(np.float64)


@dataclass
class EventScalars:
    """Every scalar point of one event file, in write order (record order, then value order)."""

    path: str
    tags: list[str] = field(default_factory=list)
    tag_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    steps: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    wall_times: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float64))
    values: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float64))
    #: hyperparameters from the HParams plugin's session_start_info
    hparams: dict[str, Any] = field(default_factory=dict)
    #: plugin name per tag, from the first metadata seen for it
    plugins: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    records: int = 0
    bad_records: int = 0
    file_version: str | None = None
    #: the file ends inside a record (a writer still running, or a copy cut short): normal
    truncated: bool = False

    def __len__(self) -> int:
        return len(self.values)

    def tags_of_points(self) -> list[str]:
        """The tag of every point (a Python list, for tests and small files)."""
        return [self.tags[i] for i in self.tag_ids.tolist()]

    def series(self) -> Iterator[tuple[str, np.ndarray]]:
        """(tag, row indices) per tag, tags in first-seen order."""
        if not len(self.tag_ids):
            return
        order = np.argsort(self.tag_ids, kind="stable")
        sorted_ids = self.tag_ids[order]
        bounds = np.flatnonzero(np.diff(sorted_ids)) + 1
        groups = np.split(order, bounds)
        firsts = sorted(groups, key=lambda g: int(g[0]))
        for g in firsts:
            yield self.tags[int(self.tag_ids[g[0]])], g


class NotAnEventFile(ValueError):
    """The bytes are not TFRecord-framed at all (raised only when no record can be found)."""


# --------------------------------------------------------------------------------------------
# General per-record decoder (the reference; used for everything off the fast path)
# --------------------------------------------------------------------------------------------


class _Malformed(Exception):
    pass


def _varint(buf: Buf, pos: int, end: int) -> tuple[int, int]:
    result = 0
    shift = 0
    while True:
        if pos >= end or shift > 63:
            raise _Malformed
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result & 0xFFFFFFFFFFFFFFFF, pos
        shift += 7


def _skip(buf: Buf, pos: int, end: int, wire: int) -> int:
    if wire == 0:
        return _varint(buf, pos, end)[1]
    if wire == 1:
        pos += 8
    elif wire == 2:
        n, pos = _varint(buf, pos, end)
        pos += n
    elif wire == 5:
        pos += 4
    else:  # groups (3, 4) are not used by these messages; anything else is corruption
        raise _Malformed
    if pos > end:
        raise _Malformed
    return pos


def _fields(buf: Buf, pos: int, end: int) -> Iterator[tuple[int, int, int, int]]:
    """(field number, wire type, payload start, payload end) of each field; varints decoded lazily
    by the caller from payload start. For wire type 2 the payload excludes the length prefix."""
    while pos < end:
        key, pos = _varint(buf, pos, end)
        num, wire = key >> 3, key & 7
        if wire == 2:
            n, start = _varint(buf, pos, end)
            stop = start + n
            if stop > end:
                raise _Malformed
            yield num, wire, start, stop
            pos = stop
        else:
            stop = _skip(buf, pos, end, wire)
            yield num, wire, pos, stop
            pos = stop
    if pos != end:
        raise _Malformed


@dataclass
class _Point:
    tag: str
    raw: int
    kind: int
    pos: int  # absolute position of the payload
    width: int  # bytes of the payload
    varint: bool
    #: where the tag's bytes are (absolute in a parse; relative to the data start in a template
    #: whose tags vary, -1 in a template whose tag is fixed) and how many there are
    tag_pos: int = -1
    tag_len: int = 0
    #: the plugin named in the value's metadata ("" without): constant bytes in a template
    plugin: str = ""


@dataclass
class _Parsed:
    wall: float = 0.0
    wall_pos: int | None = None
    step: int = 0
    step_pos: int | None = None
    step_width: int = 0
    points: list[_Point] = field(default_factory=list)
    hparams: dict[str, Any] | None = None
    plugins: list[tuple[str, str]] = field(default_factory=list)
    file_version: str | None = None
    #: only wall_time, step and scalar summary values: eligible as a fast-path template
    simple: bool = True


def _parse_tensor(buf: Buf, start: int, end: int, tag: str) -> _Point | None:
    """A rank-0 numeric TensorProto -> one point; anything else (strings, histograms) -> None."""
    dtype = 0
    rank = 0
    unknown_rank = False
    content: tuple[int, int] | None = None
    typed: dict[int, tuple[int, int, int]] = {}  # field -> (wire, start, stop) of the first one
    for num, wire, s, e in _fields(buf, start, end):
        if num == 1 and wire == 0:
            dtype = _varint(buf, s, e)[0]
        elif num == 2 and wire == 2:
            for dnum, dwire, _, _ in _fields(buf, s, e):
                if dnum == 2 and dwire == 2:
                    rank += 1
                elif dnum == 3 and dwire == 0:
                    unknown_rank = True
        elif num == 4 and wire == 2:
            content = (s, e)
        elif num in (5, 6, 7, 10, 11, 13, 16, 17) and num not in typed:
            typed[num] = (wire, s, e)
    if rank or unknown_rank or dtype not in _CONTENT_KIND:
        return None
    kind, width = _CONTENT_KIND[dtype]
    if content is not None and content[1] - content[0] == width:
        s = content[0]
        return _Point(tag, int.from_bytes(buf[s : s + width], "little"), kind, s, width, False)
    fnum, fkind = _TYPED_FIELD[dtype]
    if fnum not in typed:
        return _Point(tag, 0, fkind, -1, 0, False)  # no values: make_ndarray gives zeros
    wire, s, e = typed[fnum]
    if fnum == 5:  # float_val: packed (wire 2) or one fixed32 (wire 5)
        if e - s < 4 or wire not in (2, 5):
            raise _Malformed
        return _Point(tag, int.from_bytes(buf[s : s + 4], "little"), F32, s, 4, False)
    if fnum == 6:
        if e - s < 8 or wire not in (2, 1):
            raise _Malformed
        return _Point(tag, int.from_bytes(buf[s : s + 8], "little"), F64, s, 8, False)
    if wire not in (0, 2) or e <= s:
        raise _Malformed
    raw, stop = _varint(buf, s, e)
    return _Point(tag, raw, fkind, s, stop - s, True)


def _parse_hparams(buf: Buf, start: int, end: int) -> dict[str, Any]:
    """HParamsPluginData.session_start_info.hparams: map<string, google.protobuf.Value>."""
    out: dict[str, Any] = {}
    for num, wire, s, e in _fields(buf, start, end):
        if num != 3 or wire != 2:  # 3 = session_start_info
            continue
        for snum, swire, ss, se in _fields(buf, s, e):
            if snum != 1 or swire != 2:  # 1 = hparams map entry
                continue
            key = ""
            value: Any = None
            for enum_, ewire, es, ee in _fields(buf, ss, se):
                if enum_ == 1 and ewire == 2:
                    key = bytes(buf[es:ee]).decode("utf-8", "replace")
                elif enum_ == 2 and ewire == 2:
                    for vnum, vwire, vs, ve in _fields(buf, es, ee):
                        if vnum == 2 and vwire == 1:
                            value = struct.unpack_from("<d", buf, vs)[0]
                        elif vnum == 3 and vwire == 2:
                            value = bytes(buf[vs:ve]).decode("utf-8", "replace")
                        elif vnum == 4 and vwire == 0:
                            value = bool(_varint(buf, vs, ve)[0])
            if key:
                out[key] = value
    return out


def _parse_value(buf: Buf, start: int, end: int, out: _Parsed) -> None:
    tag = ""
    tag_span = (-1, -1)
    simple: tuple[int, int] | None = None
    tensor: tuple[int, int] | None = None
    plugin = ""
    content: tuple[int, int] | None = None
    other = False
    for num, wire, s, e in _fields(buf, start, end):
        if num == 1 and wire == 2:
            tag = bytes(buf[s:e]).decode("utf-8", "replace")
            tag_span = (s, e)
        elif num == 2 and wire == 5:
            simple = (s, e)
        elif num == 8 and wire == 2:
            tensor = (s, e)
        elif num == 9 and wire == 2:  # metadata
            for mnum, mwire, ms, me in _fields(buf, s, e):
                if mnum == 1 and mwire == 2:  # plugin_data
                    for pnum, pwire, ps, pe in _fields(buf, ms, me):
                        if pnum == 1 and pwire == 2:
                            plugin = bytes(buf[ps:pe]).decode("utf-8", "replace")
                        elif pnum == 2 and pwire == 2:
                            content = (ps, pe)
        elif num != 7:  # 7 = node_name; 3-6 = histograms, images, audio: skipped unread
            other = True
    if plugin:
        # scalar metadata on every event (torch's new_style scalars) is just constant bytes to a
        # template; the HParams plugin's content is not, so those records stay off the fast path
        out.plugins.append((tag, plugin))
        if plugin == "hparams":
            out.simple = False
    if plugin == "hparams" and content is not None:
        hp = _parse_hparams(buf, content[0], content[1])
        if hp:
            out.hparams = {**(out.hparams or {}), **hp}
    point: _Point | None = None
    if simple is not None:
        s = simple[0]
        point = _Point(tag, int.from_bytes(buf[s : s + 4], "little"), F32, s, 4, False)
    elif tensor is not None:
        point = _parse_tensor(buf, tensor[0], tensor[1], tag)
    if point is not None:
        point.tag_pos, point.tag_len = tag_span[0], tag_span[1] - tag_span[0]
        point.plugin = plugin
        out.points.append(point)
    else:
        out.simple = False
    if other:
        out.simple = False


def parse_event(buf: Buf, start: int, end: int) -> _Parsed:
    """Decode one serialized Event from ``buf[start:end]`` (raises _Malformed)."""
    out = _Parsed()
    for num, wire, s, e in _fields(buf, start, end):
        if num == 1 and wire == 1:
            out.wall = struct.unpack_from("<d", buf, s)[0]
            out.wall_pos = s
        elif num == 2 and wire == 0:
            out.step = _varint(buf, s, e)[0]
            if out.step >= 1 << 63:
                out.step -= 1 << 64
            out.step_pos, out.step_width = s, e - s
        elif num == 5 and wire == 2:
            for vnum, vwire, vs, ve in _fields(buf, s, e):
                if vnum == 1 and vwire == 2:
                    _parse_value(buf, vs, ve, out)
                else:
                    out.simple = False
        elif num == 3 and wire == 2:
            out.file_version = bytes(buf[s:e]).decode("utf-8", "replace")
            out.simple = False
        else:
            out.simple = False
    if not out.points:
        out.simple = False
    return out


# --------------------------------------------------------------------------------------------
# The bulk reader
# --------------------------------------------------------------------------------------------

#: records longer than this that carry nothing we use (images, graphs) are not CRC-checked:
#: a pure-Python CRC of a 100 KB image costs ~15 ms and the bytes would be thrown away anyway.
_UNCHECKED_BIG = 4096
#: at most this many warnings per file are spelled out; the rest are counted.
_MAX_WARNINGS = 10
#: record layouts learned so far, by record length, shared across files (see ``_Session``)
_LEARNED: dict[int, list[_Template]] = {}
#: when more layouts than this are known, they are forgotten and learned again as needed
_MAX_LEARNED = 256
#: templates tried within one length group before the rest is decoded record by record
_MAX_TEMPLATES_PER_GROUP = 16
#: multiplier mixing a tag's uint64 words into one hash (odd: a bijection on each step)
_TAG_HASH = 0x9E3779B97F4A7C15
#: records matched and extracted at a time (bounds temporary arrays to a few MB each)
_BLOCK = 1 << 17


def _buffer_from_bytes(data: Buf) -> _Buffer:
    n = len(data)
    arr = np.zeros(n + 8, dtype=np.uint8)
    arr[:n] = np.frombuffer(data, dtype=np.uint8)
    return _Buffer(arr, n)


def _buffer_from_file(path: Path) -> _Buffer:
    """The file read straight into the numpy buffer: one copy of the bytes, not two."""
    with path.open("rb") as fh:
        n = os.fstat(fh.fileno()).st_size
        arr = np.zeros(n + 8, dtype=np.uint8)
        got = fh.readinto(arr.data[:n])
        if got is not None and got < n:  # the file shrank while we read it
            n = got
            arr[n:] = 0
    return _Buffer(arr, n)


class _Buffer:
    """The file's bytes plus overlapping little-endian views: ``u64[i]`` is the uint64 at byte i."""

    def __init__(self, arr: np.ndarray, n: int) -> None:
        # ``arr`` holds the n bytes plus 8 zero bytes, so a word gathered at any byte stays inside
        self.n = n
        self.arr = arr
        #: the same memory for the per-record Python decoder (indexing a memoryview gives ints)
        self.raw: Buf = arr.data[:n]
        self.u64 = np.ndarray(shape=(n + 1,), dtype="<u8", buffer=arr, offset=0, strides=(1,))
        self.u32 = np.ndarray(shape=(n + 5,), dtype="<u4", buffer=arr, offset=0, strides=(1,))


def _walk(buf: _Buffer, start: int) -> tuple[np.ndarray, np.ndarray, int]:
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


def _header_crc_ok(buf: _Buffer, offs: np.ndarray, lens: np.ndarray) -> np.ndarray:
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


def _resync(buf: _Buffer, start: int, limit: int | None = None) -> int | None:
    """The first position at or after ``start`` where a complete record with valid header and data
    CRCs begins: reading goes on after a corrupted length. Vectorized over 1 MB windows."""
    n = buf.n
    table = _crc_table()
    stop = n - 16 + 1 if limit is None else min(n - 16 + 1, start + limit)
    chunk = 1 << 20
    s = start
    while s < stop:
        e = min(stop, s + chunk)
        c = np.full(e - s, 0xFFFFFFFF, dtype=np.uint32)
        for k in range(8):
            c = table[(c ^ buf.arr[s + k : e + k]) & np.uint32(0xFF)] ^ (c >> np.uint32(8))
        c ^= np.uint32(0xFFFFFFFF)
        hits = np.flatnonzero(_mask_np(c) == buf.u32[s + 8 : e + 8])
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


@dataclass
class _Template:
    length: int
    words: np.ndarray  # uint64 template words (record bytes padded to a multiple of 8)
    masks: np.ndarray  # uint64: 1 bits are structural and must match
    wall_pos: int | None
    step_pos: int | None
    step_width: int
    points: list[_Point]  # positions relative to the record's data start
    var_positions: list[int]
    crc: int
    #: CRC contribution tables, built on first use and kept for the next blocks
    tables: dict[int, np.ndarray] | None = None
    pair_tables: dict[int, np.ndarray] = field(default_factory=dict)
    #: (variable positions, the template's bytes there, their tables stacked) for small groups
    stacked: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    #: the tags' bytes are payload, not structure: one template for many tags of one length
    wild: bool = False


def _make_template(raw: Buf, dstart: int, length: int, parsed: _Parsed, wild: bool = False) -> _Template | None:
    """A record's layout: its bytes, with the payload positions (wall time, step, values and, when
    ``wild``, the tags) marked variable. A record matching every other bit parses the same way."""
    if not parsed.simple or any(p.pos < 0 for p in parsed.points):
        return None
    if wild and any(p.tag_pos < 0 for p in parsed.points):
        return None
    padded = (length + 7) // 8 * 8
    tmpl = bytearray(padded)
    tmpl[:length] = raw[dstart : dstart + length]
    mask = bytearray(b"\xff" * length + b"\x00" * (padded - length))
    var: list[int] = []
    if parsed.wall_pos is not None:
        for i in range(parsed.wall_pos - dstart, parsed.wall_pos - dstart + 8):
            mask[i] = 0
            var.append(i)
    if parsed.step_pos is not None:
        for i in range(parsed.step_pos - dstart, parsed.step_pos - dstart + parsed.step_width):
            mask[i] = 0x80  # the continuation bit fixes the varint's length: it must match
            var.append(i)
    points = []
    for p in parsed.points:
        rel = p.pos - dstart
        for i in range(rel, rel + p.width):
            mask[i] = 0x80 if p.varint else 0
            var.append(i)
        tag_rel = -1
        if wild:
            tag_rel = p.tag_pos - dstart
            for i in range(tag_rel, tag_rel + p.tag_len):
                mask[i] = 0
                var.append(i)
        points.append(_Point(p.tag, 0, p.kind, rel, p.width, p.varint, tag_rel, p.tag_len, p.plugin))
    return _Template(
        length=length,
        words=np.frombuffer(bytes(tmpl), dtype="<u8").copy(),
        masks=np.frombuffer(bytes(mask), dtype="<u8").copy(),
        wall_pos=None if parsed.wall_pos is None else parsed.wall_pos - dstart,
        step_pos=None if parsed.step_pos is None else parsed.step_pos - dstart,
        step_width=parsed.step_width,
        points=points,
        var_positions=sorted(set(var)),
        crc=crc32c(raw, dstart, dstart + length),
        wild=wild,
    )


def _varints(buf: _Buffer, pos: np.ndarray, width: int) -> np.ndarray:
    """Varints of a known byte width at ``pos``, as uint64 (one 8-byte gather for widths <= 8)."""
    if width > 8:
        out = np.zeros(len(pos), dtype=np.uint64)
        for i in range(width):
            b = buf.arr[pos + i].astype(np.uint64) & np.uint64(0x7F)
            out |= b << np.uint64(7 * i)
        return out
    word = buf.u64[pos]
    if width == 1:
        return word & np.uint64(0x7F)
    out = word & np.uint64(0x7F)
    for i in range(1, width):
        out |= ((word >> np.uint64(8 * i)) & np.uint64(0x7F)) << np.uint64(7 * i)
    return out


class _Collector:
    """Points gathered out of order (one length group at a time), scattered back into write order
    at the end: a point's place is the number of points in earlier records plus its index within
    its record. Scattering instead of concatenating and sorting keeps one copy of the columns."""

    def __init__(self) -> None:
        self.tag_index: dict[str, int] = {}
        self.chunks: list[
            tuple[np.ndarray, int | np.ndarray, int | np.ndarray, np.ndarray, np.ndarray, np.ndarray]
        ] = []

    def tag_id(self, tag: str) -> int:
        return self.tag_index.setdefault(tag, len(self.tag_index))

    def add(
        self,
        rec: np.ndarray,
        sub: int | np.ndarray,
        tag: int | np.ndarray,
        step: np.ndarray,
        wall: np.ndarray,
        value: np.ndarray,
    ) -> None:
        self.chunks.append((rec, sub, tag, step, wall, value))

    def write_order(self, n_records: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(tag ids, steps, wall times, values) in write order; the chunks are consumed one column
        at a time, so memory holds the chunks plus one output column, not two full copies."""
        counts = np.zeros(n_records, dtype=np.int64)
        for rec, *_ in self.chunks:
            counts += np.bincount(rec, minlength=n_records)
        starts = np.cumsum(counts) - counts
        total = int(counts.sum())
        del counts
        chunks: list[list[Any]] = [list(c) for c in self.chunks]
        self.chunks = []
        for c in chunks:  # replace each chunk's record numbers by its points' destinations
            c[0] = starts[c[0]] + c[1]
        del starts
        out = []
        for j, dtype in ((2, np.int32), (3, np.int64), (4, np.float64), (5, np.float64)):
            column = np.empty(total, dtype=dtype)
            for c in chunks:
                column[c[0]] = c[j]
                c[j] = None
            out.append(column)
        return out[0], out[1], out[2], out[3]


def _fast_match(buf: _Buffer, dstarts: np.ndarray, tmpl: _Template) -> np.ndarray:
    """Which records (by data start) have exactly the template's structure: every structural bit
    equal, so a protobuf parse of them would take the same path and differ only in payloads."""
    ok = np.ones(len(dstarts), dtype=bool)
    for w in range(len(tmpl.words)):
        m = tmpl.masks[w]
        if not m:
            continue
        got = buf.u64[dstarts + 8 * w]
        np.bitwise_xor(got, tmpl.words[w], out=got)
        np.bitwise_and(got, m, out=got)
        ok &= got == 0
    return ok


def _fast_crc(buf: _Buffer, dstarts: np.ndarray, tmpl: _Template) -> np.ndarray:
    """Data CRC check of records known to share the template's structure.

    Only the variable bytes can differ from the template, so ``crc = crc(template) ^ XOR of the
    contributions of the differing bytes``. For big groups the bytes are taken two at a time
    (64K-entry tables, one per byte pair) out of one 8-byte gather per word: about 10 lookups a
    record instead of a 45-step byte loop.
    """
    c = np.full(len(dstarts), tmpl.crc, dtype=np.uint32)
    if tmpl.tables is None:
        tmpl.tables = _position_tables(tmpl.length, tuple(tmpl.var_positions))
    tables = tmpl.tables
    if len(dstarts) < 1 << 14 or sys.byteorder != "little":
        # small groups (a sweep's many short files): every variable byte of every record in one
        # gather, one lookup in the stacked per-position tables, one XOR reduction per record
        if tmpl.stacked is None:
            positions = np.array(tmpl.var_positions, dtype=np.intp)
            tbytes = np.frombuffer(tmpl.words.tobytes(), dtype=np.uint8)[positions]
            tmpl.stacked = (positions, tbytes, np.stack([tables[p] for p in tmpl.var_positions]))
        positions, tbytes, stacked = tmpl.stacked
        delta = buf.arr[dstarts[:, None] + positions] ^ tbytes
        c ^= np.bitwise_xor.reduce(stacked[np.arange(len(positions)), delta], axis=1)
    else:
        zero = np.zeros(256, dtype=np.uint32)
        var = set(tmpl.var_positions)
        for w in sorted({p // 8 for p in var}):
            vmask = sum(0xFF << (8 * (p - 8 * w)) for p in var if p // 8 == w)
            delta = (buf.u64[dstarts + 8 * w] ^ tmpl.words[w]) & np.uint64(vmask)
            pairs = delta.view(np.uint16).reshape(-1, 4)
            for k in range(4):
                lo, hi = 8 * w + 2 * k, 8 * w + 2 * k + 1
                if lo not in var and hi not in var:
                    continue
                t16 = tmpl.pair_tables.get(lo)
                if t16 is None:
                    t16 = np.bitwise_xor.outer(tables.get(hi, zero), tables.get(lo, zero)).ravel()
                    tmpl.pair_tables[lo] = t16
                column = pairs[:, k]
                first = column[0]
                if not (column != first).any():  # e.g. the top bytes of wall_time: one lookup
                    c ^= t16[first]
                else:
                    c ^= t16[column]
    stored = buf.u32[dstarts + tmpl.length]
    return np.asarray(_mask_np(c) == stored)


def _bulk_crc(buf: _Buffer, dstarts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Data CRC check of records of any lengths: rows sorted by length, one column at a time over
    the rows still long enough (a shrinking prefix, so no masking)."""
    if not len(dstarts):
        return np.zeros(0, dtype=bool)
    table = _crc_table()
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
    ok = _mask_np(c) == buf.u32[st + ln]
    out = np.empty(len(st), dtype=bool)
    out[order] = ok
    return out


def decode(data: Buf, path: str = "<bytes>") -> EventScalars:
    """Every scalar point of an event file's bytes. Never raises for damaged content: bad records
    are skipped with a warning, a cut-off tail is silently ignored. Raises ``NotAnEventFile`` only
    when the bytes hold no TFRecord at all."""
    return _decode_buffer(_buffer_from_bytes(data), path)


class _Session:
    """Decoding state shared by the windows of one file: the points found so far, the problems,
    and the templates learned (so a window does not re-learn the layout the previous one saw).

    Templates are shared by every file this process reads (``_LEARNED``): the runs of a sweep log
    the same layouts, and learning them anew for each small file was most of its decoding time.
    A template is only a record layout; every record it catches is still structure- and
    CRC-checked, so sharing cannot mix files up."""

    def __init__(self, path: str) -> None:
        self.result = EventScalars(path=path)
        self.col = _Collector()
        self.problems: list[tuple[int, str]] = []
        if sum(len(t) for t in _LEARNED.values()) > _MAX_LEARNED:
            _LEARNED.clear()
        self.templates = _LEARNED
        self.rec_base = 0  # records decoded in earlier windows
        self.base = 0  # file offset of the current window

    def problem(self, at: int, msg: str) -> None:
        """``at`` is an offset in the current window; ``{at}`` in ``msg`` becomes the file offset."""
        at += self.base
        self.problems.append((at, msg.format(at=at)))

    def decode_records(self, buf: _Buffer, offs: np.ndarray, lens: np.ndarray) -> None:
        """Steps 2 and 3 for the records of one buffer (offsets relative to it)."""
        dstarts = offs + 12
        general: list[int] = []
        if len(lens):
            key = lens.astype(np.uint16) if int(lens.max()) < 1 << 16 else lens
            order = np.argsort(key, kind="stable")
            bounds = np.flatnonzero(np.diff(lens[order])) + 1
            del key
            for group in np.split(order, bounds):
                _decode_group(buf, group, int(lens[group[0]]), dstarts, general, self)
            del order, bounds
        _decode_general(buf, np.array(sorted(general), dtype=np.int64), offs, lens, self)
        self.rec_base += len(offs)

    def finish(self) -> EventScalars:
        """Step 4: points into write order, tags numbered in first-seen order, warnings."""
        result, col = self.result, self.col
        result.records = self.rec_base
        for learned in self.templates.values():
            for tmpl in learned:  # 256 KB each, worth it within a big file, not kept across files
                tmpl.pair_tables.clear()
        if col.chunks:
            ids, result.steps, result.wall_times, result.values = col.write_order(self.rec_base)
            # renumber tags in first-seen order (groups were decoded by length, not in file order)
            names = list(col.tag_index)
            present = np.zeros(len(names), dtype=bool)
            present[ids] = True
            first_at = np.full(len(names), len(ids), dtype=np.int64)
            np.minimum.at(first_at, ids, np.arange(len(ids), dtype=np.int64))
            seen = sorted(np.flatnonzero(present).tolist(), key=lambda t: int(first_at[t]))
            remap = np.zeros(len(names), dtype=np.int32)
            remap[seen] = np.arange(len(seen), dtype=np.int32)
            result.tag_ids = remap[ids]
            result.tags = [names[t] for t in seen]
        problems = sorted(self.problems)  # in file order, whichever path found them
        if problems:
            path = result.path
            result.bad_records = len(problems)
            shown = problems[:_MAX_WARNINGS]
            result.warnings = [f"{path}: {msg}" for _, msg in shown]
            if len(problems) > len(shown):
                result.warnings.append(f"{path}: ... and {len(problems) - len(shown)} more damaged records")
        return result


def _record_table(buf: _Buffer, session: _Session) -> tuple[np.ndarray, np.ndarray]:
    """Step 1 for a whole file: the record table, header CRCs checked, resynchronizing after a
    corrupted length; a cut-off tail is noted (``truncated``), not warned about."""
    raw, n = buf.raw, buf.n
    all_offs: list[np.ndarray] = []
    all_lens: list[np.ndarray] = []
    found = 0
    pos = 0
    while pos + 12 <= n:
        offs, lens, stop = _walk(buf, pos)
        bad = np.flatnonzero(~_header_crc_ok(buf, offs, lens))
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
                    session.result.truncated = True
            elif stop < n:
                session.result.truncated = True
        all_offs.append(offs)
        all_lens.append(lens)
        found += len(offs)
        if bad_at < 0:
            break
        if bad_at == 0 and not found:
            nxt = _resync(buf, 1, limit=1 << 20)
            if nxt is None:
                raise NotAnEventFile(f"{session.result.path}: not a TensorBoard event file (no valid record header)")
        else:
            nxt = _resync(buf, bad_at + 1)
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


def _decode_buffer(buf: _Buffer, path: str) -> EventScalars:
    """A whole file in memory (small files, bytes given by the caller, and damaged big files)."""
    session = _Session(path)
    if buf.n == 0:
        return session.result
    offs, lens = _record_table(buf, session)
    session.decode_records(buf, offs, lens)
    del buf, offs, lens  # free the bytes before the output columns are built
    return session.finish()


#: big files are read in windows of this size, so memory holds a window, not the file
_WINDOW = 8 << 20


def _decode_windows(path: Path) -> EventScalars | None:
    """A big file, window by window; records never straddle windows (a window ends at the last
    complete record, the rest is carried over). Returns None on any damaged record header: the
    caller then decodes the whole file at once, which knows how to resynchronize."""
    session = _Session(str(path))
    with path.open("rb") as fh:
        carry = np.zeros(0, dtype=np.uint8)
        want = _WINDOW
        while True:
            arr = np.zeros(len(carry) + want + 8, dtype=np.uint8)
            arr[: len(carry)] = carry
            got = fh.readinto(arr.data[len(carry) : len(carry) + want]) or 0
            n = len(carry) + got
            eof = got < want
            buf = _Buffer(arr, n)
            offs, lens, stop = _walk(buf, 0)
            if not _header_crc_ok(buf, offs, lens).all():
                return None
            need = 16
            if stop + 12 <= n:
                if masked_crc32c(buf.raw, stop, stop + 8) != int(buf.u32[stop + 8]):
                    return None
                need = 16 + int(buf.u64[stop])
            session.decode_records(buf, offs, lens)
            if eof:
                session.result.truncated = stop < n
                break
            carry = arr[stop:n].copy()
            session.base += stop
            want = max(_WINDOW, need - len(carry))
            del buf, arr, offs, lens
    return session.finish()


def _decode_group(
    buf: _Buffer,
    group: np.ndarray,
    length: int,
    dstarts: np.ndarray,
    general: list[int],
    session: _Session,
) -> None:
    """Fast path for one length group: the templates already known for this length first, then
    new ones learned from the first record left over; what no template fits goes to ``general``."""
    pending = group
    known = session.templates.setdefault(length, [])
    for learned in known[:_MAX_TEMPLATES_PER_GROUP]:
        if not len(pending):
            return
        pending = _apply(buf, pending, dstarts, learned, session)
    tries = 0
    while len(pending):
        if tries >= _MAX_TEMPLATES_PER_GROUP or len(pending) < 4:
            general.extend(pending.tolist())
            return
        first = int(pending[0])
        ds = int(dstarts[first])
        try:
            parsed = parse_event(buf.raw, ds, ds + length)
            tmpl = _make_template(buf.raw, ds, length, parsed)
        except (_Malformed, IndexError, struct.error):
            tmpl = None
        if tmpl is None:
            general.append(first)
            pending = pending[1:]
            continue
        tries += 1
        before = len(pending)
        pending = _apply(buf, pending, dstarts, tmpl, session)
        caught = before - len(pending)
        if caught >= 64 and len(known) < _MAX_TEMPLATES_PER_GROUP:
            known.append(tmpl)
        if 2 * caught < before and len(pending) >= 64:
            # Many tags share this layout (per-layer norms, per-class metrics): one template with
            # the tag bytes as payload catches them all, where a template per tag would run out.
            wild = _make_template(buf.raw, ds, length, parsed, wild=True)
            if wild is not None:
                before = len(pending)
                pending = _apply(buf, pending, dstarts, wild, session)
                if before - len(pending) >= 64 and len(known) < _MAX_TEMPLATES_PER_GROUP:
                    known.append(wild)


def _apply(buf: _Buffer, pending: np.ndarray, dstarts: np.ndarray, tmpl: _Template, session: _Session) -> np.ndarray:
    """Decode the records of ``pending`` that fit ``tmpl``; return the others."""
    rest = []
    for b in range(0, len(pending), _BLOCK):  # blocks bound the temporaries' memory
        block = pending[b : b + _BLOCK]
        starts = dstarts[block]
        match = _fast_match(buf, starts, tmpl)
        rest.append(block[~match])
        if match.any():
            _extract(buf, block[match], starts[match], tmpl, session)
    return np.concatenate(rest) if len(rest) > 1 else rest[0]


def _extract(buf: _Buffer, rec: np.ndarray, st: np.ndarray, tmpl: _Template, session: _Session) -> None:
    """Check the CRCs of records matching a template and pull out their points."""
    crc_ok = _fast_crc(buf, st, tmpl)
    if not crc_ok.all():
        for i in np.flatnonzero(~crc_ok).tolist():
            session.problem(int(st[i]) - 12, "bad data CRC in record at byte offset {at}; record skipped")
        rec, st = rec[crc_ok], st[crc_ok]
    if not len(rec):
        return
    for p in tmpl.points:  # a template may come from another file: its plugins hold here too
        if p.plugin and p.tag_pos < 0:
            session.result.plugins.setdefault(p.tag, p.plugin)
    col = session.col
    rec = rec + session.rec_base
    wall = buf.u64[st + tmpl.wall_pos].view(np.float64) if tmpl.wall_pos is not None else np.zeros(len(st))
    if tmpl.step_pos is not None:
        step = _varints(buf, st + tmpl.step_pos, tmpl.step_width).view(np.int64)
    else:
        step = np.zeros(len(st), dtype=np.int64)
    for sub, p in enumerate(tmpl.points):
        if p.varint:
            bits = _varints(buf, st + p.pos, p.width)
        else:
            bits = buf.u64[st + p.pos]
            if p.width < 8:
                bits &= np.uint64((1 << (8 * p.width)) - 1)
        tag: int | np.ndarray = col.tag_id(p.tag) if p.tag_pos < 0 else _tag_ids(buf, st, p, session)
        col.add(rec, sub, tag, step, wall, convert_raw(bits, p.kind))


def _tag_ids(buf: _Buffer, st: np.ndarray, p: _Point, session: _Session) -> np.ndarray:
    """The tag id of each record matched by a wild template, the distinct tags decoded once.

    The tag bytes are gathered as uint64 words and hashed to one uint64 per record, so finding
    the distinct tags is a sort of integers (a sort of byte rows is several times slower). Every
    record's words are then compared with its representative's, so a hash collision can never
    merge two tags: it sends the block to the byte-row path instead.
    """
    if p.tag_len == 0:
        return np.full(len(st), session.col.tag_id(""), dtype=np.int32)
    base = st + p.tag_pos
    words = []
    for k in range(0, p.tag_len, 8):
        w = buf.u64[base + k]
        if p.tag_len - k < 8:
            w = w & np.uint64((1 << (8 * (p.tag_len - k))) - 1)
        words.append(w)
    h = words[0].copy()
    for w in words[1:]:
        h *= np.uint64(_TAG_HASH)
        h ^= w
    _, first, inverse = np.unique(h, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    if not all(np.array_equal(w, w[first][inverse]) for w in words):
        rows = np.ascontiguousarray(buf.arr[base[:, None] + np.arange(p.tag_len)])
        keys = rows.view(np.dtype((np.void, p.tag_len))).ravel()
        _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        inverse = inverse.reshape(-1)
    ids = np.empty(len(first), dtype=np.int32)
    for i, at in enumerate(base[first].tolist()):
        tag = bytes(buf.arr[at : at + p.tag_len]).decode("utf-8", "replace")
        ids[i] = session.col.tag_id(tag)
        if p.plugin:
            session.result.plugins.setdefault(tag, p.plugin)
    return ids[inverse]


def _decode_general(
    buf: _Buffer,
    recs: np.ndarray,
    offs: np.ndarray,
    lens: np.ndarray,
    session: _Session,
) -> None:
    """Record by record. CRCs are checked in one bulk pass, except for big records that carry
    nothing we use (see ``_UNCHECKED_BIG``)."""
    if not len(recs):
        return
    raw = buf.raw
    parsed: list[_Parsed | None] = []
    for r in recs.tolist():
        ds = int(offs[r]) + 12
        try:
            parsed.append(parse_event(raw, ds, ds + int(lens[r])))
        except (_Malformed, IndexError, struct.error):
            parsed.append(None)
    useful = np.array([p is None or bool(p.points or p.hparams or p.plugins) for p in parsed], dtype=bool)
    rl = lens[recs]
    check = useful | (rl <= _UNCHECKED_BIG)
    ok = np.ones(len(recs), dtype=bool)
    small = check & (rl <= _UNCHECKED_BIG)
    idx = np.flatnonzero(small)
    ok[idx] = _bulk_crc(buf, offs[recs[idx]] + 12, rl[idx])
    for i in np.flatnonzero(check & ~small).tolist():
        ds = int(offs[recs[i]]) + 12
        ok[i] = masked_crc32c(raw, ds, ds + int(rl[i])) == int(buf.u32[ds + int(rl[i])])
    result, col, rec_base = session.result, session.col, session.rec_base
    by_kind: dict[int, list[tuple[int, int, int, int, float, int]]] = {}
    for i, (r, p) in enumerate(zip(recs.tolist(), parsed, strict=True)):
        if not ok[i]:
            session.problem(int(offs[r]), "bad data CRC in record at byte offset {at}; record skipped")
            continue
        if p is None:
            session.problem(int(offs[r]), "malformed event in record at byte offset {at}; record skipped")
            continue
        if p.file_version is not None and result.file_version is None:
            result.file_version = p.file_version
        for tag, plugin in p.plugins:
            result.plugins.setdefault(tag, plugin)
        if p.hparams:
            result.hparams.update(p.hparams)
        for sub, pt in enumerate(p.points):
            by_kind.setdefault(pt.kind, []).append((rec_base + r, sub, col.tag_id(pt.tag), p.step, p.wall, pt.raw))
    for kind, rows in by_kind.items():
        r_, s_, t_, st_, w_, raw_ = zip(*rows, strict=True)
        col.add(
            np.array(r_, dtype=np.int64),
            np.array(s_, dtype=np.int32),
            np.array(t_, dtype=np.int32),
            np.array(st_, dtype=np.int64),
            np.array(w_, dtype=np.float64),
            convert_raw(np.array(raw_, dtype=np.uint64), kind),
        )


def read_file(path: str | Path) -> EventScalars:
    """Read one event file (see ``decode``): window by window when it is big."""
    p = Path(path)
    if p.stat().st_size > 2 * _WINDOW:
        windowed = _decode_windows(p)
        if windowed is not None:
            return windowed
    return _decode_buffer(_buffer_from_file(p), str(p))


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
