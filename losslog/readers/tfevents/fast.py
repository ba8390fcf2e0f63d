"""Steps 2 and 3 on the bulk fast path: records of one length that share a template's structure
are matched, CRC-checked and decoded together, one numpy gather per 8-byte word.

CRC32C is linear over GF(2), so for records of equal length ``crc(a) ^ crc(b) == lin(a ^ b)``:
a record's CRC is the template's CRC plus per-position tables over the bytes that differ.
"""

from __future__ import annotations

import struct
import sys

import numpy as np

from losslog.readers.tfevents.crc import mask_np, position_tables
from losslog.readers.tfevents.layouts import Template, make_template
from losslog.readers.tfevents.records import Buffer
from losslog.readers.tfevents.session import Session
from losslog.readers.tfevents.wire import Malformed, Point, convert_raw, parse_event

#: templates tried within one length group before the rest is decoded record by record
_MAX_TEMPLATES_PER_GROUP = 16
#: multiplier mixing a tag's uint64 words into one hash (odd: a bijection on each step)
_TAG_HASH = 0x9E3779B97F4A7C15
#: records matched and extracted at a time (bounds temporary arrays to a few MB each)
_BLOCK = 1 << 17


def decode_group(
    buf: Buffer,
    group: np.ndarray,
    length: int,
    dstarts: np.ndarray,
    general: list[int],
    session: Session,
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
            tmpl = make_template(buf.raw, ds, length, parsed)
        except (Malformed, IndexError, struct.error):
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
            wild = make_template(buf.raw, ds, length, parsed, wild=True)
            if wild is not None:
                before = len(pending)
                pending = _apply(buf, pending, dstarts, wild, session)
                if before - len(pending) >= 64 and len(known) < _MAX_TEMPLATES_PER_GROUP:
                    known.append(wild)


def _apply(buf: Buffer, pending: np.ndarray, dstarts: np.ndarray, tmpl: Template, session: Session) -> np.ndarray:
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


def _extract(buf: Buffer, rec: np.ndarray, st: np.ndarray, tmpl: Template, session: Session) -> None:
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


def _tag_ids(buf: Buffer, st: np.ndarray, p: Point, session: Session) -> np.ndarray:
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


def _fast_match(buf: Buffer, dstarts: np.ndarray, tmpl: Template) -> np.ndarray:
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


def _fast_crc(buf: Buffer, dstarts: np.ndarray, tmpl: Template) -> np.ndarray:
    """Data CRC check of records known to share the template's structure.

    Only the variable bytes can differ from the template, so ``crc = crc(template) ^ XOR of the
    contributions of the differing bytes``. For big groups the bytes are taken two at a time
    (64K-entry tables, one per byte pair) out of one 8-byte gather per word: about 10 lookups a
    record instead of a 45-step byte loop.
    """
    c = np.full(len(dstarts), tmpl.crc, dtype=np.uint32)
    if tmpl.tables is None:
        tmpl.tables = position_tables(tmpl.length, tuple(tmpl.var_positions))
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
    return np.asarray(mask_np(c) == stored)


def _varints(buf: Buffer, pos: np.ndarray, width: int) -> np.ndarray:
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
