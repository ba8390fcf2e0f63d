"""Make the evaluation fixtures: real training runs of small models, written as real tools write logs.

Every run here is an actual training run (scikit-learn MLPs and SGD models trained with
``partial_fit`` on datasets bundled with scikit-learn, no download), so the curves carry real noise,
real plateaus and real failure shapes rather than hand-drawn ones. Each run is written in the log
format of a tool people train with:

- Keras ``CSVLogger`` (``epoch`` first, then keys sorted by name, ``NA`` for missing, ``nan`` for NaN),
- Lightning ``CSVLogger`` ``metrics.csv`` (sparse rows: step rows, validation rows, epoch rows),
- Hugging Face ``trainer_state.json`` (``log_history`` with step-level ``loss`` and ``eval_*`` entries).

``tests/data/eval_runs/expected.json`` says what an experienced engineer reading each curve would
conclude (codes that must be present, codes that must not be, the best epoch). The expected codes
were decided from how each run was made (label noise, learning rate, epochs), then checked by
looking at the curves; the best epoch is read from the written values, independently of losslog.

Usage::

    python scripts/make_eval_runs.py            # (re)write tests/data/eval_runs/
    python scripts/make_eval_runs.py --table    # print the Markdown table of verdicts (docs/diagnostics.md)
"""

from __future__ import annotations

import argparse
import copy
import csv
import json
import math
import shutil
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "eval_runs"

#: codes a detector may emit that are problems (the table's columns, in order)
TABLE_CODES = ("overfitting", "overconfidence", "divergence", "unstable", "stalled", "underfitting")


# --------------------------------------------------------------------------------------------- data


