"""losslog.watch as a library: incremental reading, restarts, judgment equal to the batch report,
stop rules, notifications and the plain output. Files are grown in this process, poll by poll
(the tests with writers in other processes are in test_watch_live.py)."""

from __future__ import annotations

import json
import os
import struct
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from losslog.analysis import AnalysisOptions
from losslog.analysis.findings import Finding
from losslog.analysis.run_analysis import analyze
from losslog.cli.commands import app
from losslog.errors import UsageError
from losslog.readers.discover import discover
from losslog.readers.tfevents import masked_crc32c
from losslog.watch import ExitRule, WatchConfig, Watcher, parse_duration
from losslog.watch.events import WatchEvent
from losslog.watch.plain import format_event
from losslog.watch.records import RecordFramer
from losslog.watch.tail import FINGERPRINT_BYTES, FileTail
from tests.conftest import curve_rows, keras_csv_text

SAMPLES = Path(__file__).resolve().parent.parent / "sample_logs"


def lines_of(rows: list[dict[str, float | None]]) -> list[bytes]:
    return keras_csv_text(rows).encode().splitlines(keepends=True)


def append(path: Path, data: bytes) -> None:
    with open(path, "ab") as fh:
        fh.write(data)


def batch(path: Path, options: AnalysisOptions | None = None):  # type: ignore[no-untyped-def]
    found = discover([path])
    assert not found.errors
    return analyze(found.runs[0], options or AnalysisOptions())


def only_state(w: Watcher):  # type: ignore[no-untyped-def]
    (state,) = w.states.values()
    return state


# ------------------------------------------------------------------------------------ framing


def record(data: bytes) -> bytes:
    header = struct.pack("<Q", len(data))
    return header + struct.pack("<I", masked_crc32c(header)) + data + struct.pack("<I", masked_crc32c(data))


def test_framer_waits_for_a_cut_record_and_resyncs_after_damage() -> None:
    recs = [record(b"a" * 10), record(b"bb" * 20), record(b"")]
    stream = b"".join(recs)
    framer = RecordFramer()
    out = b""
    for i in range(len(stream)):  # one byte at a time: every cut position
        got = framer.feed(stream[i : i + 1])
        out += got
        assert len(out) in (0, len(recs[0]), len(recs[0]) + len(recs[1]), len(stream))
    assert out == stream and framer.pending == 0
    damaged = b"\x01\x02\x03" + recs[1]
    assert framer.feed(damaged) == recs[1]
    assert framer.bad_headers == 3


def test_framer_in_bulk_with_damage_in_the_middle_and_pieces_of_any_size() -> None:
    import random

    recs = [record(bytes([i % 251]) * (i % 37)) for i in range(3000)]
    clean = b"".join(recs)
    garbage = b"\xff\x00\x13\x37\x42"
    stream = b"".join(recs[:1500]) + garbage + b"".join(recs[1500:])
    rng = random.Random(7)
    framer = RecordFramer()
    out = bytearray()
    pos = 0
    while pos < len(stream):
        step = rng.choice([1, 7, 100, 5000, 60000])
        out += framer.feed(stream[pos : pos + step])
        pos += step
    assert bytes(out) == clean
    assert framer.bad_headers == len(garbage) and framer.pending == 0


# ------------------------------------------------------------------------------------ tail


def test_tail_reads_only_appended_bytes_and_notices_truncation_and_replacement(tmp_path: Path) -> None:
    p = tmp_path / "log.csv"
    p.write_bytes(b"x" * 1000)
    tail = FileTail(p)
    first = tail.poll()
    assert first is not None and len(first.data) == 1000 and not first.reset
    assert tail.poll() is None  # nothing changed: a stat, no read
    assert tail.bytes_read == 1000
    append(p, b"y" * 10)
    chunk = tail.poll()
    assert chunk is not None and chunk.data == b"y" * 10
    assert tail.bytes_read <= 1010 + FINGERPRINT_BYTES
    p.write_bytes(b"x" * 5)  # truncated in place
    chunk = tail.poll()
    assert chunk is not None and chunk.reset and chunk.reason == "truncated" and chunk.data == b"x" * 5
    new = tmp_path / "new.csv"
    new.write_bytes(b"z" * 50)
    os.replace(new, p)  # replaced by another file (another inode)
    chunk = tail.poll()
    assert chunk is not None and chunk.reset and chunk.reason == "replaced" and chunk.data == b"z" * 50
    p.write_bytes(b"Q" + b"z" * 60)  # rewritten whole, longer: the first bytes changed
    chunk = tail.poll()
    assert chunk is not None and chunk.reset and chunk.reason == "rewritten" and len(chunk.data) == 61


