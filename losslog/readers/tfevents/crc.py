"""CRC32C (Castagnoli, reflected polynomial 0x82F63B78) as TFRecord uses it: pure Python for one
header or record, numpy tables for the bulk paths.

The tables are cached process-wide (``lru_cache``): they depend only on the polynomial (and, for
``position_tables``, on a record layout), are never mutated by callers, and building them was the
largest cost of reading many small files.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

#: anything the decoder reads bytes from
Buf = bytes | bytearray | memoryview

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
def crc_table() -> np.ndarray:
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


def mask_np(c: np.ndarray) -> np.ndarray:
    c = c.astype(np.uint32, copy=False)
    return ((c >> np.uint32(15)) | (c << np.uint32(17))) + np.uint32(_MASK_DELTA)


@lru_cache(maxsize=256)
def position_tables(length: int, positions: tuple[int, ...]) -> dict[int, np.ndarray]:
    """For a message of ``length`` bytes, the linear CRC contribution of each byte value at each of
    ``positions``: ``crc(msg ^ delta) == crc(msg) ^ XOR_j table[j][delta[j]]``.

    Cached: a sweep of 200 runs logs the same layouts 200 times, and building the tables
    (about 0.1 ms a position) was the largest cost of reading many small files. Callers only
    read the tables."""
    table = crc_table()
    out: dict[int, np.ndarray] = {}
    wanted = {length - 1 - p: p for p in positions}
    c = table.copy()  # contribution of a byte at the last position (0 zero bytes after it)
    for shift in range(max(wanted) + 1 if wanted else 0):
        if shift in wanted:
            out[wanted[shift]] = c.copy()
        c = table[c & np.uint32(0xFF)] ^ (c >> np.uint32(8))
    return out
