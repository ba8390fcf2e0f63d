"""Write sample_logs/ from real (small) training runs, so the README shows real curves.

The runs train scikit-learn's MLPClassifier with ``partial_fit`` on its bundled digits data (no
download) and log each epoch the way Keras's CSVLogger does: ``epoch`` from 0, then the metrics
sorted by name. Re-running it reproduces the same files (fixed seeds).
"""

from __future__ import annotations

import csv
import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

OUT = Path(__file__).resolve().parent.parent / "sample_logs"


def train(
    n_train: int,
    epochs: int,
    hidden: tuple[int, ...],
    alpha: float,
    lr: float,
    seed: int,
    label_noise: float = 0.0,
) -> list[dict[str, float]]:
    x, y = load_digits(return_X_y=True)
    x = StandardScaler().fit_transform(x)
    x_tr, x_va, y_tr, y_va = train_test_split(x, y, train_size=n_train, random_state=seed, stratify=y)
    rng = np.random.default_rng(seed)
    if label_noise:
        flip = rng.random(len(y_tr)) < label_noise
        y_tr = y_tr.copy()
        y_tr[flip] = rng.integers(0, 10, flip.sum())
    clf = MLPClassifier(hidden_layer_sizes=hidden, alpha=alpha, learning_rate_init=lr, random_state=seed, batch_size=32)
    classes = np.arange(10)
    rows = []
    for epoch in range(epochs):
        order = rng.permutation(len(x_tr))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.partial_fit(x_tr[order], y_tr[order], classes=classes)
        p_tr, p_va = clf.predict_proba(x_tr), clf.predict_proba(x_va)
        rows.append(
            {
                "epoch": epoch,
                "accuracy": accuracy_score(y_tr, p_tr.argmax(1)),
                "loss": log_loss(y_tr, p_tr, labels=classes),
                "val_accuracy": accuracy_score(y_va, p_va.argmax(1)),
                "val_loss": log_loss(y_va, p_va, labels=classes),
            }
        )
    return rows


def write_keras_csv(path: Path, rows: list[dict[str, float]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    keys = ["epoch", *sorted(k for k in rows[0] if k != "epoch")]
    with path.open("w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\r\n")  # Keras's csv writer ends lines with CRLF
        w.writerow(keys)
        for r in rows:
            w.writerow([r["epoch"], *(repr(float(r[k])) for k in keys[1:])])


def main() -> None:
    write_keras_csv(
        OUT / "mlp_overfit" / "training.log",
        train(n_train=150, epochs=60, hidden=(256, 256), alpha=0.0, lr=0.003, seed=1, label_noise=0.15),
    )
    write_keras_csv(
        OUT / "mlp_healthy" / "training.log",
        train(n_train=1200, epochs=30, hidden=(64,), alpha=1e-2, lr=0.001, seed=2),
    )
    write_keras_csv(
        OUT / "mlp_small" / "training.log",
        train(n_train=1200, epochs=30, hidden=(16,), alpha=1e-3, lr=0.001, seed=3),
    )


if __name__ == "__main__":
    main()
