"""PyTorch-style TensorBoard runs (``writer.add_scalar("Loss/val", v, epoch)``), written by
tensorboardX at test time: epochs recovered from the steps, the best epoch exact, and a fast
start of training not mistaken for a spike."""

from __future__ import annotations

import math
from pathlib import Path

from tensorboardX import SummaryWriter

from losslog.analysis import analyze
from losslog.readers.discover import discover


def test_per_epoch_steps_are_epochs_and_overfitting_found(tmp_path: Path) -> None:
    w = SummaryWriter(str(tmp_path / "run"))
    vals = []
    for e in range(40):
        w.add_scalar("Loss/train", 2 * math.exp(-e / 6) + 0.05, e)
        v = 0.5 + 1.6 * math.exp(-min(e, 11) / 5) + (0.03 * (e - 11) if e > 11 else 0.0)
        vals.append(v)
        w.add_scalar("Loss/val", v, e)
    w.close()
    run = discover([tmp_path / "run"]).runs[0]
    assert run.meta.get("epoch_from_step") is True
    result = analyze(run)
    assert result.best is not None and result.best.metric == "val_loss" and result.best.epoch == 11
    f = next(f for f in result.findings if f.code == "overfitting")
    assert f.onset_epoch == 11


def test_per_iteration_steps_are_not_epochs_and_fast_start_is_no_spike(tmp_path: Path) -> None:
    w = SummaryWriter(str(tmp_path / "iter"))
    for i in range(1000):
        w.add_scalar("train/loss", 1 / (i + 1), i)
        if i % 100 == 99:
            w.add_scalar("val/loss", 1.1 / (i + 1), i)
    w.close()
    run = discover([tmp_path / "iter"]).runs[0]
    assert "epoch_from_step" not in run.meta
    result = analyze(run)
    assert result.best is not None and result.best.epoch is None and result.best.step == 999
    assert not [f.code for f in result.findings if f.code == "unstable"]
