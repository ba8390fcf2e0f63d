"""Arrow arrays built from numpy buffers directly.

``pyarrow.array()`` probes every input for pandas objects, and the probe imports pandas: 0.35 s
and about 100 MB, for an export that never needs it. ``Array.from_buffers`` takes the numpy
memory as it is (no copy, no probe). Only the few array kinds the exporters need are here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def _validity(pa: Any, missing: np.ndarray | None) -> tuple[Any, int]:
    if missing is None or not missing.any():
        return None, 0
    return pa.py_buffer(np.packbits(~missing, bitorder="little")), int(missing.sum())


def numbers(pa: Any, values: np.ndarray, missing: np.ndarray | None = None) -> Any:
    """A float64, int64 or int32 array over ``values``; ``missing`` marks nulls."""
    values = np.ascontiguousarray(values)
    kind = {np.dtype(np.float64): pa.float64(), np.dtype(np.int64): pa.int64(), np.dtype(np.int32): pa.int32()}
    validity, nulls = _validity(pa, missing)
    return pa.Array.from_buffers(kind[values.dtype], len(values), [validity, pa.py_buffer(values)], null_count=nulls)


def booleans(pa: Any, mask: np.ndarray) -> Any:
    """A boolean array (Arrow packs booleans as bits)."""
    bits = pa.py_buffer(np.packbits(np.asarray(mask, dtype=bool), bitorder="little"))
    return pa.Array.from_buffers(pa.bool_(), len(mask), [None, bits], null_count=0)


def strings(pa: Any, texts: Sequence[str]) -> Any:
    """A string array of ``texts`` (a short list: one entry per series)."""
    encoded = [t.encode("utf-8") for t in texts]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int32)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    data = pa.py_buffer(b"".join(encoded))
    return pa.Array.from_buffers(pa.string(), len(encoded), [None, pa.py_buffer(offsets), data], null_count=0)


def dictionary(pa: Any, codes: np.ndarray, texts: Sequence[str]) -> Any:
    """A dictionary-encoded string column: ``codes`` index ``texts``."""
    return pa.DictionaryArray.from_arrays(numbers(pa, codes.astype(np.int32)), strings(pa, texts))


def string_bytes(array: Any) -> memoryview:
    """The characters of a string array back to back: its data buffer between its first and last
    offsets (no copy). Arrays made by compute kernels have no nulls here; a null adds nothing."""
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int32)[array.offset : array.offset + len(array) + 1]
    data = array.buffers()[2]
    if data is None or not len(offsets):
        return memoryview(b"")
    return memoryview(data)[int(offsets[0]) : int(offsets[-1])]
