"""The judgment rules of issue 12, each on a fixture made for it (tests/data/judgment/, or written here):

which metric picks the checkpoint and why (user > trainer > convention > default), a trainer's
direction that contradicts the metric's nature, no validation metric, the Ultralytics fitness,
task-metric and early overfitting, two step scales in one event file, "points replaced" only for
real resumes, and the share of the run after the best measured from the start of training.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from losslog.analysis import AnalysisOptions, RunAnalysis, analyze
from losslog.analysis.monitor import task_family
from losslog.columns import keep_latest, replaced_and_repeated
from losslog.readers.discover import discover
from losslog.report import Report, report_to_dict
from tests.analysis_helpers import make_run

DATA = Path(__file__).parent / "data" / "judgment"
#: the file itself: discovery of the folder would also try training_args.json as a log
HF_WER = DATA / "hf_wer_default_direction" / "trainer_state.json"


def judged(path: Path, options: AnalysisOptions | None = None) -> RunAnalysis:
    found = discover([path])
    assert not found.errors, [str(e) for e in found.errors]
    (run,) = found.runs
    return analyze(run, options)


def codes(run: RunAnalysis) -> list[str]:
    return [f.code for f in run.findings]


# -- the monitor, explained ------------------------------------------------------------------------


def test_user_monitor_wins_over_the_trainer() -> None:
    run = judged(HF_WER, AnalysisOptions(monitor="eval_loss"))
    assert run.monitor is not None and run.monitor.source == "user" and run.monitor.tag == "eval_loss"
    assert "as asked" in run.monitor.reason


def test_hugging_face_metric_for_best_model_with_a_contradicting_default_direction() -> None:
    """greater_is_better defaults to True for 'wer': the trainer kept its worst checkpoint (500)."""
    run = judged(HF_WER)
    m = run.monitor
    assert m is not None and m.tag == "eval_wer" and m.source == "trainer" and m.goal == "min"
    assert m.reason.startswith("monitoring eval_wer, as the trainer did (metric_for_best_model=wer")
    assert m.notes and "greater_is_better=True" in m.notes[0] and "worst" in m.notes[0]
    assert run.best is not None and run.best.step == 4000 and run.best.value == pytest.approx(0.333)
    # the loss bottomed at step 1500 and rose while WER kept improving: overconfidence, not overfitting
    assert run.verdict == "overconfidence" and "overfitting" not in codes(run)


def test_hugging_face_monitor_inferred_from_best_metric(tmp_path: Path) -> None:
    hist = [
        {"epoch": 1.0, "loss": 0.9, "step": 10},
        {"epoch": 1.0, "eval_loss": 0.7, "eval_f1": 0.60, "step": 10},
        {"epoch": 2.0, "loss": 0.6, "step": 20},
        {"epoch": 2.0, "eval_loss": 0.65, "eval_f1": 0.71, "step": 20},
        {"epoch": 3.0, "loss": 0.4, "step": 30},
        {"epoch": 3.0, "eval_loss": 0.66, "eval_f1": 0.69, "step": 30},
    ]
    state = {"best_metric": 0.71, "best_model_checkpoint": "o/checkpoint-20", "log_history": hist}
    (tmp_path / "trainer_state.json").write_text(json.dumps(state))
    run = judged(tmp_path / "trainer_state.json")
    assert run.monitor is not None and run.monitor.tag == "eval_f1" and run.monitor.source == "trainer"
    assert "best_metric" in run.monitor.reason and run.best is not None and run.best.step == 20


def test_ultralytics_fitness_picks_best_pt() -> None:
    run = judged(DATA / "yolov8_fitness")
    m = run.monitor
    assert m is not None and m.tag == "fitness" and m.source == "trainer" and m.goal == "max"
    assert "0.1·mAP50 + 0.9·mAP50-95" in m.reason
    fitness = run.metric("fitness")
    assert fitness is not None
    # fitness = 0.1 * mAP50 + 0.9 * mAP50-95, best at epoch 14 (where mAP50-95 peaks), not where val box loss does
    assert run.best is not None and run.best.epoch == 14
    m50 = 0.3 + 0.5 * (1 - math.exp(-14 / 4))
    assert run.best.value == pytest.approx(0.1 * m50 + 0.9 * (m50 * 0.55 + 0.02), abs=1e-4)


def test_lightning_monitor_from_a_checkpoint_file_name() -> None:
    run = judged(DATA / "lightning_ckpt_name")
    m = run.monitor
    assert m is not None and m.tag == "val_acc" and m.source == "trainer" and m.goal == "max"
    assert "epoch=7-step=79-val_acc=0.81.ckpt" in m.reason
    # val_acc still rising at the end while val_loss climbs: overconfidence, never overfitting
    assert run.verdict == "overconfidence"


def test_lightning_monitor_from_hparams(tmp_path: Path) -> None:
    folder = tmp_path / "version_0"
    folder.mkdir()
    rows = ["epoch,step,train_loss,val_loss,val_f1"]
    rows += [f"{e},{e * 10 + 9},{1 / (e + 1):.4f},{0.5 + abs(e - 3) * 0.05:.4f},{0.5 + 0.03 * e:.4f}" for e in range(8)]
    (folder / "metrics.csv").write_text("\n".join(rows) + "\n")
    (folder / "hparams.yaml").write_text("lr: 0.001\ncheckpoint:\n  monitor: val_f1\n  mode: max\n")
    run = judged(folder / "metrics.csv")
    assert run.monitor is not None and run.monitor.tag == "val_f1" and run.monitor.source == "trainer"
    assert "monitor=val_f1, mode=max" in run.monitor.reason


def test_mmengine_save_best_in_the_log_header(tmp_path: Path) -> None:
    header = ["2024/01/02 03:04:05 - mmengine - INFO - Config:", "default_hooks = dict("]
    header += [f"    filler_{i}=dict(type='Hook{i}')," for i in range(1200)]  # a long config dump
    header += ["    checkpoint=dict(type='CheckpointHook', interval=1, save_best='coco/bbox_mAP', rule='greater'))"]
    lines = []
    for e in range(1, 7):
        for it in (10, 20):
            lines.append(
                f"2024/01/02 03:0{e}:00 - mmengine - INFO - Epoch(train) [{e}][{it}/20]  lr: 1.0000e-02  "
                f"eta: 0:01:00  time: 0.5000  data_time: 0.0100  memory: 1000  loss: {2.0 / (e + it / 20):.4f}"
            )
        mAP = [0.1, 0.2, 0.28, 0.3, 0.29, 0.27][e - 1]
        lines.append(
            f"2024/01/02 03:0{e}:30 - mmengine - INFO - Epoch(val) [{e}][5/5]    coco/bbox_mAP: {mAP:.4f}  "
            f"coco/bbox_mAP_50: {mAP + 0.2:.4f}  data_time: 0.0100  time: 0.2000"
        )
    path = tmp_path / "20240102_030405.log"
    path.write_text("\n".join(header + lines) + "\n")
    run = judged(path)
    assert run.monitor is not None and run.monitor.source == "trainer"
    assert run.monitor.tag is not None and run.monitor.tag.endswith("coco/bbox_mAP") and run.monitor.goal == "max"
    assert "save_best='coco/bbox_mAP'" in run.monitor.reason
    assert run.best is not None and run.best.value == pytest.approx(0.3)


def test_keras_callback_settings_in_a_config_beside_the_log(tmp_path: Path) -> None:
    rows = ["epoch,loss,val_loss,val_auc"] + [
        f"{e},{1 / (e + 1):.4f},{0.6 - 0.01 * e:.4f},{0.7 + [0, 0.1, 0.12, 0.11, 0.1, 0.09][e]:.4f}" for e in range(6)
    ]
    (tmp_path / "history.csv").write_text("\n".join(rows) + "\n")
    (tmp_path / "config.json").write_text(json.dumps({"early_stopping": {"monitor": "val_auc", "mode": "max"}}))
    run = judged(tmp_path / "history.csv")
    assert run.monitor is not None and run.monitor.tag == "val_auc" and run.monitor.source == "trainer"
    assert run.best is not None and run.best.epoch == 2


def test_convention_prefers_the_task_metric_and_reports_the_loss_too() -> None:
    run = judged(DATA / "one_eval")
    m = run.monitor
    assert m is not None and m.tag == "val_f1" and m.source == "convention"
    assert "val_loss" in m.reason  # both are reported
    assert run.verdict == "too_short"


@pytest.mark.parametrize(
    ("metric", "family"),
    [
        ("mAP50-95", "map"),
        ("bbox_mAP", "map"),
        ("wer", "wer"),
        ("f1_macro", "f1"),
        ("dice_coef", "dice"),
        ("loss", None),
        ("accuracy", None),
    ],
)
def test_task_families(metric: str, family: str | None) -> None:
    assert task_family(metric) == family


def test_default_is_the_validation_loss() -> None:
    run = judged(DATA / "keras_early_overfit")
    assert run.monitor is not None and run.monitor.source == "default" and run.monitor.tag == "val_loss"


# -- no validation ---------------------------------------------------------------------------------


def test_no_validation_judges_training_losses_and_picks_no_checkpoint() -> None:
    run = judged(DATA / "detectron2_noeval")
    assert "no_validation" in codes(run)
    assert run.best is None
    m = run.monitor
    assert m is not None and m.tag == "total_loss" and not m.ranks_checkpoints  # never fast_rcnn/false_negative
    assert "no checkpoint is picked" in m.reason
    assert run.verdict == "underfitting"  # the training loss still falls: the losses are still analysed


def test_gan_losses_are_a_game_not_curves_to_minimize() -> None:
    run = judged(DATA / "gan")
    assert codes(run) == ["adversarial_losses", "no_validation"]
    assert run.monitor is not None and run.monitor.tag is None and run.best is None


# -- overfitting and noise -------------------------------------------------------------------------


def test_early_overfitting_a_few_percent_worse_for_six_epochs() -> None:
    run = judged(DATA / "keras_early_overfit")
    assert run.verdict == "overfitting"
    f = next(f for f in run.findings if f.code == "overfitting")
    assert f.onset_epoch == 10
    assert run.best is not None and run.best.epoch == 10


def test_regression_overfitting_is_not_called_unstable() -> None:
    """Train MSE wobbling between 0.0001 and 0.025 near zero undoes nothing of its progress."""
    run = judged(DATA / "keras_mse_overfit")
    assert run.verdict == "overfitting"
    assert "unstable" not in codes(run)


def test_noisy_validation_is_said() -> None:
    run = judged(DATA / "noisy_val")
    assert run.verdict == "noisy_validation"


# -- step axes, replaced points, share after the best ----------------------------------------------


def test_two_step_scales_are_put_on_one_epoch_axis(tmp_path: Path) -> None:
    from tests.tb_helpers import tbx_write

    points = []
    for it in range(0, 951, 10):
        points.append(("train/loss", 2.0 * math.exp(-it / 300) + 0.1, it))
    for e in range(25):
        v = 0.5 + 1.5 * math.exp(-min(e, 13) / 4) + (0.04 * (e - 13) if e > 13 else 0.0)
        points.append(("val/loss", v, e))
        points.append(("val/acc", 0.5 + 0.01 * min(e, 13), e))
    tbx_write(tmp_path / "run", points)
    run = judged(tmp_path / "run")
    assert run.best is not None and run.best.epoch == 13  # "epoch 13", not "step 13"
    assert run.best.step > 13 * 30  # on the iteration axis, where the epoch ended
    val = run.metric("val_loss")
    train = run.metric("train_loss")
    assert val is not None and train is not None
    assert val.last_step is not None and train.last_step is not None
    assert abs(val.last_step - train.last_step) <= 60  # both series end together on the shared axis
    assert run.verdict == "overfitting"


def test_several_writes_of_one_step_are_not_a_resume() -> None:
    steps = np.array([0, 1, 1, 2, 3, 3, 4], dtype=float)
    values = np.array([5, 4, 4, 3, 2, 2.5, 1], dtype=float)
    replaced, repeated = replaced_and_repeated(steps, [np.arange(7)], values)
    assert not replaced.any()
    assert repeated.tolist() == [False, False, True, False, False, False, False]  # the identical repeat merges


def test_a_rewind_is_a_resume() -> None:
    steps = np.array([0, 1, 2, 3, 2, 3, 4], dtype=float)
    keep = keep_latest(steps, [np.arange(7)])
    assert keep.tolist() == [True, True, False, False, True, True, True]


def test_share_after_the_best_counts_from_the_start_of_training() -> None:
    """Evaluated at epochs 1..5 of a run whose training starts at epoch 0: best at 1 is 80% from the end."""
    run = make_run(
        {"loss": [2.0, 1.5, 1.2, 1.0, 0.9, 0.8], "val_loss": [1.0, 1.1, 1.2, 1.3, 1.4]},
        steps={"val_loss": [1, 2, 3, 4, 5]},
    )
    result = analyze(run)
    assert result.best is not None and result.best.step == 1
    assert result.best.fraction_after == pytest.approx(0.8)


# -- the report says it ----------------------------------------------------------------------------


def test_json_text_markdown_and_html_show_the_monitor() -> None:
    from losslog.render.html import render_html
    from losslog.render.markdown import render_markdown
    from losslog.render.terminal import run_group

    run = judged(DATA / "yolov8_fitness")
    report = Report((run,))
    doc = report_to_dict(report)
    assert doc["schema_version"] == 2
    mon = doc["runs"][0]["monitor"]
    assert {k: mon[k] for k in ("metric", "tag", "goal", "source")} == {
        "metric": "val_fitness",
        "tag": "fitness",
        "goal": "max",
        "source": "trainer",
    }
    assert mon["reason"].startswith("monitoring fitness")
    assert "as Ultralytics does for best.pt" in render_markdown(report)
    assert "as Ultralytics does for best.pt" in render_html(report, charts=False)
    from rich.console import Console

    console = Console(width=300, record=True)
    console.print(run_group(run))
    assert "as Ultralytics does for best.pt" in console.export_text()


def test_ultralytics_classification_fitness_is_the_mean_of_top1_and_top5(tmp_path: Path) -> None:
    rows = ["epoch,time,train/loss,metrics/accuracy_top1,metrics/accuracy_top5,val/loss,lr/pg0"]
    top1 = [0.5, 0.6, 0.7, 0.69, 0.71]
    top5 = [0.8, 0.9, 0.95, 0.97, 0.9]
    rows += [f"{e + 1},{e},{1 / (e + 1):.4f},{top1[e]},{top5[e]},{0.9 - 0.05 * e:.3f},0.01" for e in range(5)]
    (tmp_path / "results.csv").write_text("\n".join(rows) + "\n")
    run = judged(tmp_path / "results.csv")
    assert run.monitor is not None and run.monitor.tag == "fitness" and "top-1 and top-5" in run.monitor.reason
    assert run.best is not None and run.best.epoch == 4 and run.best.value == pytest.approx((0.69 + 0.97) / 2)


def test_unknown_directions_are_said_not_guessed() -> None:
    run = make_run({"loss": [1.0, 0.8, 0.6, 0.5, 0.45], "val_custom": [3.0, 2.0, 2.5, 2.2, 2.4]})
    result = analyze(run)
    assert result.monitor is not None and result.monitor.tag == "loss" and result.best is None
    assert "val_custom is unknown: --goal NAME=min|max" in result.monitor.reason
    asked = analyze(run, AnalysisOptions(monitor="val_custom"))
    assert asked.monitor is not None and asked.monitor.goal is None and not asked.monitor.ranks_checkpoints
    assert "pass --mode" in asked.monitor.reason and asked.best is None
    told = analyze(run, AnalysisOptions(monitor="val_custom", mode="min"))
    assert told.best is not None and told.best.step == 1
