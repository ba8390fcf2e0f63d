"""Keras CSVLogger files: every quirk the real writer produces."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from losslog.readers.discover import discover
from tests.conftest import curve_rows, keras_csv_text


def read_one(path: Path, keep_all: bool = False):  # type: ignore[no-untyped-def]
    found = discover([path], keep_all=keep_all)
    assert not found.errors, found.errors
    assert len(found.runs) == 1
    return found.runs[0]


def values(run, tag):  # type: ignore[no-untyped-def]
    s = run.series(tag)
    return s["step"].tolist(), s["value"].tolist()


def test_training_log_any_name_crlf(tmp_path: Path) -> None:
    path = tmp_path / "training.log"
    path.write_bytes(keras_csv_text(curve_rows(5)).encode())
    run = read_one(path)
    assert run.format == "keras"
    assert run.name == tmp_path.name  # generic file name: the run is named by its folder
    assert set(run.tags) == {"accuracy", "loss", "val_accuracy", "val_loss"}
    steps, vals = values(run, "val_loss")
    assert steps == [0, 1, 2, 3, 4]
    assert vals[0] == curve_rows(5)[0]["val_loss"]
    assert run.series("loss")["epoch"].tolist() == [0, 1, 2, 3, 4]  # Keras counts from 0


def test_na_cells_are_absent_and_nan_is_kept(tmp_path: Path) -> None:
    text = "epoch,accuracy,loss,val_accuracy,val_loss\n0,0.5,0.9,NA,NA\n1,0.6,0.8,0.55,0.85\n2,0.6,nan,NA,NA\n"
    path = tmp_path / "log.csv"
    path.write_text(text)
    run = read_one(path)
    assert values(run, "val_loss") == ([1.0], [0.85])
    steps, vals = values(run, "loss")
    assert steps == [0, 1, 2]
    assert math.isnan(vals[2])


def test_semicolon_separator_and_learning_rate(tmp_path: Path) -> None:
    rows = [{"epoch": e, "loss": 1.0 / (e + 1), "learning_rate": 0.001, "val_loss": 1.1 / (e + 1)} for e in range(3)]
    path = tmp_path / "training.csv"
    path.write_text(keras_csv_text(rows, sep=";"))
    run = read_one(path)
    lr = run.frame[run.frame["tag"] == "learning_rate"]
    assert set(lr["metric"]) == {"lr"}
    assert len(lr) == 3


def test_acc_alias(tmp_path: Path) -> None:
    path = tmp_path / "old_keras.csv"
    path.write_text("epoch,acc,loss,val_acc,val_loss\n0,0.5,1.0,0.4,1.1\n1,0.6,0.9,0.5,1.0\n")
    run = read_one(path)
    assert set(run.frame["metric"]) == {"accuracy", "loss"}


def test_appended_with_repeated_header_and_restart(tmp_path: Path) -> None:
    first = keras_csv_text(curve_rows(4))
    second = keras_csv_text(curve_rows(3))  # a second fit() appending: header again, epochs from 0
    path = tmp_path / "training.log"
    path.write_text(first + second)
    run = read_one(path)
    steps, _ = values(run, "val_loss")
    assert steps == [0, 1, 2]  # the later session replaced epochs 0..3
    assert run.replaced_points == 4 * 4  # four metrics, four epochs each
    kept = read_one(path, keep_all=True)
    assert len(kept.series("val_loss")) == 7


def test_appended_without_header_epochs_restart(tmp_path: Path) -> None:
    path = tmp_path / "training.log"
    path.write_text("epoch,loss,val_loss\n3,0.8,0.9\n4,0.7,0.85\n0,0.6,0.8\n1,0.5,0.75\n")
    run = read_one(path)
    assert values(run, "val_loss") == ([0.0, 1.0], [0.8, 0.75])
    assert run.replaced_points == 4


def test_file_still_being_written_reports_complete_rows(tmp_path: Path) -> None:
    full = keras_csv_text(curve_rows(6), crlf=False)
    path = tmp_path / "training.log"
    path.write_text(full[: full.rindex("\n", 0, len(full) - 1) + 8])  # cut inside the last row
    run = read_one(path)
    assert len(run.series("loss")) == 5


def test_custom_separator_tab(tmp_path: Path) -> None:
    path = tmp_path / "history.tsv"
    path.write_text(keras_csv_text(curve_rows(3), sep="\t"))
    run = read_one(path)
    assert len(run.series("val_loss")) == 3


finite_floats = st.floats(allow_nan=False, allow_infinity=False, width=32)


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(min_value=1, max_value=30),
    data=st.data(),
    sep=st.sampled_from([",", ";", "\t"]),
    crlf=st.booleans(),
)
def test_round_trip_every_value(tmp_path_factory, n: int, data: st.DataObject, sep: str, crlf: bool) -> None:  # type: ignore[no-untyped-def]
    rows: list[dict[str, float | None]] = []
    for e in range(n):
        rows.append(
            {
                "epoch": e,
                "loss": data.draw(st.one_of(finite_floats, st.just(float("nan")), st.just(float("inf")))),
                "val_loss": data.draw(st.one_of(finite_floats, st.none())),
                "accuracy": data.draw(finite_floats),
            }
        )
    path = tmp_path_factory.mktemp("k") / "training.log"
    path.write_text(keras_csv_text(rows, sep=sep, crlf=crlf))
    run = read_one(path)
    got = run.series("loss")["value"].to_numpy()
    want = np.array([r["loss"] for r in rows], dtype="float64")
    np.testing.assert_array_equal(got, want)  # NaN == NaN here; inf kept
    val = run.series("val_loss")
    assert val["value"].tolist() == [r["val_loss"] for r in rows if r["val_loss"] is not None]


def test_pandas_to_csv_history_index_is_the_epoch() -> None:
    """``pd.DataFrame(history.history).to_csv(f)``: an unnamed index column, keys in logging order."""
    from tests.readers_helpers import fixture, naming_of, points, read_one

    run = read_one(fixture("keras/pandas_history.csv"))
    assert run.format == "keras"
    assert naming_of(run, "val_loss") == ("val", "loss")
    assert naming_of(run, "accuracy") == ("train", "accuracy")
    assert points(run, "val_loss", "epoch") == [0.0, 1.0, 2.0]
    assert points(run, "val_loss") == [1.1, 0.95, 0.97]
    assert run.meta["epoch_from"] == "pandas index column"
    assert run.meta["epoch_base"] == 0


def test_pandas_history_read_back_and_saved_again(tmp_path: Path) -> None:
    """Read with read_csv and saved again, the index column is called ``Unnamed: 0``."""
    from tests.readers_helpers import fixture, points, read_one

    run = read_one(fixture("keras/pandas_history_reread.csv"))
    assert run.format == "keras"
    assert points(run, "val_mae", "epoch") == [0.0, 1.0]
    assert "Unnamed: 0" not in run.tags


def test_unnamed_first_column_without_keras_names_is_not_keras(tmp_path: Path) -> None:
    from losslog.readers import registry
    from losslog.readers.base import make_probe

    path = tmp_path / "prices.csv"
    path.write_text(",open,close\n0,1.0,2.0\n1,1.5,2.5\n")
    reader = registry.best_reader(make_probe(path))
    assert reader is None or reader.name != "keras"