def _dataset(name: str, seed: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Features (standardized) and targets of a dataset bundled with scikit-learn (no download)."""
    from sklearn import datasets

    if name == "digits":
        x, y = datasets.load_digits(return_X_y=True)
        k = 10
    elif name == "iris":
        x, y = datasets.load_iris(return_X_y=True)
        k = 3
    elif name == "wine":
        x, y = datasets.load_wine(return_X_y=True)
        k = 3
    elif name == "breast_cancer":
        x, y = datasets.load_breast_cancer(return_X_y=True)
        k = 2
    elif name == "diabetes":
        x, y = datasets.load_diabetes(return_X_y=True)
        k = 0
    elif name == "moons":
        x, y = datasets.make_classification(
            n_samples=1500, n_features=20, n_informative=6, n_classes=4, n_clusters_per_class=2, random_state=seed
        )
        k = 4
    else:
        raise ValueError(name)
    x = (x - x.mean(0)) / np.where(x.std(0) > 0, x.std(0), 1.0)
    return x.astype("float64"), y, k


@dataclass
class Spec:
    """How one run is trained and written, and what it should be diagnosed as."""

    name: str
    fmt: str  # keras | lightning | hf
    dataset: str
    expect: tuple[str, ...]  # codes that must be present
    forbid: tuple[str, ...]  # codes that must be absent
    story: str  # one line: how the run was made and what it shows
    epochs: int = 40
    hidden: tuple[int, ...] = (64,)
    solver: str = "adam"
    lr: float = 1e-3
    lr_schedule: Callable[[int], float] | None = None  # epoch -> learning-rate multiplier
    momentum: float = 0.9
    alpha: float = 1e-4
    batch: int = 32
    n_train: int | None = None
    n_val: int | None = None
    label_noise: float = 0.0
    shuffle_labels: bool = False
    regression: bool = False
    y_scale: bool = True
    seed: int = 0
    val_every: int = 1
    log_every: int = 10  # hf / lightning: steps between training-loss logs
    metrics_logged: tuple[str, ...] = ("loss", "accuracy", "val_loss", "val_accuracy")
    resume_at: int | None = None  # keras: the log is appended from this epoch after a restart
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class History:
    """What a training loop saw: per-epoch records and per-step training losses."""

    epochs: list[dict[str, float]] = field(default_factory=list)
    steps: list[tuple[int, float, float]] = field(default_factory=list)  # (global step, epoch float, loss)
    steps_per_epoch: int = 0
    #: epochs of an attempt that crashed and was resumed from an earlier checkpoint (written first)
    abandoned: list[dict[str, float]] = field(default_factory=list)


def _split(spec: Spec) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    x, y, k = _dataset(spec.dataset, spec.seed)
    rng = np.random.default_rng(spec.seed)
    order = rng.permutation(len(x))
    x, y = x[order], y[order]
    n_val = spec.n_val or len(x) // 4
    xv, yv = x[:n_val], y[:n_val]
    rest_x, rest_y = x[n_val:], y[n_val:]
    n_train = spec.n_train or len(rest_x)
    xt, yt = rest_x[:n_train], rest_y[:n_train].copy()
    if spec.regression:
        if spec.y_scale:
            mu, sd = yt.mean(), yt.std()
            yt = (yt - mu) / sd
            yv = (yv - mu) / sd
        return xt, yt.astype("float64"), xv, yv.astype("float64"), 0
    if spec.label_noise:
        flip = rng.random(len(yt)) < spec.label_noise
        yt[flip] = rng.integers(0, k, flip.sum())
    if spec.shuffle_labels:
        yt = rng.permutation(yt)
        yv = rng.permutation(yv)
    return xt, yt, xv, yv, k


def train(spec: Spec) -> History:
    """Train the model one mini-batch at a time, recording what Keras/Lightning/HF would log."""
    from sklearn.metrics import accuracy_score, log_loss, mean_absolute_error, mean_squared_error
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    xt, yt, xv, yv, k = _split(spec)
    common = dict(
        hidden_layer_sizes=spec.hidden,
        solver=spec.solver,
        learning_rate_init=spec.lr,
        alpha=spec.alpha,
        batch_size=spec.batch,
        random_state=spec.seed,
        momentum=spec.momentum,
    )
    model: Any = MLPRegressor(**common) if spec.regression else MLPClassifier(**common)
    classes = np.arange(k)
    rng = np.random.default_rng(spec.seed + 1)
    hist = History()
    n = len(xt)
    step = 0
    broken = False
    nan = float("nan")
    epoch = 0
    snapshot: tuple[Any, Any, int] | None = None
    while epoch < spec.epochs:
        if spec.resume_at is not None and epoch == spec.resume_at + 4 and snapshot is not None and not hist.abandoned:
            # The job died here; it restarts from the checkpoint saved after resume_at, with new shuffles.
            hist.abandoned = hist.epochs[spec.resume_at + 1 :]
            hist.epochs = hist.epochs[: spec.resume_at + 1]
            model, step, epoch = snapshot[0], snapshot[2], spec.resume_at + 1
            rng = np.random.default_rng(spec.seed + 99)
        if spec.lr_schedule is not None and hasattr(model, "_optimizer"):
            model._optimizer.learning_rate = spec.lr * spec.lr_schedule(epoch)
        order = rng.permutation(n)
        batch_losses: list[float] = []
        n_batches = max(1, n // spec.batch)
        hist.steps_per_epoch = n_batches
        for b in range(n_batches):
            idx = order[b * spec.batch : (b + 1) * spec.batch]
            step += 1
            loss = nan
            if not broken:
                try:
                    if spec.regression:
                        model.partial_fit(xt[idx], yt[idx])
                        loss = 2.0 * float(model.loss_)  # sklearn's squared loss is MSE / 2
                    else:
                        model.partial_fit(xt[idx], yt[idx], classes=classes)
                        loss = float(model.loss_)
                    if spec.lr_schedule is not None and epoch == 0 and b == 0:
                        model._optimizer.learning_rate = spec.lr * spec.lr_schedule(epoch)
                except ValueError:  # "Solver produced non-finite parameter weights": the loss was NaN
                    broken = True
            batch_losses.append(loss)
            hist.steps.append((step, epoch + (b + 1) / n_batches, loss))
        rec: dict[str, float] = {"epoch": float(epoch), "step": float(step)}
        rec["loss"] = float(np.mean(batch_losses))  # Keras: the running mean over the epoch's batches
        evaluate = (epoch + 1) % spec.val_every == 0
        if broken:
            rec.update({"accuracy": nan, "val_loss": nan, "val_accuracy": nan, "mae": nan, "val_mae": nan})
            if not evaluate:
                rec.pop("val_loss"), rec.pop("val_accuracy"), rec.pop("val_mae")
            hist.epochs.append(rec)
            epoch += 1
            continue
        if spec.regression:
            pt = model.predict(xt)
            rec["mae"] = float(mean_absolute_error(yt, pt))
            if evaluate:
                pv = model.predict(xv)
                rec["val_loss"] = float(mean_squared_error(yv, pv))
                rec["val_mae"] = float(mean_absolute_error(yv, pv))
        else:
            rec["accuracy"] = float(accuracy_score(yt, model.predict(xt)))
            if evaluate:
                proba = model.predict_proba(xv)
                finite = bool(np.isfinite(proba).all())  # blown-up weights give NaN outputs: a NaN loss
                rec["val_loss"] = float(log_loss(yv, proba, labels=classes)) if finite else nan
                rec["val_accuracy"] = float(accuracy_score(yv, np.nan_to_num(proba).argmax(1)))
        hist.epochs.append(rec)
        if spec.resume_at is not None and epoch == spec.resume_at and not hist.abandoned:
            snapshot = (copy.deepcopy(model), None, step)
        epoch += 1
    return hist


# ------------------------------------------------------------------------------------------ writers


def _cell(x: float | None) -> str:
    if x is None:
        return "NA"
    return _num(x)


def write_keras(spec: Spec, hist: History, folder: Path) -> Path:
    """Keras CSVLogger: ``epoch`` then the logs' keys sorted; ``NA`` where missing, ``nan`` for NaN."""
    keys = sorted({k for r in hist.epochs for k in r if k not in ("epoch", "step") and k in spec.metrics_logged})
    path = folder / "training.log"
    rows = [(int(r["epoch"]), r) for r in hist.epochs]
    if hist.abandoned:
        # Killed a few epochs after resume_at, restarted from that checkpoint with CSVLogger(append=True):
        # the crashed attempt's epochs stay in the file, followed by the resumed run's (the later write wins).
        first = [(int(r["epoch"]), r) for r in hist.epochs[: spec.resume_at + 1] + hist.abandoned]
        rows = first + [x for x in rows if x[0] > (spec.resume_at or 0)]
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["epoch", *keys])
        for e, r in rows:
            w.writerow([e, *[_cell(r.get(k)) for k in keys]])
    return path