# ------------------------------------------------------------------------------------ CSV


def test_csv_grown_row_by_row_gives_the_batch_report(tmp_path: Path) -> None:
    rows = curve_rows(16, overfit_from=6)
    lines = lines_of(rows)
    p = tmp_path / "training.log"
    p.write_bytes(lines[0])
    w = Watcher([p], WatchConfig(interval=3600))
    assert [e.kind for e in w.poll(force=True)] == ["run"]
    fired_at = None
    for i, line in enumerate(lines[1:]):
        half = len(line) // 2
        append(p, line[:half])  # a cut line waits for its end
        assert not [e for e in w.poll(force=True) if e.kind == "points"]
        append(p, line[half:])
        events = w.poll(force=True)
        assert [e.points for e in events if e.kind == "points"] == [4]  # one row: four metrics
        if fired_at is None and any(e.kind == "finding" and e.finding.code == "overfitting" for e in events):
            fired_at = i
    final = batch(p)
    state = only_state(w)
    assert state.analysis is not None
    assert state.analysis.points == final.points
    assert [f.code for f in state.analysis.findings] == [f.code for f in final.findings]
    assert state.analysis.best == final.best
    onset = next(f.onset_step for f in final.findings if f.code == "overfitting")
    assert fired_at is not None and onset is not None
    assert fired_at <= onset + 3 + 2  # patience 3, and at most two evaluations later
    w.close()


def test_csv_restart_rewrite_and_truncation_count_nothing_twice(tmp_path: Path) -> None:
    rows = curve_rows(30)
    lines = lines_of(rows)
    p = tmp_path / "training.log"
    p.write_bytes(b"".join(lines[:21]))
    w = Watcher([p], WatchConfig(interval=3600))
    w.poll(force=True)
    # Keras CSVLogger(append=True) after a restart from epoch 15: rows again from 15, no header
    append(p, b"".join(lines[16:31]))
    w.poll(force=True)
    state = only_state(w)
    assert state.analysis is not None
    assert state.analysis.points == batch(p).points == 30 * 4
    assert state.analysis.replaced_points == batch(p).replaced_points == 5 * 4
    # truncated to its first ten rows, then written on
    p.write_bytes(b"".join(lines[:11]))
    events = w.poll(force=True)
    assert any(e.kind == "reset" and "truncated" in e.message for e in events)
    assert state.analysis.points == 10 * 4
    append(p, b"".join(lines[11:16]))
    w.poll(force=True)
    assert state.analysis.points == batch(p).points == 15 * 4
    w.close()


def test_reading_cost_per_poll_follows_the_new_bytes_not_the_file_size(tmp_path: Path) -> None:
    rows = curve_rows(3000)
    lines = lines_of(rows)
    p = tmp_path / "training.log"
    p.write_bytes(b"".join(lines[:2500]))
    w = Watcher([p], WatchConfig(interval=3600))
    w.poll()
    assert w.bytes_read == p.stat().st_size
    for line in lines[2500:2520]:
        before = w.bytes_read
        append(p, line)
        w.poll()
        assert 0 < w.bytes_read - before <= len(line) + FINGERPRINT_BYTES
    idle_before = w.bytes_read
    for _ in range(5):
        w.poll()
    assert w.bytes_read == idle_before  # a quiet file is not read at all
    w.close()


# ------------------------------------------------------------------------------------ JSON lines


