"""Sweeps written by the real TensorBoard writers: tensorboardX's ``SummaryWriter.add_hparams``
(which puts the HParams session in a timestamped folder under the run) and the ``tensorboard``
package's own HParams summary (``summary_v2.hparams_pb``, what ``hp.hparams()`` writes)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import losslog
from losslog.cli import app

LRS = (0.1, 0.01)
SEEDS = (0, 1, 2)


def val_loss(lr: float, seed: int, epoch: int) -> float:
    return 0.2 + lr * 3 + 0.01 * seed + 1.0 / (epoch + 1)


def tensorboardx_sweep(root: Path) -> Path:
    tbx = pytest.importorskip("tensorboardX")
    for lr in LRS:
        for seed in SEEDS:
            writer = tbx.SummaryWriter(str(root / f"lr{lr}_s{seed}"))
            for epoch in range(10):
                writer.add_scalar("train/loss", val_loss(lr, seed, epoch) - 0.1, epoch)
                writer.add_scalar("val/loss", val_loss(lr, seed, epoch), epoch)
            hparams = {"lr": lr, "seed": seed, "optimizer": "adam", "use_bn": True}
            writer.add_hparams(hparams, {"hparam/val_loss": val_loss(lr, seed, 9)})
            writer.close()
    return root


def tensorboard_sweep(root: Path) -> Path:
    summary_v2 = pytest.importorskip("tensorboard.plugins.hparams.summary_v2")
    from tensorboard.compat.proto.event_pb2 import Event
    from tensorboard.compat.proto.summary_pb2 import Summary
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    for lr in LRS:
        for seed in SEEDS:
            writer = EventFileWriter(str(root / f"lr{lr}-seed{seed}"))
            hparams = {"learning_rate": lr, "seed": seed, "optimizer": "sgd", "layers": 2}
            writer.add_event(Event(wall_time=time.time(), step=0, summary=summary_v2.hparams_pb(hparams)))
            for epoch in range(10):
                values = [
                    Summary.Value(tag="epoch_loss", simple_value=val_loss(lr, seed, epoch) - 0.1),
                    Summary.Value(tag="val/epoch_loss", simple_value=val_loss(lr, seed, epoch)),
                ]
                writer.add_event(Event(wall_time=time.time(), step=epoch, summary=Summary(value=values)))
            writer.close()
    return root


def test_tensorboardx_add_hparams(tmp_path: Path) -> None:
    table = losslog.sweep(tensorboardx_sweep(tmp_path))
    # the add_hparams session folders are read for their runs, not listed as runs of their own
    assert sorted(table.frame["run"]) == sorted(f"lr{lr}_s{s}" for lr in LRS for s in SEEDS)
    assert table.varying == ["hp.lr", "hp.seed"]
    assert set(table.frame["hp.optimizer"]) == {"adam"} and set(table.frame["hp.use_bn"]) == {True}
    assert table.group_by == ["hp.lr"] and list(table.groups["n"]) == [3, 3]
    g = table.group_rows()[0]
    expected = [val_loss(0.01, s, 9) for s in SEEDS]
    assert g["hp.lr"] == 0.01
    assert g["best_mean"] == pytest.approx(np.mean(expected), rel=1e-6)
    assert g["best_std"] == pytest.approx(np.std(expected, ddof=1), rel=1e-4)


def test_tensorboard_hparams_summary(tmp_path: Path) -> None:
    table = losslog.sweep(tensorboard_sweep(tmp_path), where="learning_rate<0.05")
    assert table.varying == ["hp.seed"]  # after the filter only the seed differs
    assert set(table.frame["hp.learning_rate"]) == {0.01} and len(table.frame) == 3
    assert table.group_by == [] and list(table.groups["n"]) == [3]  # one group: the seeds of one setting
    full = losslog.sweep(tmp_path, group_by="optimizer,learning_rate")
    assert [g["n"] for g in full.group_rows()] == [3, 3]


def test_tensorboard_sweep_through_the_command(tmp_path: Path) -> None:
    tensorboard_sweep(tmp_path)
    result = CliRunner().invoke(app, ["compare", str(tmp_path), "--sort", "learning_rate", "--top", "4"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[1].split()[-2:] == ["learning_rate", "seed"]
    assert [ln.split()[-2] for ln in lines[2:6]] == ["0.01", "0.01", "0.01", "0.1"]
    assert "2 run(s) below the top 4 left out (--top)" in result.stdout