def write_lightning(spec: Spec, hist: History, folder: Path) -> Path:
    """Lightning CSVLogger: one sparse row per log call, columns sorted, CRLF line ends."""
    vdir = folder / "version_0"
    vdir.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    by_epoch: dict[int, list[tuple[int, float, float]]] = {}
    for s, ef, loss in hist.steps:
        by_epoch.setdefault(min(math.ceil(ef) - 1, len(hist.epochs) - 1), []).append((s, ef, loss))
    for r in hist.epochs:
        e = int(r["epoch"])
        for s, _, loss in by_epoch.get(e, []):
            if s % spec.log_every == 0:  # Trainer(log_every_n_steps=...)
                rows.append({"epoch": e, "step": s - 1, "train_loss_step": loss})
        last = int(r["step"]) - 1
        if "val_loss" in r:
            val = {"epoch": e, "step": last, "val_loss": r["val_loss"]}
            if "val_accuracy" in r:
                val["val_acc"] = r["val_accuracy"]
            if "val_mae" in r:
                val["val_mae"] = r["val_mae"]
            rows.append(val)
        ep = {"epoch": e, "step": last, "train_loss_epoch": r["loss"]}
        if "accuracy" in r:
            ep["train_acc"] = r["accuracy"]
        rows.append(ep)
    cols = sorted({k for row in rows for k in row})
    path = vdir / "metrics.csv"
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=cols)
        w.writeheader()
        for row in rows:
            w.writerow(
                {k: ("" if k not in row else (row[k] if isinstance(row[k], int) else _num(row[k]))) for k in cols}
            )
    (vdir / "hparams.yaml").write_text(
        f"hidden: {list(spec.hidden)}\nlr: {spec.lr}\nbatch_size: {spec.batch}\n"
        + (f"num_classes: {spec.extra['num_classes']}\n" if "num_classes" in spec.extra else "")
    )
    return path


