"""The protobuf wire format of one ``tensorflow.Event``, read by hand: varints, fields, and the few
messages a loss curve needs (wall_time, step, summary.value[].{tag, simple_value, tensor,
metadata}, the HParams plugin's session_start_info).

``parse_event`` is the general decoder's reference parse and the source of every fast-path
template; positions it records (``Point.pos``, ``Parsed.step_pos``...) are what templates are
made of. ``convert_raw`` turns stored bits into float64 exactly as TensorBoard's ``make_ndarray``.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from losslog.readers.tfevents.crc import Buf

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


class Malformed(Exception):
    pass


def _varint(buf: Buf, pos: int, end: int) -> tuple[int, int]:
    result = 0
    shift = 0
    while True:
        if pos >= end or shift > 63:
            raise Malformed
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
        raise Malformed
    if pos > end:
        raise Malformed
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
                raise Malformed
            yield num, wire, start, stop
            pos = stop
        else:
            stop = _skip(buf, pos, end, wire)
            yield num, wire, pos, stop
            pos = stop
    if pos != end:
        raise Malformed


@dataclass
class Point:
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
class Parsed:
    wall: float = 0.0
    wall_pos: int | None = None
    step: int = 0
    step_pos: int | None = None
    step_width: int = 0
    points: list[Point] = field(default_factory=list)
    hparams: dict[str, Any] | None = None
    plugins: list[tuple[str, str]] = field(default_factory=list)
    file_version: str | None = None
    #: only wall_time, step and scalar summary values: eligible as a fast-path template
    simple: bool = True


def _parse_tensor(buf: Buf, start: int, end: int, tag: str) -> Point | None:
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
        return Point(tag, int.from_bytes(buf[s : s + width], "little"), kind, s, width, False)
    fnum, fkind = _TYPED_FIELD[dtype]
    if fnum not in typed:
        return Point(tag, 0, fkind, -1, 0, False)  # no values: make_ndarray gives zeros
    wire, s, e = typed[fnum]
    if fnum == 5:  # float_val: packed (wire 2) or one fixed32 (wire 5)
        if e - s < 4 or wire not in (2, 5):
            raise Malformed
        return Point(tag, int.from_bytes(buf[s : s + 4], "little"), F32, s, 4, False)
    if fnum == 6:
        if e - s < 8 or wire not in (2, 1):
            raise Malformed
        return Point(tag, int.from_bytes(buf[s : s + 8], "little"), F64, s, 8, False)
    if wire not in (0, 2) or e <= s:
        raise Malformed
    raw, stop = _varint(buf, s, e)
    return Point(tag, raw, fkind, s, stop - s, True)


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


def _parse_value(buf: Buf, start: int, end: int, out: Parsed) -> None:
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
    point: Point | None = None
    if simple is not None:
        s = simple[0]
        point = Point(tag, int.from_bytes(buf[s : s + 4], "little"), F32, s, 4, False)
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


def parse_event(buf: Buf, start: int, end: int) -> Parsed:
    """Decode one serialized Event from ``buf[start:end]`` (raises Malformed)."""
    out = Parsed()
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
