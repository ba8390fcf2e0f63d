"""Record layouts ("templates") for the bulk fast path, and the process-wide cache of the layouts
learned so far.

A template is one record's bytes with the payload positions (wall time, step, values and, when
``wild``, the tags) marked variable: a record of the same length matching every other bit parses
the same way, so its payloads can be gathered in bulk (``fast``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from losslog.readers.tfevents.crc import Buf, crc32c
from losslog.readers.tfevents.wire import Parsed, Point


@dataclass
class Template:
    length: int
    words: np.ndarray  # uint64 template words (record bytes padded to a multiple of 8)
    masks: np.ndarray  # uint64: 1 bits are structural and must match
    wall_pos: int | None
    step_pos: int | None
    step_width: int
    points: list[Point]  # positions relative to the record's data start
    var_positions: list[int]
    crc: int
    #: CRC contribution tables, built on first use and kept for the next blocks
    tables: dict[int, np.ndarray] | None = None
    pair_tables: dict[int, np.ndarray] = field(default_factory=dict)
    #: (variable positions, the template's bytes there, their tables stacked) for small groups
    stacked: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    #: the tags' bytes are payload, not structure: one template for many tags of one length
    wild: bool = False


def make_template(raw: Buf, dstart: int, length: int, parsed: Parsed, wild: bool = False) -> Template | None:
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
        points.append(Point(p.tag, 0, p.kind, rel, p.width, p.varint, tag_rel, p.tag_len, p.plugin))
    return Template(
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


#: record layouts learned so far, by record length, shared across files (see ``learned_layouts``)
_LEARNED: dict[int, list[Template]] = {}
#: when more layouts than this are known, they are forgotten and learned again as needed
_MAX_LEARNED = 256


def learned_layouts() -> dict[int, list[Template]]:
    """The process-wide layout cache, emptied first when it has grown past ``_MAX_LEARNED``.

    This dict is the decoder's only mutable state that outlives a file (besides the read-only
    ``lru_cache`` tables in ``crc``). The runs of a sweep log the same layouts, and learning them
    anew for each small file was most of its decoding time. A template is only a record layout;
    every record it catches is still structure- and CRC-checked, so sharing cannot mix files up."""
    if sum(len(t) for t in _LEARNED.values()) > _MAX_LEARNED:
        _LEARNED.clear()
    return _LEARNED