def _num(x: float) -> str:
    return "nan" if math.isnan(x) else repr(float(x))


def write_hf(spec: Spec, hist: History, folder: Path) -> Path:
    """Hugging Face Trainer ``trainer_state.json``: step-level ``loss`` every logging_steps, ``eval_*`` per epoch."""
    log: list[dict[str, Any]] = []
    window: list[float] = []
    for s, ef, loss in hist.steps:
        window.append(loss)
        if s % spec.log_every == 0:  # the Trainer logs the mean loss since the last log
            log.append(
                {
                    "epoch": round(ef, 4),
                    "grad_norm": 1.0,
                    "learning_rate": spec.lr,
                    "loss": float(np.mean(window)),
                    "step": s,
                }
            )
            window = []
        end = next((r for r in hist.epochs if int(r["step"]) == s), None)
        if end is not None and "val_loss" in end:
            entry: dict[str, Any] = {"epoch": float(end["epoch"]) + 1.0, "eval_loss": end["val_loss"]}
            if "val_accuracy" in end:
                entry["eval_accuracy"] = end["val_accuracy"]
            entry.update(
                {"eval_runtime": 0.05, "eval_samples_per_second": 4000.0, "eval_steps_per_second": 125.0, "step": s}
            )
            log.append(entry)
    total = hist.steps[-1][0]
    losses = [x[2] for x in hist.steps]
    log.append(
        {
            "epoch": float(len(hist.epochs)),
            "step": total,
            "total_flos": 0.0,
            "train_loss": float(np.mean(losses)),
            "train_runtime": 1.0,
            "train_samples_per_second": 1.0,
            "train_steps_per_second": 1.0,
        }
    )
    state = {
        "best_global_step": None,
        "best_metric": None,
        "best_model_checkpoint": None,
        "epoch": float(len(hist.epochs)),
        "eval_steps": 500,
        "global_step": total,
        "is_hyper_param_search": False,
        "is_local_process_zero": True,
        "is_world_process_zero": True,
        "log_history": log,
        "logging_steps": spec.log_every,
        "max_steps": total,
        "num_input_tokens_seen": 0,
        "num_train_epochs": len(hist.epochs),
        "save_steps": 500,
        "stateful_callbacks": {},
        "total_flos": 0.0,
        "train_batch_size": spec.batch,
        "trial_name": None,
        "trial_params": None,
    }
    path = folder / "trainer_state.json"
    path.write_text(json.dumps(state, indent=2) + "\n")  # json writes NaN as NaN, as the Trainer does
    return path


WRITERS = {"keras": write_keras, "lightning": write_lightning, "hf": write_hf}


# -------------------------------------------------------------------------------------------- specs


def _warmup_then_blowup(epoch: int) -> float:
    return 1.0 if epoch < 8 else 300.0


