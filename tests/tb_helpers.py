"""Write TensorBoard event files at test time with the real writers, and read them back with
TensorBoard's own reader, so that tests compare losslog with the reference point for point."""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

Point = tuple[int, float, float]  # (step, wall_time, value)


def tbx_write(logdir: Path, points: Iterable[tuple[str, float, int]]) -> Path:
    """tensorboardX ``add_scalar`` (TF1/PyTorch style ``simple_value``); returns the event file."""
    from tensorboardX import SummaryWriter

    logdir.mkdir(parents=True, exist_ok=True)
    before = set(logdir.iterdir())
    writer = SummaryWriter(str(logdir), max_queue=10_000, flush_secs=3600)
    for tag, value, step in points:
        writer.add_scalar(tag, value, step)
    writer.close()
    (new,) = [p for p in logdir.iterdir() if p not in before and p.is_file()]
    return new


def scalar_tensor_event(
    tag: str,
    step: int,
    value: Any,
    dtype: str = "float",
    form: str = "typed",
    wall_time: float = 1_700_000_000.25,
    metadata: bool = True,
) -> Any:
    """A TF2/Keras tensor scalar: rank-0 ``TensorProto`` with plugin ``scalars`` metadata (which TF2
    writes only on a tag's first event). ``form`` is "typed" (float_val, double_val, half_val,
    int_val ...) or "content" (raw little-endian ``tensor_content``)."""
    from tensorboard.compat.proto import event_pb2, summary_pb2, tensor_pb2, types_pb2

    np_types = {
        "float": (types_pb2.DT_FLOAT, np.float32),
        "double": (types_pb2.DT_DOUBLE, np.float64),
        "half": (types_pb2.DT_HALF, np.float16),
        "bfloat16": (types_pb2.DT_BFLOAT16, None),
        "int32": (types_pb2.DT_INT32, np.int32),
        "int64": (types_pb2.DT_INT64, np.int64),
        "int8": (types_pb2.DT_INT8, np.int8),
        "uint8": (types_pb2.DT_UINT8, np.uint8),
        "bool": (types_pb2.DT_BOOL, np.bool_),
    }
    dt, np_type = np_types[dtype]
    tp = tensor_pb2.TensorProto(dtype=dt)
    tp.tensor_shape.SetInParent()  # rank 0
    if dtype == "bfloat16":
        bits = int(value)  # the caller passes the 16 bfloat16 bits
        if form == "content":
            tp.tensor_content = bits.to_bytes(2, "little")
        else:
            tp.half_val.append(bits)
    elif form == "content":
        assert np_type is not None
        tp.tensor_content = np.array(value, dtype=np_type).tobytes()
    else:
        assert np_type is not None
        v = np.array(value, dtype=np_type)
        if dtype == "float":
            tp.float_val.append(float(v))
        elif dtype == "double":
            tp.double_val.append(float(v))
        elif dtype == "half":
            tp.half_val.append(int(v.view(np.uint16)))
        elif dtype in ("int32", "int8", "uint8"):
            tp.int_val.append(int(v))
        elif dtype == "int64":
            tp.int64_val.append(int(v))
        elif dtype == "bool":
            tp.bool_val.append(bool(v))
    val = summary_pb2.Summary.Value(tag=tag, tensor=tp)
    if metadata:
        val.metadata.plugin_data.plugin_name = "scalars"
        val.metadata.data_class = summary_pb2.DATA_CLASS_SCALAR
    return event_pb2.Event(wall_time=wall_time, step=step, summary=summary_pb2.Summary(value=[val]))


def simple_value_event(tags_values: Sequence[tuple[str, float]], step: int, wall_time: float = 1.5e9) -> Any:
    """One Event holding several simple_value scalars (TF1 merged summaries do this)."""
    from tensorboard.compat.proto import event_pb2, summary_pb2

    values = [summary_pb2.Summary.Value(tag=t, simple_value=v) for t, v in tags_values]
    return event_pb2.Event(wall_time=wall_time, step=step, summary=summary_pb2.Summary(value=values))


def tb_write(logdir: Path, events: Iterable[Any], name: str | None = None) -> Path:
    """TensorBoard's own ``EventFileWriter`` (writes the file_version record first)."""
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    logdir.mkdir(parents=True, exist_ok=True)
    tmp = logdir / ".tmp_writer"
    writer = EventFileWriter(str(tmp), max_queue_size=100_000)
    for e in events:
        writer.add_event(e)
    writer.close()
    (written,) = list(tmp.iterdir())
    target = logdir / (name or written.name)
    shutil.move(str(written), target)
    tmp.rmdir()
    return target


def reference(path: Path) -> dict[str, list[Point]]:
    """What TensorBoard's own reader returns: EventAccumulator with every point kept; simple_value
    scalars from ``Scalars``, rank-0 numeric tensors from ``Tensors`` via ``make_ndarray``."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from tensorboard.util import tensor_util

    ea = EventAccumulator(str(path), size_guidance={"scalars": 0, "tensors": 0, "histograms": 1, "images": 1})
    ea.Reload()
    out: dict[str, list[Point]] = {}
    for tag in ea.Tags()["scalars"]:
        out[tag] = [(e.step, e.wall_time, e.value) for e in ea.Scalars(tag)]
    for tag in ea.Tags()["tensors"]:
        rows = []
        for e in ea.Tensors(tag):
            arr = tensor_util.make_ndarray(e.tensor_proto)
            if arr.shape == () and arr.dtype.kind in "fiub":
                rows.append((e.step, e.wall_time, float(arr)))
        if rows:
            out[tag] = rows
    return out


def decoded(path: Path) -> dict[str, list[Point]]:
    """losslog's decoder, in the same shape as ``reference``."""
    from losslog.readers.tfevents import read_file

    ev = read_file(path)
    out: dict[str, list[Point]] = {}
    for tag, idx in ev.series():
        out[tag] = list(zip(ev.steps[idx].tolist(), ev.wall_times[idx].tolist(), ev.values[idx].tolist(), strict=True))
    return out


def same_points(a: dict[str, list[Point]], b: dict[str, list[Point]]) -> bool:
    """Exact equality, NaN equal to NaN."""
    if set(a) != set(b):
        return False
    for tag in a:
        x = np.array(a[tag], dtype=np.float64).reshape(-1, 3)
        y = np.array(b[tag], dtype=np.float64).reshape(-1, 3)
        if x.shape != y.shape or not np.array_equal(x, y, equal_nan=True):
            return False
    return True