def test_detectron2_json_lines_with_a_cut_line(tmp_path: Path) -> None:
    p = tmp_path / "metrics.json"
    lines = [
        json.dumps({"iteration": i, "total_loss": 2.0 / (i + 1), "lr": 0.01, "data_time": 0.01}).encode() + b"\n"
        for i in range(0, 200, 10)
    ]
    p.write_bytes(lines[0])
    w = Watcher([p], WatchConfig(interval=3600))
    w.poll(force=True)
    for line in lines[1:]:
        append(p, line[:7])
        w.poll(force=True)
        append(p, line[7:])
        w.poll(force=True)
    state = only_state(w)
    assert state.feed.fmt == "detectron2"
    assert state.analysis is not None and state.analysis.points == batch(p).points == 20 * 3
    w.close()


# ------------------------------------------------------------------------------------ event files


def test_event_files_with_a_restart_follow_tensorboards_rule(tmp_path: Path) -> None:
    import time

    from tensorboardX import SummaryWriter

    run = tmp_path / "run"
    w = Watcher([tmp_path], WatchConfig(interval=3600))
    assert w.poll(force=True) == []  # nothing yet: waiting, not an error
    writer = SummaryWriter(str(run))
    rows = curve_rows(30, overfit_from=10)
    for r in rows[:20]:
        writer.add_scalar("train/loss", r["loss"], int(r["epoch"] or 0))
        writer.add_scalar("val/loss", r["val_loss"], int(r["epoch"] or 0))
        writer.flush()
        w.poll(force=True)
    writer.close()
    time.sleep(1.05)  # the restart's file name carries a later second, as in a real restart
    writer = SummaryWriter(str(run))
    for r in rows[15:]:
        writer.add_scalar("train/loss", r["loss"], int(r["epoch"] or 0))
        writer.add_scalar("val/loss", r["val_loss"], int(r["epoch"] or 0))
        writer.flush()
        w.poll(force=True)
    writer.close()
    w.poll(force=True)
    state = only_state(w)
    final = batch(run)
    assert state.analysis is not None
    assert (state.analysis.points, state.analysis.replaced_points) == (final.points, final.replaced_points)
    assert final.replaced_points == 10
    assert [f.code for f in state.analysis.findings] == [f.code for f in final.findings]
    assert "overfitting" in {f.code for f in final.findings}
    assert state.analysis.best == final.best
    w.close()


def test_event_file_cut_record_waits_and_reading_stays_incremental(tmp_path: Path) -> None:
    from tensorboardX import SummaryWriter

    src = tmp_path / "src"
    writer = SummaryWriter(str(src))
    for step in range(3000):
        writer.add_scalar("loss", 1.0 / (step + 1), step)
    writer.close()
    (full,) = list(src.iterdir())
    data = full.read_bytes()
    # record boundaries, from the framing
    bounds = [0]
    while bounds[-1] < len(data):
        (n,) = struct.unpack_from("<Q", data, bounds[-1])
        bounds.append(bounds[-1] + 16 + n)
    live = tmp_path / "live" / full.name
    live.parent.mkdir()
    live.write_bytes(data[: bounds[2000]])
    w = Watcher([live.parent], WatchConfig(interval=3600))
    w.poll(force=True)
    state = only_state(w)
    assert state.analysis is not None and state.analysis.points == 1999  # the first record is file_version
    for k in range(2000, 2010):
        rec = data[bounds[k] : bounds[k + 1]]
        before = w.bytes_read
        append(live, rec[:9])  # cut inside the header
        w.poll(force=True)
        append(live, rec[9:])
        w.poll(force=True)
        assert w.bytes_read - before <= len(rec) + 2 * FINGERPRINT_BYTES
    assert state.analysis.points == 2009
    w.close()


# ------------------------------------------------------------------------------------ idle


def test_idle_finishes_runs_and_the_watch(tmp_path: Path) -> None:
    t = [1000.0]
    log = tmp_path / "training.log"
    log.write_bytes((SAMPLES / "mlp_healthy" / "training.log").read_bytes())
    w = Watcher([log], WatchConfig(interval=1, idle=600), clock=lambda: t[0])
    os.utime(log, (t[0] - 10, t[0] - 10))  # last written ten seconds before the watch began
    w.poll()
    assert not w.all_finished
    t[0] += 595
    assert not any(e.kind == "finished" for e in w.poll())
    t[0] += 10
    assert any(e.kind == "finished" for e in w.poll())
    assert w.all_finished
    w.close()