SPECS: tuple[Spec, ...] = (
    # --- overfitting, several kinds
    Spec(
        "keras_overfit_classic",
        "keras",
        "digits",
        ("overfitting",),
        ("divergence", "stalled", "unstable"),
        "digits, 200 training images with 20% flipped labels, 2x256 MLP, no weight decay: memorizes the noise",
        epochs=60,
        hidden=(256, 256),
        n_train=200,
        label_noise=0.2,
        alpha=0.0,
    ),
    Spec(
        "keras_overfit_mild",
        "keras",
        "digits",
        ("overfitting",),
        ("divergence", "stalled", "unstable"),
        "digits, 300 training images with 5% flipped labels: validation loss creeps up ~5% after its best",
        epochs=60,
        hidden=(128,),
        n_train=300,
        alpha=0.0,
        label_noise=0.05,
        lr=2e-3,
    ),
    Spec(
        "lightning_overfit_late",
        "lightning",
        "digits",
        ("overfitting",),
        ("divergence", "stalled", "unstable"),
        "digits with 15% flipped labels and a small learning rate: healthy for 50 epochs, then overfits slowly",
        epochs=120,
        hidden=(128,),
        n_train=800,
        label_noise=0.15,
        lr=5e-4,
        alpha=0.0,
        log_every=10,
    ),
    Spec(
        "hf_overfit_noisy",
        "hf",
        "moons",
        ("overfitting",),
        ("divergence", "stalled", "unstable"),
        "4-class synthetic data, 300 noisy-label training rows, a 120-row validation set: noisy curves, clear overfit",
        epochs=40,
        hidden=(256,),
        n_train=300,
        n_val=120,
        label_noise=0.25,
        alpha=0.0,
        batch=16,
        log_every=5,
    ),
    Spec(
        "keras_overfit_accuracy_only",
        "keras",
        "digits",
        ("overfitting",),
        ("divergence", "stalled", "unstable"),
        "logs no validation loss, only val_accuracy: accuracy falls as the 30%-noisy labels are memorized",
        epochs=60,
        hidden=(256, 256),
        n_train=300,
        label_noise=0.3,
        alpha=0.0,
        metrics_logged=("loss", "accuracy", "val_accuracy"),
    ),
    Spec(
        "keras_overfit_sparse_val",
        "keras",
        "wine",
        ("overfitting",),
        ("divergence", "stalled", "unstable"),
        "wine, 60 training rows with 20% flipped labels, validation every 2 epochs (NA rows in between)",
        epochs=80,
        hidden=(128, 128),
        n_train=60,
        label_noise=0.2,
        alpha=0.0,
        batch=8,
        val_every=2,
    ),
    Spec(
        "keras_regression_overfit",
        "keras",
        "diabetes",
        ("overfitting",),
        ("divergence", "stalled", "unstable"),
        "diabetes regression (MSE), 100 training rows, a wide MLP without weight decay",
        epochs=80,
        hidden=(256, 256),
        n_train=100,
        alpha=0.0,
        batch=16,
        regression=True,
        metrics_logged=("loss", "mae", "val_loss", "val_mae"),
    ),
    # --- healthy
    Spec(
        "keras_healthy",
        "keras",
        "digits",
        (),
        ("overfitting", "divergence", "stalled", "unstable"),
        "digits, all 1348 training images, weight decay: both losses fall and level off together",
        epochs=30,
        hidden=(64,),
        alpha=1e-2,
        lr=1e-3,
    ),
    Spec(
        "keras_healthy_binary",
        "keras",
        "breast_cancer",
        (),
        ("overfitting", "divergence", "stalled", "unstable"),
        "breast cancer (2 classes), small MLP with weight decay",
        epochs=40,
        hidden=(16,),
        alpha=1e-1,
        lr=1e-3,
        batch=16,
    ),
    Spec(
        "lightning_noisy_healthy",
        "lightning",
        "digits",
        (),
        ("overfitting", "divergence", "stalled", "unstable"),
        "batch size 4 and a 90-image validation set: very noisy step losses and validation, no real trend up",
        epochs=30,
        hidden=(64,),
        alpha=3e-2,
        lr=5e-4,
        batch=4,
        n_val=90,
        log_every=25,
    ),
    Spec(
        "hf_noisy_healthy",
        "hf",
        "digits",
        (),
        ("overfitting", "divergence", "stalled", "unstable"),
        "Trainer-style step losses every 5 steps with batch size 8, a 100-image eval set",
        epochs=25,
        hidden=(64,),
        alpha=3e-2,
        lr=5e-4,
        batch=8,
        n_val=100,
        log_every=5,
    ),
    Spec(
        "keras_resumed_healthy",
        "keras",
        "iris",
        (),
        ("overfitting", "divergence", "stalled", "unstable"),
        "iris, killed after epoch 18 and resumed from the epoch-15 checkpoint with CSVLogger(append=True)",
        epochs=40,
        hidden=(32,),
        alpha=1e-2,
        lr=5e-3,
        batch=8,
        resume_at=15,
    ),
    Spec(
        "keras_regression_healthy",
        "keras",
        "diabetes",
        (),
        ("overfitting", "divergence", "stalled", "unstable"),
        "diabetes regression on raw targets (MSE in the thousands), weight decay, all training rows",
        epochs=40,
        hidden=(32,),
        alpha=1.0,
        lr=1e-2,
        batch=16,
        regression=True,
        y_scale=False,
        metrics_logged=("loss", "mae", "val_loss", "val_mae"),
    ),
    # --- stalled
    Spec(
        "keras_stalled_tiny_lr",
        "keras",
        "digits",
        ("stalled",),
        ("overfitting", "divergence", "unstable"),
        "digits with SGD at a learning rate of 1e-7: the loss sits at 2.66 (above ln 10 = 2.30) and never moves",
        epochs=20,
        hidden=(64,),
        lr=1e-7,
        solver="sgd",
        momentum=0.0,
    ),
    Spec(
        "lightning_stalled_shuffled",
        "lightning",
        "digits",
        ("stalled",),
        ("divergence", "unstable", "overfitting"),
        "digits with shuffled labels: nothing to learn, validation accuracy stays at chance",
        epochs=30,
        hidden=(32,),
        shuffle_labels=True,
        alpha=1e-2,
        lr=1e-3,
        log_every=10,
        extra={"num_classes": 10},
    ),
    Spec(
        "hf_stalled_regression",
        "hf",
        "diabetes",
        ("stalled",),
        ("overfitting", "divergence", "unstable"),
        "regression with SGD at lr 1e-6: the MSE does not move from the start",
        epochs=20,
        hidden=(32,),
        regression=True,
        solver="sgd",
        lr=1e-6,
        momentum=0.0,
        batch=16,
        log_every=5,
        metrics_logged=("loss", "val_loss"),
    ),
    # --- diverging
    Spec(
        "keras_diverge_nan",
        "keras",
        "diabetes",
        ("divergence",),
        (),
        "diabetes on raw targets with SGD+momentum: learns for 8 epochs, then a 300x learning rate turns it NaN",
        epochs=20,
        hidden=(32,),
        regression=True,
        y_scale=False,
        solver="sgd",
        lr=1e-5,
        batch=16,
        lr_schedule=_warmup_then_blowup,
        metrics_logged=("loss", "mae", "val_loss", "val_mae"),
    ),
    Spec(
        "hf_diverge_explode",
        "hf",
        "digits",
        ("divergence",),
        (),
        "digits with SGD at learning rate 50: the loss explodes past 1e8 in the first steps, then turns NaN",
        epochs=12,
        hidden=(64,),
        solver="sgd",
        lr=50.0,
        batch=32,
        log_every=5,
    ),
    # --- unstable
    Spec(
        "keras_unstable_high_lr",
        "keras",
        "digits",
        ("unstable",),
        ("divergence", "stalled"),
        "digits with Adam at learning rate 0.03: training loss climbs 8x over epochs 5-12, then recovers",
        epochs=40,
        hidden=(64,),
        lr=0.03,
        batch=32,
        alpha=1e-3,
    ),
    # --- underfitting
    Spec(
        "keras_underfit_tiny_lr",
        "keras",
        "digits",
        ("underfitting",),
        ("overfitting", "divergence", "stalled", "unstable"),
        "digits, SGD at a small learning rate for 15 epochs: both losses still falling steadily at the end",
        epochs=15,
        hidden=(32,),
        solver="sgd",
        lr=3e-3,
        momentum=0.9,
        batch=64,
    ),
    Spec(
        "lightning_underfit_short",
        "lightning",
        "wine",
        ("underfitting",),
        ("overfitting", "divergence", "stalled", "unstable"),
        "wine, Adam at a small learning rate for 12 epochs: stopped long before convergence",
        epochs=12,
        hidden=(16,),
        lr=5e-4,
        batch=16,
        log_every=2,
    ),
)


