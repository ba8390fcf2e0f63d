"""The general record-by-record decoder: the reference the fast path must agree with, used for
everything off it (the file_version record, hparams, histograms, images, odd layouts).
"""

from __future__ import annotations

import struct

import numpy as np

from losslog.readers.tfevents.crc import masked_crc32c
from losslog.readers.tfevents.records import Buffer, bulk_crc
from losslog.readers.tfevents.session import Session
from losslog.readers.tfevents.wire import Malformed, Parsed, convert_raw, parse_event

#: records longer than this that carry nothing we use (images, graphs) are not CRC-checked:
#: a pure-Python CRC of a 100 KB image costs ~15 ms and the bytes would be thrown away anyway.
_UNCHECKED_BIG = 4096


def decode_general(
    buf: Buffer,
    recs: np.ndarray,
    offs: np.ndarray,
    lens: np.ndarray,
    session: Session,
) -> None:
    """Record by record. CRCs are checked in one bulk pass, except for big records that carry
    nothing we use (see ``_UNCHECKED_BIG``)."""
    if not len(recs):
        return
    raw = buf.raw
    parsed: list[Parsed | None] = []
    for r in recs.tolist():
        ds = int(offs[r]) + 12
        try:
            parsed.append(parse_event(raw, ds, ds + int(lens[r])))
        except (Malformed, IndexError, struct.error):
            parsed.append(None)
    useful = np.array([p is None or bool(p.points or p.hparams or p.plugins) for p in parsed], dtype=bool)
    rl = lens[recs]
    check = useful | (rl <= _UNCHECKED_BIG)
    ok = np.ones(len(recs), dtype=bool)
    small = check & (rl <= _UNCHECKED_BIG)
    idx = np.flatnonzero(small)
    ok[idx] = bulk_crc(buf, offs[recs[idx]] + 12, rl[idx])
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
