"""TensorBoard event files: losslog against TensorBoard's own reader, on files written at test time
by tensorboardX and by TensorBoard's own EventFileWriter; damage, restarts, layouts, hparams."""

from __future__ import annotations

import math
import struct
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from losslog.errors import ParseError
from losslog.readers import registry, tfevents
from losslog.readers.base import make_probe
from losslog.readers.discover import discover
from losslog.readers.tensorboard import TensorBoardDirReader, TensorBoardFileReader
from losslog.readers.tfevents import fast, reader
from tests.tb_helpers import (
    decoded,
    reference,
    same_points,
    scalar_tensor_event,
    simple_value_event,
    tb_write,
    tbx_write,
)

STEPS_OF_EVERY_WIDTH = [0, 1, 127, 128, 300, 16_383, 16_384, 70_000, 2**21, 2**31 + 5, 2**40]


def _records(path: Path) -> list[tuple[int, int]]:
    """(offset, data length) of every record, walked naively: the tests' own ground truth."""
    data = path.read_bytes()
    out, off = [], 0
    while off + 12 <= len(data):
        (ln,) = struct.unpack_from("<Q", data, off)
        out.append((off, ln))
        off += 16 + ln
    return out


# --------------------------------------------------------------------------------------------
# Point for point against TensorBoard's reader
# --------------------------------------------------------------------------------------------


