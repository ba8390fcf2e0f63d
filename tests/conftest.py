"""Shared fixtures: logs written at test time in the exact shapes the real tools write."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Shared, noisy CI machines: no per-example time limit (timing belongs in benchmarks/, not tests).
settings.register_profile("losslog", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("losslog")


@pytest.fixture(autouse=True)
def _private_run_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets its own empty run cache: never the user's, never another test's."""
    monkeypatch.setenv("LOSSLOG_CACHE_DIR", str(tmp_path_factory.mktemp("losslog-cache")))


def keras_csv_text(rows: Sequence[dict[str, float | None]], sep: str = ",", crlf: bool = True) -> str:
    """What Keras's CSVLogger writes: ``epoch`` then sorted keys, ``NA`` for missing, CRLF ends."""
    keys = ["epoch", *sorted({k for r in rows for k in r if k != "epoch"})]
    end = "\r\n" if crlf else "\n"
    lines = [sep.join(keys)]
    for r in rows:
        cells = []
        for k in keys:
            v = r.get(k)
            if v is None:
                cells.append("NA")
            elif k == "epoch":
                cells.append(str(int(v)))
            else:
                cells.append(repr(float(v)))
        lines.append(sep.join(cells))
    return end.join(lines) + end


def curve_rows(
    n: int,
    overfit_from: int | None = None,
    val_floor: float = 0.5,
    diverge_at: int | None = None,
) -> list[dict[str, float | None]]:
    """A classification run: train loss falls; val loss falls then (optionally) rises."""
    rows: list[dict[str, float | None]] = []
    for e in range(n):
        train = 2.0 * math.exp(-e / 6) + 0.05
        val = val_floor + 1.6 * math.exp(-e / 5)
        if overfit_from is not None and e > overfit_from:
            val = val_floor + 1.6 * math.exp(-overfit_from / 5) + 0.03 * (e - overfit_from)
        row: dict[str, float | None] = {
            "epoch": e,
            "loss": train,
            "accuracy": 1 - train / 2.5,
            "val_loss": val,
            "val_accuracy": 1 - val / 2.5,
        }
        if diverge_at is not None and e >= diverge_at:
            row["loss"] = float("nan")
            row["val_loss"] = float("nan")
        rows.append(row)
    return rows


@pytest.fixture
def write_keras(tmp_path: Path):  # type: ignore[no-untyped-def]
    def _write(name: str, rows: Sequence[dict[str, float | None]], **kw: object) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(keras_csv_text(rows, **kw).encode())  # type: ignore[arg-type]
        return path

    return _write
