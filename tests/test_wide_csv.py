"""Generic wide CSV/TSV logs and the malformed inputs every text reader must survive."""

from __future__ import annotations

import threading
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from losslog.readers.discover import discover


def read(path: Path):  # type: ignore[no-untyped-def]
    return discover([path])


def test_step_and_epoch_columns_and_split_spellings(tmp_path: Path) -> None:
    path = tmp_path / "run.csv"
    path.write_text(
        "step,epoch,train_loss,loss_val,valid/acc,test_f1,lr\n100,0,2.0,2.1,0.3,0.2,0.1\n200,1,1.5,1.7,0.5,0.4,0.05\n"
    )
    found = read(path)
    assert not found.errors
    run = found.runs[0]
    assert run.format == "csv"
    f = run.frame
    by_tag = {t: (g["split"].iloc[0], g["metric"].iloc[0]) for t, g in f.groupby("tag")}
    assert by_tag["train_loss"] == ("train", "loss")
    assert by_tag["loss_val"] == ("val", "loss")
    assert by_tag["valid/acc"] == ("val", "accuracy")
    assert by_tag["test_f1"] == ("test", "f1")
    assert by_tag["lr"][1] == "lr"
    assert sorted(f["step"].unique().tolist()) == [100, 200]
    assert sorted(f["epoch"].unique().tolist()) == [0, 1]


def test_tsv_without_x_column_uses_row_index(tmp_path: Path) -> None:
    path = tmp_path / "losses.tsv"
    path.write_text("train_loss\tval_loss\n1.0\t1.2\n0.8\t1.0\n0.7\t0.9\n")
    run = read(path).runs[0]
    assert run.series("val_loss")["step"].tolist() == [0, 1, 2]


def test_utf8_bom_and_utf16(tmp_path: Path) -> None:
    a = tmp_path / "bom.csv"
    a.write_bytes("\ufeffstep,val_loss\n1,0.5\n".encode())
    b = tmp_path / "utf16.csv"
    b.write_bytes("step,val_loss\n1,0.5\n".encode("utf-16"))
    found = discover([a, b])
    assert not found.errors
    assert [r.series("val_loss")["value"].tolist() for r in found.runs] == [[0.5], [0.5]]


def test_wrong_encoding_is_read_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("step,val_loss,précision\n1,0.5,0.9\n".encode("latin-1"))
    found = read(path)
    assert not found.errors
    assert any("UTF-8" in w for w in found.runs[0].warnings)


def test_nan_and_inf_cells_are_points(tmp_path: Path) -> None:
    path = tmp_path / "run.csv"
    path.write_text("step,train_loss\n1,0.5\n2,inf\n3,NaN\n4,\n")
    values = read(path).runs[0].series("train_loss")["value"].tolist()
    assert len(values) == 3 and values[1] == float("inf") and values[2] != values[2]


def test_file_being_written_while_read(tmp_path: Path) -> None:
    """A writer appends rows in pieces while we read: every read succeeds, every row but a last one
    still being written is exact, and the whole file reads exactly once the writer is done."""
    path = tmp_path / "live.csv"
    path.write_text("step,train_loss,val_loss\n")
    stop = threading.Event()

    def writer() -> None:
        with path.open("a") as fh:
            for i in range(400):
                row = f"{i},{1.0 / (i + 1)!r},{1.1 / (i + 1)!r}\n"
                cut = len(row) // 2 if i % 2 else len(row) - 3  # mid-row, or inside the last number
                fh.write(row[:cut])
                fh.flush()
                fh.write(row[cut:])
                fh.flush()
        stop.set()

    t = threading.Thread(target=writer)
    t.start()
    seen = 0
    while not stop.is_set() or seen == 0:
        found = read(path)
        for e in found.errors:
            assert "header without data rows" in e.message  # before the first row lands
        for run in found.runs:
            steps = run.series("val_loss")["step"].tolist()
            assert steps == list(range(len(steps)))
            values = run.series("val_loss")["value"].tolist()
            assert values[:-1] == [1.1 / (i + 1) for i in range(len(values) - 1)]
            if values:
                # the last row may be cut inside its last number: all its cells are there, so it is
                # read (issue 13: batch reading never asks the clock); its value is then a prefix
                # of the number being written, never anything else
                text = repr(1.1 / len(values))
                prefixes = {float(text[:k]) for k in range(1, len(text) + 1) if text[:k] not in ("0", "0.")}
                assert values[-1] in prefixes | {0.0}, (values[-1], text)
            seen += 1
    t.join()
    final = read(path).runs[0]
    assert len(final.series("train_loss")) == 400
    assert final.series("val_loss")["value"].tolist() == [1.1 / (i + 1) for i in range(400)]