def test_tensorboardx_simple_values_equal_tensorboard_reader(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    points = []
    for step in range(400):
        for tag in ("train/loss", "val/loss", "accuracy", "lr"):
            points.append((tag, float(rng.standard_normal()), step))
    for step in STEPS_OF_EVERY_WIDTH:  # varint widths 1..6 bytes
        points.append(("wide/step", float(rng.standard_normal()), step))
    points += [("special", v, i) for i, v in enumerate([math.nan, math.inf, -math.inf, 0.0, -0.0, 1e-45, 3.4e38])]
    path = tbx_write(tmp_path / "run", points)

    ref = reference(path)
    got = decoded(path)
    assert same_points(got, ref)
    assert len(got["train/loss"]) == 400 and got["train/loss"][0][0] == 0  # step 0 kept, never sampled
    assert [p[0] for p in got["wide/step"]] == STEPS_OF_EVERY_WIDTH


@pytest.mark.parametrize(
    ("dtype", "form"),
    [
        ("float", "typed"),
        ("float", "content"),
        ("double", "typed"),
        ("double", "content"),
        ("half", "typed"),
        ("half", "content"),
        ("int32", "typed"),
        ("int32", "content"),
        ("int64", "typed"),
        ("int64", "content"),
        ("int8", "typed"),
        ("uint8", "content"),
        ("bool", "typed"),
    ],
)
def test_tensor_scalars_equal_tensorboard_reader(tmp_path: Path, dtype: str, form: str) -> None:
    rng = np.random.default_rng(2)
    events = []
    for step in range(60):  # enough records for the bulk path, plus the first with metadata
        for tag in ("epoch_loss", "epoch_accuracy"):
            if dtype in ("float", "double", "half"):
                value: float | int | bool = float(rng.standard_normal() * 10)
            elif dtype == "bool":
                value = bool(step % 3)
            elif dtype == "uint8":
                value = int(rng.integers(0, 256))
            elif dtype == "int8":
                value = int(rng.integers(-128, 128))
            else:
                value = int(rng.integers(-(2**31), 2**31))
            events.append(scalar_tensor_event(tag, step, value, dtype, form, 1.7e9 + step, metadata=step == 0))
    path = tb_write(tmp_path / "run", events)
    ref = reference(path)
    assert set(ref) == {"epoch_loss", "epoch_accuracy"}
    assert same_points(decoded(path), ref)
    _assert_general_path_agrees(path, tfevents.read_file(path))


def test_metadata_on_every_event_like_torch_new_style(tmp_path: Path) -> None:
    events = [scalar_tensor_event("loss", i, 1.0 / (i + 1), "float", "typed", 1.0 + i) for i in range(50)]
    path = tb_write(tmp_path / "run", events)
    ev = tfevents.read_file(path)
    assert same_points(decoded(path), reference(path))
    assert ev.plugins == {"loss": "scalars"}
    _assert_general_path_agrees(path, ev)


@pytest.mark.parametrize("form", ["typed", "content"])
def test_bfloat16_tensor_scalars(tmp_path: Path, form: str) -> None:
    # TensorBoard's make_ndarray cannot build a bfloat16 array without TensorFlow, so the expected
    # value is computed from the bits: bfloat16 is the top half of a float32.
    bits = [0x3F80, 0xBF80, 0x3DCD, 0x7F80, 0xFF80, 0x7FC0, 0x0001, 0x4049] * 3
    events = [scalar_tensor_event("loss", i, b, "bfloat16", form, 1.0 + i, metadata=i == 0) for i, b in enumerate(bits)]
    path = tb_write(tmp_path / "run", events)
    got = decoded(path)["loss"]
    expected = np.array(bits, dtype=np.uint32).__lshift__(16).view(np.float32).astype(np.float64)
    assert np.array_equal(np.array([p[2] for p in got]), expected, equal_nan=True)
    assert [p[0] for p in got] == list(range(len(bits)))


def test_several_values_in_one_event_and_mixed_writers(tmp_path: Path) -> None:
    events = [simple_value_event([("a", i * 0.5), ("b", -i * 0.25), ("c", float(i))], step=i) for i in range(30)]
    events += [scalar_tensor_event("t", i, i * 1.5, "double", "typed", metadata=i == 0) for i in range(10)]
    path = tb_write(tmp_path / "run", events)
    ev = tfevents.read_file(path)
    assert same_points(decoded(path), reference(path))
    # write order: record order, then value order within a record
    assert ev.tags[:3] == ["a", "b", "c"]
    assert [ev.tags[i] for i in ev.tag_ids[:6]] == ["a", "b", "c", "a", "b", "c"]


def test_non_scalar_events_are_skipped(tmp_path: Path) -> None:
    from tensorboardX import SummaryWriter

    logdir = tmp_path / "run"
    w = SummaryWriter(str(logdir))
    rng = np.random.default_rng(3)
    for step in range(12):
        w.add_scalar("loss", 1.0 / (step + 1), step)
        w.add_histogram("weights", rng.standard_normal(1000), step)
        w.add_image("img", rng.random((3, 64, 64)), step)  # > 4 KB records
        w.add_text("note", f"step {step}", step)
        w.add_pr_curve("pr", rng.integers(0, 2, 50), rng.random(50), step)
    w.close()
    (path,) = list(logdir.iterdir())
    got = decoded(path)
    assert set(got) == {"loss"}
    assert same_points(got, {k: v for k, v in reference(path).items() if k == "loss"})
    assert tfevents.read_file(path).warnings == []


def test_tf2_style_non_scalars_are_skipped(tmp_path: Path) -> None:
    """Audio values, rank-2 float tensors (TF2 histograms) and string tensors (text) are not scalars,
    even with no metadata on them."""
    from tensorboard.compat.proto import event_pb2, summary_pb2, tensor_pb2, types_pb2

    events = []
    for step in range(8):
        events.append(scalar_tensor_event("epoch_loss", step, 1.0 / (step + 1), metadata=step == 0))
        hist = tensor_pb2.TensorProto(dtype=types_pb2.DT_DOUBLE, double_val=[0.0, 1.0, 3.0] * 4)
        hist.tensor_shape.dim.add(size=4)
        hist.tensor_shape.dim.add(size=3)
        text = tensor_pb2.TensorProto(dtype=types_pb2.DT_STRING, string_val=[b"hello"])
        text.tensor_shape.SetInParent()
        one = tensor_pb2.TensorProto(dtype=types_pb2.DT_FLOAT, float_val=[2.0])
        one.tensor_shape.dim.add(size=1)  # rank 1, one element: not a scalar summary
        audio = summary_pb2.Summary.Audio(sample_rate=8000, num_channels=1, encoded_audio_string=b"RIFF" * 300)
        values = [
            summary_pb2.Summary.Value(tag="hist", tensor=hist),
            summary_pb2.Summary.Value(tag="text", tensor=text),
            summary_pb2.Summary.Value(tag="vec", tensor=one),
            summary_pb2.Summary.Value(tag="sound", audio=audio),
        ]
        events.append(event_pb2.Event(wall_time=1.0 + step, step=step, summary=summary_pb2.Summary(value=values)))
    path = tb_write(tmp_path / "run", events)
    got = decoded(path)
    assert set(got) == {"epoch_loss"}
    assert same_points(got, {"epoch_loss": reference(path)["epoch_loss"]})


# --------------------------------------------------------------------------------------------
# Damage: truncation, flipped bytes, empty files, not an event file
# --------------------------------------------------------------------------------------------


def _small_file(tmp_path: Path) -> Path:
    return tbx_write(tmp_path / "src", [(t, float(i) / 7, i) for i in range(8) for t in ("loss", "acc")])


def test_file_cut_mid_record_is_silent_and_keeps_complete_records(tmp_path: Path) -> None:
    path = _small_file(tmp_path)
    full = tfevents.read_file(path)
    data = path.read_bytes()
    records = _records(path)
    for cut in range(records[-3][0], len(data)):  # every cut inside the last three records
        ev = tfevents.decode(data[:cut], "cut")
        complete = sum(1 for off, ln in records if off + 16 + ln <= cut)
        assert ev.warnings == []
        assert ev.records == complete
        n = len(ev)
        assert np.array_equal(ev.values, full.values[:n]) and np.array_equal(ev.steps, full.steps[:n])
        assert ev.truncated == (cut not in {off for off, _ in records})  # cut at a boundary: whole


def test_every_flipped_byte_is_reported_and_never_raises(tmp_path: Path) -> None:
    path = _small_file(tmp_path)
    data = path.read_bytes()
    full = tfevents.read_file(path)
    original = set(zip(full.tags_of_points(), full.steps.tolist(), full.values.tolist(), strict=True))
    for i in range(len(data)):
        damaged = bytearray(data)
        damaged[i] ^= 0x20
        ev = tfevents.decode(bytes(damaged), "damaged.tfevents")
        # every byte is covered by a CRC, so every flip must be noticed and said where
        assert ev.warnings, f"flip at {i} went unnoticed"
        assert all("damaged.tfevents" in w and "byte offset" in w for w in ev.warnings)
        got = set(zip(ev.tags_of_points(), ev.steps.tolist(), ev.values.tolist(), strict=True))
        assert got <= original
        assert len(got) >= len(original) - 2  # one record lost, two at most when a header breaks


def test_flipped_value_byte_in_a_big_file_loses_only_that_point(tmp_path: Path) -> None:
    path = tbx_write(tmp_path / "big", [(t, float(i), i) for i in range(3000) for t in ("loss", "acc")])
    records = _records(path)
    off, ln = records[1001]
    data = bytearray(path.read_bytes())
    data[off + 12 + ln - 1] ^= 0x01  # last byte of the simple_value
    bad = tmp_path / "bad.tfevents"
    bad.write_bytes(bytes(data))
    ev = tfevents.read_file(bad)
    assert len(ev) == 6000 - 1
    assert ev.warnings == [f"{bad}: bad data CRC in record at byte offset {off}; record skipped"]


def test_big_files_read_in_windows_equal_whole_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Big files are decoded window by window; with tiny windows every record boundary case
    (a record across windows, a record bigger than a window) comes up in a small file."""
    monkeypatch.setattr(reader, "_WINDOW", 1000)
    from tensorboardX import SummaryWriter

    w = SummaryWriter(str(tmp_path / "run"))
    rng = np.random.default_rng(5)
    for step in range(300):
        w.add_scalar("loss", float(rng.standard_normal()), step)
        w.add_scalar("a/long/tag/name", float(step), step)
        if step % 50 == 0:
            w.add_histogram("weights", rng.standard_normal(500), step)  # records > the window
    w.close()
    (path,) = list((tmp_path / "run").iterdir())
    data = path.read_bytes()
    whole = tfevents.decode(data, str(path))
    windowed = tfevents.read_file(path)
    for name in ("tag_ids", "steps", "wall_times", "values"):
        assert np.array_equal(getattr(windowed, name), getattr(whole, name))
    assert windowed.tags == whole.tags and windowed.records == whole.records and windowed.warnings == []
    assert same_points(decoded(path), reference(path))

    records = _records(path)
    off, ln = records[400]
    bad = bytearray(data)
    bad[off + 12 + ln - 2] ^= 0x04  # a value byte, deep into the file: a data CRC failure
    target = tmp_path / "bad.tfevents"
    target.write_bytes(bytes(bad))
    ev = tfevents.read_file(target)
    assert ev.warnings == [f"{target}: bad data CRC in record at byte offset {off}; record skipped"]
    assert len(ev) == len(whole) - 1

    bad = bytearray(data)
    bad[off + 3] ^= 0x01  # a length byte: the windowed pass gives up, the whole-file pass resyncs
    target.write_bytes(bytes(bad))
    ev = tfevents.read_file(target)
    assert len(ev) == len(whole) - 1 and len(ev.warnings) == 1 and f"byte offset {off}" in ev.warnings[0]

    target.write_bytes(data[: records[-5][0] + 7])  # cut inside a header near the end
    ev = tfevents.read_file(target)
    assert ev.truncated and ev.warnings == [] and ev.records == len(records) - 5


def test_flipped_length_byte_resynchronizes(tmp_path: Path) -> None:
    path = tbx_write(tmp_path / "big", [("loss", float(i), i) for i in range(500)])
    records = _records(path)
    off, _ = records[200]
    data = bytearray(path.read_bytes())
    data[off] ^= 0x40  # the length itself is wrong now; its CRC says so
    ev = tfevents.decode(bytes(data), "x")
    assert len(ev) == 499
    assert len(ev.warnings) == 1 and f"byte offset {off}" in ev.warnings[0]
    assert 199 not in ev.steps.tolist()


def test_empty_and_zero_length_files(tmp_path: Path) -> None:
    assert len(tfevents.decode(b"", "e")) == 0
    ev = tfevents.decode(b"\x00" * 5, "short")  # shorter than a header: a writer that just began
    assert len(ev) == 0 and ev.warnings == []
    run_dir = tmp_path / "run"
    tbx_write(run_dir, [("loss", 0.5, 0), ("loss", 0.25, 1)])
    (run_dir / "events.out.tfevents.0000000000.empty").write_bytes(b"")
    runs = TensorBoardDirReader().read(run_dir)
    assert len(runs) == 1 and len(runs[0]) == 2 and runs[0].warnings == []
    only_empty = tmp_path / "only_empty"
    only_empty.mkdir()
    (only_empty / "events.out.tfevents.1.host").write_bytes(b"")
    runs = TensorBoardDirReader().read(only_empty)
    assert len(runs) == 1 and len(runs[0]) == 0


def test_not_an_event_file(tmp_path: Path) -> None:
    junk = tmp_path / "metrics.bin"
    junk.write_bytes(b"epoch,loss\n0,1.0\n1,0.5\n" * 10)
    assert not tfevents.looks_like_event_file(junk.read_bytes())
    with pytest.raises(ParseError):
        TensorBoardFileReader().read(junk)
    d = discover([junk], fmt="tensorboard-file")
    assert d.runs == [] and len(d.errors) == 1 and isinstance(d.errors[0], ParseError)
    # inside a run folder, a bad "tfevents" file is a warning, the good one still read
    run_dir = tmp_path / "run"
    tbx_write(run_dir, [("loss", 0.5, 0)])
    (run_dir / "events.out.tfevents.9999999999.junk").write_bytes(junk.read_bytes())
    (run,) = TensorBoardDirReader().read(run_dir)
    assert len(run) == 1 and any("not a TensorBoard event file" in w for w in run.warnings)


# --------------------------------------------------------------------------------------------
# Runs: restarts, layouts, names, hparams
# --------------------------------------------------------------------------------------------


def test_restart_in_a_second_file_replaces_points(tmp_path: Path) -> None:
    run_dir = tmp_path / "exp"
    first = tbx_write(tmp_path / "w1", [(t, float(s), s) for s in range(10) for t in ("loss", "acc")])
    second = tbx_write(tmp_path / "w2", [(t, 100.0 + s, s) for s in range(6, 15) for t in ("loss", "acc")])
    run_dir.mkdir()
    first.rename(run_dir / "events.out.tfevents.1000000000.host.1.0")
    second.rename(run_dir / "events.out.tfevents.1000000500.host.2.0")

    (run,) = discover([run_dir]).runs
    assert run.replaced_points == 2 * 4  # steps 6..9 of both tags
    loss = run.series("loss")
    assert loss["step"].tolist() == list(range(15))
    assert loss["value"].tolist() == [float(s) for s in range(6)] + [100.0 + s for s in range(6, 15)]

    (kept,) = discover([run_dir], keep_all=True).runs
    assert len(kept) == 2 * (10 + 9) and kept.replaced_points == 0


def test_restart_within_one_file(tmp_path: Path) -> None:
    pts = [("loss", float(s), s) for s in range(20)] + [("loss", -float(s), s) for s in range(10, 15)]
    run_dir = tmp_path / "exp"
    tbx_write(run_dir, pts)
    (run,) = discover([run_dir]).runs
    assert run.replaced_points == 10  # steps 10..19 of the first pass
    assert run.series("loss")["value"].tolist() == [float(s) for s in range(10)] + [-float(s) for s in range(10, 15)]


def test_keras_layout_is_one_run_with_two_splits(tmp_path: Path) -> None:
    logdir = tmp_path / "fit" / "logs"
    train = [
        scalar_tensor_event(t, e, v, metadata=e == 0)
        for e in range(5)
        for t, v in (("epoch_loss", 1.0 - e / 10), ("epoch_accuracy", 0.5 + e / 20), ("epoch_learning_rate", 1e-3))
    ]
    val = [
        scalar_tensor_event(t, e, v, metadata=e == 0)
        for e in range(5)
        for t, v in (("epoch_loss", 1.1 - e / 20 + (e == 4) * 0.2), ("epoch_accuracy", 0.45 + e / 25))
    ]
    tpath = tb_write(logdir / "train", train)
    vpath = tb_write(logdir / "validation", val)
    assert TensorBoardDirReader().sniff(make_probe(logdir)) > 0

    d = discover([tmp_path / "fit"])
    assert d.errors == []
    (run,) = d.runs
    assert run.name == "logs"
    f = run.frame
    assert set(zip(f["split"], f["metric"], strict=True)) == {
        ("train", "loss"),
        ("train", "accuracy"),
        ("train", "lr"),
        ("val", "loss"),
        ("val", "accuracy"),
    }
    assert (f["epoch"] == f["step"]).all()  # Keras: the step is the epoch
    val_loss = f[(f["split"] == "val") & (f["metric"] == "loss")]
    assert val_loss["value"].tolist() == [p[2] for p in reference(vpath)["epoch_loss"]]
    train_acc = f[(f["split"] == "train") & (f["metric"] == "accuracy")]
    assert train_acc["value"].tolist() == [p[2] for p in reference(tpath)["epoch_accuracy"]]
    assert int(val_loss.loc[val_loss["value"].idxmin(), "epoch"]) == 3


def test_lightning_and_hugging_face_nesting_names(tmp_path: Path) -> None:
    root = tmp_path / "logs"
    for v in (0, 1):
        vdir = root / "tb_logs" / "my_model" / f"version_{v}"
        tbx_write(vdir, [("train_loss_step", 0.5, 4), ("epoch", 0.0, 4), ("val_loss", 0.4 + v, 11), ("epoch", 0.0, 11)])
        (vdir / "hparams.yaml").write_text("hidden: 16\nlr: 0.01\nname: model\n")
    tbx_write(
        root / "out" / "runs" / "Nov26_05-36-01_vm",
        [("train/loss", 0.7, 5), ("train/epoch", 1.0, 10), ("eval/loss", 0.6, 10)],
    )
    d = discover([root])
    assert d.errors == []
    names = sorted(r.name for r in d.runs)
    assert names == ["out/runs/Nov26_05-36-01_vm", "tb_logs/my_model/version_0", "tb_logs/my_model/version_1"]
    v0 = next(r for r in d.runs if r.name.endswith("version_0"))
    assert v0.meta["hparams"] == {"hidden": 16, "lr": 0.01, "name": "model"}
    val = v0.series("val_loss")
    assert val["split"].tolist() == ["val"] and val["epoch"].tolist() == [0.0]  # epoch from the epoch tag
    hf = next(r for r in d.runs if r.name.startswith("out"))
    ev = hf.series("eval/loss")
    assert ev["split"].tolist() == ["val"] and ev["epoch"].tolist() == [1.0]


def test_nested_runs_below_a_run_folder(tmp_path: Path) -> None:
    from tensorboardX import SummaryWriter

    w = SummaryWriter(str(tmp_path / "exp"))
    for s in range(3):
        w.add_scalar("loss", 1.0 / (s + 1), s)
        w.add_scalars("grp", {"a": s, "b": -s}, s)  # tensorboardX writes grp/a/, grp/b/ sub-runs
    w.close()
    d = discover([tmp_path / "exp"])
    assert sorted(r.name for r in d.runs) == ["exp", "exp/grp/a", "exp/grp/b"]


def test_symlink_loop_is_read_once(tmp_path: Path) -> None:
    tbx_write(tmp_path / "exp" / "a", [("loss", 0.5, 0)])
    (tmp_path / "exp" / "a" / "loop").symlink_to(tmp_path / "exp", target_is_directory=True)
    runs = TensorBoardDirReader().read(tmp_path / "exp" / "a")
    assert [r.name for r in runs] == [""]


def test_hparams_plugin_is_captured(tmp_path: Path) -> None:
    from tensorboardX import SummaryWriter

    w = SummaryWriter(str(tmp_path / "exp"))
    w.add_scalar("loss", 0.5, 0)
    w.add_hparams({"lr": 0.1, "batch": 32, "opt": "adam", "nesterov": True}, {"hp/score": 0.9})
    w.close()
    d = discover([tmp_path / "exp"])
    hp_runs = [r for r in d.runs if r.meta.get("hparams")]
    assert hp_runs and hp_runs[0].meta["hparams"] == {"lr": 0.1, "batch": 32.0, "opt": "adam", "nesterov": True}


def test_readers_claim_their_paths(tmp_path: Path) -> None:
    path = tbx_write(tmp_path / "run", [("loss", 0.5, 0)])
    assert registry.best_reader(make_probe(tmp_path / "run")) is not None
    assert registry.best_reader(make_probe(tmp_path / "run")).name == "tensorboard"  # type: ignore[union-attr]
    assert registry.best_reader(make_probe(path)).name == "tensorboard-file"  # type: ignore[union-attr]
    renamed = tmp_path / "copy.bin"
    renamed.write_bytes(path.read_bytes())
    assert TensorBoardFileReader().sniff(make_probe(renamed)) > 0  # known by its bytes too
    plain = tmp_path / "plain"
    plain.mkdir()
    assert TensorBoardDirReader().sniff(make_probe(plain)) == 0
    (run,) = discover([path]).runs
    assert len(run) == 1 and run.format == "tensorboard-file"


def test_crc32c_known_answers() -> None:
    assert tfevents.crc32c(b"123456789") == 0xE3069283  # the CRC-32C check value
    assert tfevents.crc32c(b"") == 0
    assert tfevents.crc32c(bytes(32)) == 0x8A9136AA  # RFC 3720 B.4


# --------------------------------------------------------------------------------------------
# Hypothesis: random scalar streams round-trip exactly
# --------------------------------------------------------------------------------------------


def test_many_tags_of_one_length_stay_on_the_bulk_path(tmp_path: Path) -> None:
    """Per-layer norms: a thousand tags of the same byte length share one record layout. A
    template per tag would run out after a few and leave the rest to the record-by-record
    decoder (20x slower); a template with the tag bytes as payload reads them all in bulk."""
    rng = np.random.default_rng(5)
    tags = [f"layer{i:03d}/grad_norm" for i in range(1000)] + ["ünï/å"]
    path = tbx_write(tmp_path / "run", [(t, float(rng.random()), s) for s in range(30) for t in tags])
    calls = []
    real = reader.decode_general

    def spy(buf, recs, offs, lens, session):  # type: ignore[no-untyped-def]
        calls.append(len(recs))
        return real(buf, recs, offs, lens, session)

    import unittest.mock

    with unittest.mock.patch.object(reader, "decode_general", spy):
        ev = tfevents.read_file(path)
    assert sum(calls) < 300  # the file_version record and the first records of each length
    assert ev.tags == tags  # first-seen order
    assert same_points(decoded(path), reference(path))
    _assert_general_path_agrees(path, ev)


def test_tag_hash_collisions_never_merge_tags(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With a zero multiplier every tag below hashes to its last word ("rm"): all collide, and
    the byte-row fallback must still tell them apart."""
    monkeypatch.setattr(fast, "_TAG_HASH", 0)
    tags = [f"layer{i:03d}/grad_norm" for i in range(100)]
    path = tbx_write(tmp_path / "run", [(t, float(i), s) for s in range(5) for i, t in enumerate(tags)])
    ev = tfevents.read_file(path)
    assert ev.tags == tags
    assert same_points(decoded(path), reference(path))


def test_many_tags_with_metadata_on_every_event(tmp_path: Path) -> None:
    """torch's new-style scalars carry the plugin metadata in every event: each tag found by a
    shared template still gets its plugin."""
    events = [
        scalar_tensor_event(f"class_{c:02d}/recall", s, (c + s) / 100, "float", "typed", 1.0 + s)
        for s in range(20)
        for c in range(40)
    ]
    path = tb_write(tmp_path / "run", events)
    ev = tfevents.read_file(path)
    assert same_points(decoded(path), reference(path))
    assert ev.plugins == {f"class_{c:02d}/recall": "scalars" for c in range(40)}
    _assert_general_path_agrees(path, ev)


_same_length_tags = st.lists(
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=3, max_size=3),
    min_size=2,
    max_size=12,
    unique=True,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tags=_same_length_tags, steps=st.integers(min_value=8, max_value=40), seed=st.integers(0, 2**16))