# ------------------------------------------------------------------------------------------ running


def best_epoch(spec: Spec, hist: History) -> float | None:
    """The best epoch of the monitored metric, read from the records as the log will count it."""
    key = "val_loss" if "val_loss" in spec.metrics_logged else "val_accuracy"
    goal = "min" if key == "val_loss" else "max"
    pts = [(r["epoch"], r[key]) for r in hist.epochs if key in r and math.isfinite(r[key])]
    if not pts:
        return None
    val = min(p[1] for p in pts) if goal == "min" else max(p[1] for p in pts)
    e = next(p[0] for p in pts if p[1] == val)
    return e + 1.0 if spec.fmt == "hf" else e


def make(out: Path = OUT, only: tuple[str, ...] = ()) -> dict[str, Any]:
    """Train every spec (or only the named ones) and write its log and the manifest."""
    warnings.simplefilter("ignore")
    manifest = out / "expected.json"
    expected: dict[str, Any] = json.loads(manifest.read_text()) if only and manifest.exists() else {}
    if not only and out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    for spec in SPECS:
        if only and spec.name not in only:
            continue
        t0 = time.perf_counter()
        hist = train(spec)
        print(f"{spec.name}: {time.perf_counter() - t0:.1f}s", file=sys.stderr)
        folder = out / spec.name
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir()
        path = WRITERS[spec.fmt](spec, hist, folder)
        expected[spec.name] = {
            "path": str(path.relative_to(out)),
            "format": spec.fmt,
            "expect": list(spec.expect),
            "forbid": list(spec.forbid),
            "best_epoch": best_epoch(spec, hist),
            "story": spec.story,
        }
    order = [s.name for s in SPECS]
    expected = {k: expected[k] for k in sorted(expected, key=lambda k: order.index(k) if k in order else 999)}
    manifest.write_text(json.dumps(expected, indent=2) + "\n")
    return expected


