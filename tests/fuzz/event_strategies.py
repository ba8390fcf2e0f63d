"""Structure-aware hostile TensorBoard event files: TFRecords with valid CRCs around hostile
content (lengths that lie, payloads that are no Event, scalar events with hostile tags and values),
plus flipped and cut bytes. Built by hand from the wire format, so every byte is under control."""

from __future__ import annotations

import struct

from hypothesis import strategies as st

from losslog.readers.tfevents import masked_crc32c
from tests.fuzz.strategies import Folder


def _varint(n: int) -> bytes:
    out = bytearray()
    n &= (1 << 64) - 1
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _field(number: int, wire: int, payload: bytes) -> bytes:
    key = _varint(number << 3 | wire)
    if wire == 2:
        return key + _varint(len(payload)) + payload
    return key + payload


def record(data: bytes) -> bytes:
    """One TFRecord with correct CRCs around ``data``."""
    head = struct.pack("<Q", len(data))
    return head + struct.pack("<I", masked_crc32c(head)) + data + struct.pack("<I", masked_crc32c(data))


def scalar_event(tag: bytes, value: float, step: int, wall: float) -> bytes:
    """An Event with one ``simple_value`` (what tensorboardX and TF1 write)."""
    val = _field(1, 2, tag) + _field(2, 5, struct.pack("<f", value))
    summary = _field(1, 2, val)
    return _field(1, 1, struct.pack("<d", wall)) + _field(2, 0, _varint(step)) + _field(5, 2, summary)


VERSION = record(_field(1, 1, struct.pack("<d", 1.7e9)) + _field(3, 2, b"brain.Event:2"))

_TAGS = st.one_of(
    st.sampled_from([b"loss", b"val/loss", b"train/accuracy", b"epoch"]),
    st.binary(max_size=40),  # not UTF-8, control bytes, empty
    st.text(max_size=30).map(lambda t: t.encode("utf-8", "surrogatepass")),
)
_VALUES = st.one_of(
    st.floats(width=32, allow_nan=True, allow_infinity=True), st.sampled_from([0.0, -0.0, 1e38, -1e-45])
)
_STEPS = st.one_of(st.integers(0, 10_000), st.integers(-(2**63), 2**64 - 1))


@st.composite
def _piece(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["scalar", "scalar", "scalar", "payload", "liar", "junk"]))
    if kind == "scalar":
        return record(scalar_event(draw(_TAGS), draw(_VALUES), draw(_STEPS), draw(st.floats(0, 2e9))))
    if kind == "payload":  # a record whose data is no Event (random, or a truncated Event)
        return record(draw(st.binary(max_size=64)))
    if kind == "liar":  # a sound header claiming more than there is
        length = draw(st.sampled_from([2**63, 2**64 - 1, 2**32, 10_000_000, 70_000]))
        head = struct.pack("<Q", length)
        return head + struct.pack("<I", masked_crc32c(head)) + draw(st.binary(max_size=16))
    return draw(st.binary(max_size=24))


@st.composite
def hostile_event_file(draw: st.DrawFn) -> Folder:
    pieces = [VERSION, *draw(st.lists(_piece(), max_size=40))]
    data = bytearray(b"".join(pieces))
    for _ in range(draw(st.integers(0, 3))):  # flipped bytes anywhere
        if data:
            at = draw(st.integers(0, len(data) - 1))
            data[at] ^= draw(st.integers(1, 255))
    if draw(st.booleans()) and data:  # a writer still running: the tail cut anywhere
        data = data[: draw(st.integers(1, len(data)))]
    return Folder({"run/events.out.tfevents.1700000000.fuzz": bytes(data)}, kind="event-file")