# ------------------------------------------------------------------------------------ rules


def test_durations() -> None:
    assert parse_duration("30s") == 30
    assert parse_duration("10m") == 600
    assert parse_duration("1h30m") == 5400
    assert parse_duration("2.5") == 2.5
    assert parse_duration("500ms") == 0.5
    for bad in ("", "soon", "10x", "-5s", "0"):
        with pytest.raises(UsageError):
            parse_duration(bad)


def test_exit_rules() -> None:
    warn = Finding("overfitting", "warning", "val_loss", "m")
    info = Finding("underfitting", "info", "loss", "m")
    err = Finding("divergence", "error", "loss", "m")
    rule = ExitRule.parse("overfitting, divergence")
    assert rule is not None and rule.matches(warn) and rule.matches(err) and not rule.matches(info)
    sev = ExitRule.parse("warning")
    assert sev is not None and sev.matches(warn) and sev.matches(err) and not sev.matches(info)
    assert ExitRule.parse(None) is None
    with pytest.raises(UsageError):
        ExitRule.parse("overfiting")


# ------------------------------------------------------------------------------------ output


def test_plain_lines_escape_names_from_logs() -> None:
    f = Finding("overfitting", "warning", "val_loss", "val\x1b[2J_loss rose\nagain", onset_step=6)
    line = format_event(WatchEvent("finding", "run\x1b]0;owned\x07", 0.0, f.message, finding=f, first_seen=0.0))
    assert line is not None
    assert "\x1b" not in line and "\n" not in line and "\x07" not in line
    assert "\\x1b" in line and "overfitting (warning) onset step 6" in line


runner = CliRunner()


def test_cli_exit_codes(tmp_path: Path) -> None:
    overfit = str(SAMPLES / "mlp_overfit" / "training.log")
    healthy = str(SAMPLES / "mlp_healthy" / "training.log")
    assert runner.invoke(app, ["watch", overfit, "--once", "--exit-on", "overfitting"]).exit_code == 1
    assert runner.invoke(app, ["watch", healthy, "--once", "--exit-on", "overfitting"]).exit_code == 0
    assert runner.invoke(app, ["watch", str(tmp_path / "missing"), "--once"]).exit_code == 2
    assert runner.invoke(app, ["watch", healthy, "--exit-on", "nonsense"]).exit_code == 2
    assert runner.invoke(app, ["watch", healthy, "--idle", "soon"]).exit_code == 2
    junk = tmp_path / "notes.bin"
    junk.write_bytes(b"\x00\x01\x02" * 100)
    assert runner.invoke(app, ["watch", str(junk), "--once"]).exit_code == 2
    assert runner.invoke(app, ["watch", str(tmp_path), "--once"]).exit_code == 2  # nothing to judge
    res = runner.invoke(app, ["watch", healthy, "--timeout", "0.3s", "--interval", "0.1s", "--poll"])
    assert res.exit_code == 0 and "timeout" in res.stderr
    assert "\x1b" not in res.stdout and "best checkpoint val_loss" in res.stdout


def test_on_finding_hook_gets_json_and_a_failing_hook_is_a_warning(tmp_path: Path) -> None:
    overfit = str(SAMPLES / "mlp_overfit" / "training.log")
    out = tmp_path / "hook out.jsonl"
    script = "import sys; open(sys.argv[1], 'ab').write(sys.stdin.buffer.read() + b'\\n')"
    cmd = f'"{sys.executable}" -c "{script}" "{out}"'
    res = runner.invoke(app, ["watch", overfit, "--once", "--on-finding", cmd])
    assert res.exit_code == 0, res.output
    payloads = [json.loads(line) for line in out.read_text().splitlines()]
    assert {p["finding"]["code"] for p in payloads} == {"overfitting", "overconfidence"}
    assert all(p["event"] == "finding" and p["run"] == "mlp_overfit" and "first_seen" in p for p in payloads)
    failing = f'"{sys.executable}" -c "raise SystemExit(3)"'
    res = runner.invoke(app, ["watch", overfit, "--once", "--exit-on", "overfitting", "--on-finding", failing])
    assert res.exit_code == 1
    assert "warning: --on-finding" in res.stderr and "exited with code 3" in res.stderr
    res = runner.invoke(app, ["watch", overfit, "--once", "--on-finding", "no-such-program-xyz"])
    assert res.exit_code == 0 and "cannot run" in res.stderr