def table(out: Path = OUT) -> str:
    """A Markdown table: every fixture, what losslog says about it, and whether that is what was expected."""
    from losslog.analysis import analyze
    from losslog.readers.discover import discover

    expected = json.loads((out / "expected.json").read_text())
    head = ["run", "format", "expected", *TABLE_CODES, "best epoch (expected)", "onset", "ok"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, exp in expected.items():
        found = discover([out / exp["path"]])
        a = analyze(found.runs[0])
        by_code = {f.code: f for f in a.findings}
        cells = []
        for code in TABLE_CODES:
            f = by_code.get(code)
            cells.append(f.severity if f else "–")
        got_best = a.best.epoch if a.best else None
        ov = by_code.get("overfitting")
        onset = (
            "–" if ov is None else f"{ov.onset_epoch:g}" if ov.onset_epoch is not None else f"step {ov.onset_step:g}"
        )
        ok = (
            all(c in by_code for c in exp["expect"])
            and not any(c in by_code for c in exp["forbid"])
            and got_best == exp["best_epoch"]
        )
        best = (
            f"{got_best:g} ({exp['best_epoch']:g})" if got_best is not None and exp["best_epoch"] is not None else "–"
        )
        lines.append(
            "| "
            + " | ".join(
                [name, exp["format"], ", ".join(exp["expect"]) or "healthy", *cells, best, onset, "yes" if ok else "NO"]
            )
            + " |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", action="store_true", help="print the verdict table instead of writing fixtures")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--only", nargs="*", default=(), help="remake only these runs")
    args = parser.parse_args()
    if args.table:
        print(table(args.out))
        return
    expected = make(args.out, tuple(args.only))
    print(f"wrote {len(expected)} runs to {args.out}")


if __name__ == "__main__":
    main()