@settings(max_examples=80, deadline=None)
@given(data=st.binary(min_size=1, max_size=2000))
def test_garbage_never_raises(tmp_path_factory, data: bytes) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("g") / "x.csv"
    path.write_bytes(data)
    found = read(path)
    assert found.runs or found.errors
    for e in found.errors:
        assert e.source == str(path)
        assert "\n" not in str(e)


@settings(max_examples=60, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("0123456789.,;\t-eEnaif \r\nlosvd_")), min_size=1, max_size=400))
def test_csvish_text_never_raises(tmp_path_factory, text: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("t") / "y.csv"
    path.write_text("step,val_loss\n" + text)
    found = read(path)
    assert found.runs or found.errors


def test_last_line_without_line_end_never_depends_on_the_clock(tmp_path: Path) -> None:
    """Batch reading never asks the clock: the same file gives the same points now and an hour later.
    A last row with every cell is read; a cut number cannot be told from a finished one."""
    import os
    import time

    path = tmp_path / "live.csv"
    path.write_text("step,val_loss\n1,0.5\n2,0.4444")
    fresh = read(path).runs[0]
    old = time.time() - 3600
    os.utime(path, (old, old))
    later = read(path).runs[0]
    assert fresh.series("val_loss")["value"].tolist() == [0.5, 0.4444]
    assert later.series("val_loss")["value"].tolist() == [0.5, 0.4444]
    assert fresh.warnings == later.warnings


# --- why nothing claimed a file ------------------------------------------------------------------


def test_unclaimed_table_without_numbers_says_so(tmp_path: Path) -> None:
    from losslog.errors import LossLogError
    from losslog.readers import registry

    path = tmp_path / "names.txt"
    path.write_text("name,city\nada,london\nalan,wilmslow\n")
    try:
        registry.reader_for_file(path)
    except LossLogError as exc:
        assert "looks like CSV, but no numeric metric column" in str(exc)
    else:
        raise AssertionError("a table of words was claimed")


def test_unclaimed_plain_text_and_json_say_why(tmp_path: Path) -> None:
    from losslog.readers import registry
    from losslog.readers.base import make_probe

    text = tmp_path / "notes.log"
    text.write_text("hello\nthis is not a training log\n")
    assert "no line looks like a training log" in registry.why_declined(make_probe(text))
    js = tmp_path / "config.json"
    js.write_text('{"a": 1}\n')
    assert "looks like JSON" in registry.why_declined(make_probe(js))
    data = tmp_path / "numbers.csv"
    data.write_text("1,2,3\n4,5,6\n")
    assert "first line is data" in registry.why_declined(make_probe(data))


def test_verbose_folder_walk_lists_skipped_files_with_the_reason(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from losslog.cli.app import app

    (tmp_path / "metrics.csv").write_text("epoch,loss,val_loss\n0,1.0,1.1\n1,0.8,0.9\n2,0.6,0.8\n")
    (tmp_path / "names.txt").write_text("name,city\nada,london\n")
    result = CliRunner().invoke(app, ["report", str(tmp_path), "--verbose"])
    assert "skipped (not a log)" in result.output
    assert "no numeric metric column" in result.output