def test_text_logs_are_read_once_and_judged_once_per_interval(tmp_path: Path) -> None:
    """Console logs (lines that depend on earlier ones) are read line by line, each byte once,
    and judged at most once per interval however many lines arrived."""
    p = tmp_path / "train.log"
    lines = [
        f"step {s}: train loss {3.0 / (1 + s / 100):.4f}, val loss {3.2 / (1 + s / 120):.4f}\n"
        for s in range(0, 1000, 50)
    ]
    p.write_text(lines[0])
    t = [0.0]
    w = Watcher([p], WatchConfig(interval=10), clock=lambda: t[0])
    w.poll()
    state = only_state(w)
    assert state.feed.fmt == "text" and state.analysis is not None and state.analysis.points == 2
    for line in lines[1:10]:
        append(p, line.encode())
        w.poll()  # not due: read, but not judged yet
    assert state.analysis.points == 2
    t[0] += 10
    w.poll()
    # every byte read once, none again; a poll that finds new bytes also re-checks the fingerprint
    assert w.bytes_read <= p.stat().st_size + 11 * FINGERPRINT_BYTES
    assert state.analysis.points == batch(p).points == 20
    w.close()


def test_judging_is_throttled_to_the_interval_and_only_for_new_points(tmp_path: Path) -> None:
    lines = lines_of(curve_rows(20))
    p = tmp_path / "training.log"
    p.write_bytes(b"".join(lines[:5]))
    t = [0.0]
    w = Watcher([p], WatchConfig(interval=2), clock=lambda: t[0])
    assert [e.points for e in w.poll() if e.kind == "points"] == [16]
    for line in lines[5:15]:
        append(p, line)
        t[0] += 0.1
        assert not [e for e in w.poll() if e.kind == "points"]
    t[0] += 60  # past the interval (and past five times the first judgment's cost, imports included)
    assert [e.points for e in w.poll() if e.kind == "points"] == [40]  # ten rows, judged once
    t[0] += 10
    assert w.poll() == []  # no new points: nothing judged, nothing said
    w.close()


def test_keras_train_and_validation_folders_are_one_run(tmp_path: Path) -> None:
    from tensorboardX import SummaryWriter

    logdir = tmp_path / "logs"
    w = Watcher([logdir.parent], WatchConfig(interval=3600))
    writers = {split: SummaryWriter(str(logdir / split)) for split in ("train", "validation")}
    for r in curve_rows(20, overfit_from=6):
        epoch = int(r["epoch"] or 0)
        writers["train"].add_scalar("epoch_loss", r["loss"], epoch)
        writers["validation"].add_scalar("epoch_loss", r["val_loss"], epoch)
        for writer in writers.values():
            writer.flush()
        w.poll(force=True)
    for writer in writers.values():
        writer.close()
    w.poll(force=True)
    state = only_state(w)
    final = batch(logdir)
    assert state.name == "logs" and state.analysis is not None
    assert state.analysis.points == final.points == 40
    assert [f.code for f in state.analysis.findings] == [f.code for f in final.findings]
    assert state.analysis.best == final.best and final.best is not None and final.best.metric == "val_loss"
    w.close()