def test_random_tags_sharing_a_layout_equal_the_general_decoder(
    tmp_path_factory: pytest.TempPathFactory, tags: list[str], steps: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    order = [t for _ in range(steps) for t in rng.permutation(tags).tolist()]
    events = [simple_value_event([(t, float(rng.standard_normal()))], i, 1.7e9 + i) for i, t in enumerate(order)]
    path = tb_write(tmp_path_factory.mktemp("tags"), events)
    ev = tfevents.read_file(path)
    _assert_general_path_agrees(path, ev)
    assert ev.tags_of_points() == order


def _assert_general_path_agrees(path: Path, ev: tfevents.EventScalars) -> None:
    """The record-by-record decoder (the reference) gives what the bulk template path gave."""
    import unittest.mock

    with unittest.mock.patch.object(fast, "_MAX_TEMPLATES_PER_GROUP", 0):
        slow = tfevents.decode(path.read_bytes(), str(path))
    assert slow.tags == ev.tags
    for name in ("tag_ids", "steps", "wall_times", "values"):
        assert np.array_equal(getattr(slow, name), getattr(ev, name), equal_nan=name != "tag_ids" and name != "steps")


_floats32 = st.floats(width=32, allow_nan=True, allow_infinity=True)
_stream = st.lists(
    st.tuples(
        st.sampled_from(["loss", "val_loss", "acc", "a/very/long/tag/name/" + "x" * 40, "ü-tag"]),
        st.integers(min_value=0, max_value=2**40),
        _floats32,
        st.sampled_from(["simple", "float", "double", "half"]),
    ),
    min_size=0,
    max_size=120,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stream=_stream, repeat=st.integers(min_value=1, max_value=6))
def test_random_streams_round_trip_exactly(tmp_path_factory: pytest.TempPathFactory, stream: list, repeat: int) -> None:
    stream = stream * repeat  # repetition makes bulk-path groups as well as one-off records
    events = []
    expected = []
    for i, (tag, step, value, kind) in enumerate(stream):
        wall = 1.7e9 + i * 0.001
        if kind == "simple":
            events.append(simple_value_event([(tag, value)], step, wall))
            expected.append((tag, step, wall, float(np.float32(value))))
        else:
            with np.errstate(over="ignore"):  # a float32 beyond float16's range becomes inf: fine
                v = {"float": np.float32, "double": np.float64, "half": np.float16}[kind](value)
            events.append(scalar_tensor_event(tag, step, v, kind, "typed", wall, metadata=i % 5 == 0))
            expected.append((tag, step, wall, float(v)))
    path = tb_write(tmp_path_factory.mktemp("h"), events)
    ev = tfevents.read_file(path)
    _assert_general_path_agrees(path, ev)
    got = list(zip(ev.tags_of_points(), ev.steps.tolist(), ev.wall_times.tolist(), ev.values.tolist(), strict=True))
    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=True):
        assert g[:3] == e[:3]
        assert g[3] == e[3] or (math.isnan(g[3]) and math.isnan(e[3]))
    assert ev.warnings == []