def test_live_view_shows_metrics_best_checkpoint_and_findings_with_first_seen(tmp_path: Path) -> None:
    import io

    from rich.console import Console

    from losslog.watch.live import view
    from losslog.watch.plain import clock

    log = tmp_path / "evil\x1b[2J" / "training.log"
    log.parent.mkdir()
    log.write_bytes((SAMPLES / "mlp_overfit" / "training.log").read_bytes())
    w = Watcher([log], WatchConfig(interval=3600))
    w.poll()
    buf = io.StringIO()
    Console(file=buf, width=150, force_terminal=True, color_system=None).print(view(w, "footer"))
    text = buf.getvalue()
    state = only_state(w)
    first_seen = clock(next(iter(state.findings.values())).first_seen)
    assert "evil\\x1b[2J" in text and "\x1b[2J" not in text
    assert "val_loss" in text and "worsening" in text and "best checkpoint: val_loss 0.4899 at step 6" in text
    assert f"{first_seen} overfitting (warning)" in text
    assert any(ch in text for ch in "▁▂▃▄▅▆▇█")
    w.close()


def test_the_library_imports_neither_the_cli_nor_rich() -> None:
    import subprocess

    code = "import losslog.watch, sys; print(' '.join(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = {m.split(".")[0] for m in done.stdout.split()}
    assert not {"typer", "rich", "matplotlib"} & loaded
    assert "losslog.cli" not in done.stdout.split()


def test_waiter_wakes_on_a_write_with_watchfiles_and_sleeps_without(tmp_path: Path) -> None:
    import threading
    import time

    from losslog.watch.wait import Waiter

    log = tmp_path / "training.log"
    log.write_text("epoch,loss\n")
    polling = Waiter([tmp_path], interval=0.2, use_events=False)
    assert polling.mode == "polling"
    t0 = time.monotonic()
    polling.wait(0.2)
    assert time.monotonic() - t0 >= 0.2
    waiter = Waiter([tmp_path], interval=60, use_events=True)
    try:
        import watchfiles  # noqa: F401
    except ImportError:  # the optional extra is not installed: the waiter polls
        assert waiter.mode == "polling"
        return
    assert waiter.mode.startswith("file-system events")

    done = threading.Event()

    def keep_writing() -> None:  # the backend starts inside the first wait: write until it wakes
        while not done.wait(0.5):
            with open(log, "a") as fh:
                fh.write("0,1.0\n")

    threading.Thread(target=keep_writing, daemon=True).start()
    t0 = time.monotonic()
    waiter.wait(60)
    waited = time.monotonic() - t0
    done.set()
    waiter.close()
    assert waited < 45, "a write should end the wait long before the 60 s interval"


def test_a_rewrite_that_changes_a_long_header_only_at_its_end_is_noticed(tmp_path: Path) -> None:
    """Lightning's CSVLogger rewrites metrics.csv whole when a new metric appears, appending the
    new column to the header: past the default fingerprint when the header is long."""
    cols = [f"train/some_rather_long_metric_name_{i}" for i in range(12)]
    p = tmp_path / "metrics.csv"

    def table(columns: list[str], rows: int) -> bytes:
        lines = [",".join(["epoch", "step", *columns])]
        for r in range(rows):
            lines.append(",".join([str(r), str(10 * r), *(f"{1 / (r + i + 1):.5f}" for i in range(len(columns)))]))
        return ("\n".join(lines) + "\n").encode()

    p.write_bytes(table(cols, 5))
    assert len(table(cols, 0)) > FINGERPRINT_BYTES
    w = Watcher([p], WatchConfig(interval=3600))
    w.poll()
    state = only_state(w)
    assert state.analysis is not None and state.analysis.points == 5 * 12
    p.write_bytes(table([*cols, "val_loss"], 8))
    events = w.poll(force=True)
    assert any(e.kind == "reset" and "rewritten" in e.message for e in events)
    assert state.analysis.points == batch(p).points == 8 * 13
    w.close()


def test_reader_warnings_name_the_real_file_and_line(tmp_path: Path) -> None:
    lines = lines_of(curve_rows(10))
    lines[6] = lines[6].rstrip(b"\r\n") + b",oops\r\n"  # the file's line 7 has a cell too many
    p = tmp_path / "training.log"
    p.write_bytes(b"".join(lines[:4]))
    w = Watcher([p], WatchConfig(interval=3600))
    w.poll()
    append(p, b"".join(lines[4:]))
    warnings = [e.message for e in w.poll(force=True) if e.kind == "warning"]
    assert warnings == [f"{p}: line 7: 6 cells for 5 columns; extra cells ignored"]
    w.close()
