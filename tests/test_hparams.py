"""Hyperparameters read from what each tool writes beside its metrics, in the tools' own layouts.

Every fixture here copies the layout (folder names, file names, file shapes) of a real tool's
output: Lightning's CSVLogger, Hugging Face's Trainer, Hydra multirun, DVCLive/DVC, MLflow's file
store, Ultralytics, W&B's run folder, mmengine's work_dir. Each sweep varies a learning rate (and
more), and the test checks the values arrive as ``hp.`` columns with their types.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import losslog
from losslog.hparams import (
    MAX_KEYS,
    MAX_VALUE_CHARS,
    NOT_SIMPLE,
    flatten,
    hparams_for,
    parse_folder_name,
    parse_override,
    parse_python_config,
    parse_text_value,
    simple_yaml,
    unwrap_wandb,
    varying_keys,
)
from losslog.readers.discover import discover
from tests.conftest import curve_rows, keras_csv_text

LRS = (0.1, 0.01, 0.001)


def keras_log(path: Path, floor: float = 0.4) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(keras_csv_text(curve_rows(12, val_floor=floor)))


def hp_of(table: losslog.SweepTable, column: str) -> dict[str, object]:
    return dict(zip(table.frame["run"], table.frame[column]))


# --------------------------------------------------------------------------------------------
# Lightning: lightning_logs/version_N/{metrics.csv, hparams.yaml}


def lightning_sweep(root: Path) -> Path:
    for i, lr in enumerate(LRS):
        d = root / "lightning_logs" / f"version_{i}"
        d.mkdir(parents=True)
        rows = ["epoch,lr-SGD,step,train_acc,train_loss_epoch,train_loss_step,val_acc,val_loss", f",{lr},0,,,,,"]
        for e in range(6):
            rows.append(f"{e},,{e * 10 + 4},,,{1.0 / (e + 1)},,")
            rows.append(f"{e},,{e * 10 + 9},,,,{0.5 + e / 20},{0.9 / (e + 1) + i / 10}")
            rows.append(f"{e},,{e * 10 + 9},{0.5 + e / 20},{1.0 / (e + 1)},,,")
        (d / "metrics.csv").write_text("\n".join(rows) + "\n")
        (d / "hparams.yaml").write_text(f"hidden: 16\nlr: {lr}\noptimizer:\n  name: sgd\n  momentum: 0.9\n")
    return root


def test_lightning_hparams_yaml(tmp_path: Path) -> None:
    table = losslog.sweep(lightning_sweep(tmp_path))
    assert table.varying == ["hp.lr"]
    assert hp_of(table, "hp.lr") == {
        "lightning_logs/version_0": 0.1,
        "lightning_logs/version_1": 0.01,
        "lightning_logs/version_2": 0.001,
    }
    assert set(table.frame["hp.optimizer.momentum"]) == {0.9}  # nested -> dotted, constant: not varying
    assert set(table.frame["hp.hidden"]) == {16}


# --------------------------------------------------------------------------------------------
# Hugging Face: trainer_state.json (trial_params from a hyperparameter search) + config.json


def hf_sweep(root: Path) -> Path:
    for i, lr in enumerate(LRS):
        out = root / f"run-{i}"
        out.mkdir(parents=True)
        history = []
        for step in range(10, 70, 10):
            history.append({"epoch": step / 20, "loss": 1.0 / step * 10, "learning_rate": lr, "step": step})
            history.append({"epoch": step / 20, "eval_loss": 0.9 / step * 10 + i / 10, "step": step})
        state = {
            "best_metric": None,
            "epoch": 3.0,
            "global_step": 60,
            "is_hyper_param_search": True,
            "log_history": history,
            "trial_name": f"trial-{i}",
            "trial_params": {"learning_rate": lr, "per_device_train_batch_size": 16 * (i + 1)},
        }
        (out / "trainer_state.json").write_text(json.dumps(state, indent=2))
        config = {"architectures": ["BertForSequenceClassification"], "hidden_size": 16, "model_type": "bert"}
        (out / "config.json").write_text(json.dumps(config, indent=2))
    return root


def test_huggingface_trial_params_and_config(tmp_path: Path) -> None:
    table = losslog.sweep(hf_sweep(tmp_path))
    assert table.varying == ["hp.learning_rate", "hp.per_device_train_batch_size"]
    assert hp_of(table, "hp.per_device_train_batch_size") == {"run-0": 16, "run-1": 32, "run-2": 48}
    assert set(table.frame["hp.architectures"]) == {'["BertForSequenceClassification"]'}  # a list as short JSON
    assert set(table.frame["hp.model_type"]) == {"bert"}


def test_training_args_json_is_read_and_trial_params_win(tmp_path: Path) -> None:
    hf_sweep(tmp_path)
    args = {"learning_rate": 5e-5, "warmup_steps": 7}
    (tmp_path / "run-0" / "training_args.json").write_text(json.dumps(args, indent=2))  # as HF writes it
    run = next(r for r in losslog.read(tmp_path) if r.name == "run-0")
    values = hparams_for(run).values
    assert values["warmup_steps"] == 7
    assert values["learning_rate"] == 0.1  # the search's trial over the saved arguments


# --------------------------------------------------------------------------------------------
# Hydra multirun: multirun/<date>/<time>/<job>/.hydra/{overrides,config}.yaml


def hydra_sweep(root: Path, subdir: str = "{i}") -> Path:
    base = root / "multirun" / "2026-11-30" / "10-00-00"
    jobs = [(lr, opt) for lr in LRS[:2] for opt in ("adam", "sgd")]
    for i, (lr, opt) in enumerate(jobs):
        job = base / subdir.format(i=i, lr=lr, opt=opt)
        hydra = job / ".hydra"
        hydra.mkdir(parents=True)
        (hydra / "overrides.yaml").write_text(f"- optimizer={opt}\n- optimizer.lr={lr}\n- +trainer.seed=3\n- ~old\n")
        (hydra / "config.yaml").write_text(
            f"optimizer:\n  name: {opt}\n  lr: {lr}\ntrainer:\n  epochs: 12\n  seed: 3\nmodel:\n  depth: 4\n"
        )
        (hydra / "hydra.yaml").write_text("hydra:\n  mode: MULTIRUN\n")
        keras_log(job / "logs" / "metrics.csv", floor=0.3 + i / 10)
    return root


def test_hydra_multirun_overrides_and_config(tmp_path: Path) -> None:
    table = losslog.sweep(hydra_sweep(tmp_path))
    assert table.varying == ["hp.optimizer.name", "hp.optimizer.lr", "hp.optimizer"]
    values = {r["run"].split("/")[-2]: (r["hp.optimizer"], r["hp.optimizer.lr"]) for r in table.rows()}
    assert values == {"0": ("adam", 0.1), "1": ("sgd", 0.1), "2": ("adam", 0.01), "3": ("sgd", 0.01)}
    assert set(table.frame["hp.trainer.seed"]) == {3}
    assert set(table.frame["hp.model.depth"]) == {4}


def test_hydra_override_dirname_folders_give_the_same_values(tmp_path: Path) -> None:
    hydra_sweep(tmp_path, subdir="optimizer={opt},optimizer.lr={lr}")
    for run in losslog.read(tmp_path):
        values = hparams_for(run).values
        folder = Path(run.source).parent.parent.name
        assert parse_folder_name(folder) == {"optimizer": values["optimizer"], "optimizer.lr": values["optimizer.lr"]}


def test_parse_override() -> None:
    assert parse_override("optimizer.lr=0.01") == ("optimizer.lr", 0.01)
    assert parse_override("+trainer.seed=3") == ("trainer.seed", 3)
    assert parse_override("++x=true") == ("x", True)
    assert parse_override("db@backup=mysql") == ("db", "mysql")
    assert parse_override("~old") is None
    assert parse_override("no_equals") is None


# --------------------------------------------------------------------------------------------
# DVCLive: dvclive/{metrics.json, plots/metrics/...}; params.yaml (DVCLive's, or DVC's above)


def dvclive_run(exp: Path, floor: float) -> Path:
    live = exp / "dvclive"
    for split, off in (("train", 0.0), ("eval", floor)):
        d = live / "plots" / "metrics" / split
        d.mkdir(parents=True)
        rows = ["timestamp\tstep\tloss"] + [f"{1795671000000 + s}\t{s}\t{1.0 / (s + 1) + off}" for s in range(8)]
        (d / "loss.tsv").write_text("\n".join(rows) + "\n")
    (live / "metrics.json").write_text(json.dumps({"train": {"loss": 0.1}, "eval": {"loss": 0.1 + floor}, "step": 7}))
    return live


def test_dvclive_params_yaml_in_the_dvclive_folder(tmp_path: Path) -> None:
    for i, lr in enumerate(LRS):
        live = dvclive_run(tmp_path / f"exp{i}", i / 10)
        (live / "params.yaml").write_text(f"lr: {lr}\nepochs: 8\n")
    table = losslog.sweep(tmp_path)
    assert table.varying == ["hp.lr"]
    assert sorted(table.frame["hp.lr"]) == sorted(LRS)


def test_dvc_params_yaml_of_the_project_above_dvclive(tmp_path: Path) -> None:
    for i, lr in enumerate(LRS):
        dvclive_run(tmp_path / f"exp{i}", i / 10)
        (tmp_path / f"exp{i}" / "params.yaml").write_text(f"train:\n  lr: {lr}\n  batch_size: 32\n")
    table = losslog.sweep(tmp_path)
    assert table.varying == ["hp.train.lr"]
    assert set(table.frame["hp.train.batch_size"]) == {32}


# --------------------------------------------------------------------------------------------
# MLflow file store: mlruns/<experiment>/<run id>/{meta.yaml, metrics/, params/, tags/}


def mlflow_store(root: Path) -> Path:
    exp = root / "mlruns" / "0"
    exp.mkdir(parents=True)
    (exp / "meta.yaml").write_text("experiment_id: '0'\nlifecycle_stage: active\nname: Default\n")
    for i, lr in enumerate(LRS):
        run_id = f"{i:032x}"
        run = exp / run_id
        for sub in ("metrics", "params", "tags"):
            (run / sub).mkdir(parents=True)
        (run / "meta.yaml").write_text(
            f"experiment_id: '0'\nlifecycle_stage: active\nrun_id: {run_id}\nrun_name: run{i}\nstatus: 3\n"
        )
        for name, off in (("train_loss", 0.0), ("val_loss", i / 10)):
            lines = [f"{1795671529458 + s} {1.0 / (s + 1) + off} {s}" for s in range(8)]
            (run / "metrics" / name).write_text("\n".join(lines) + "\n")
        (run / "params" / "lr").write_text(str(lr))
        (run / "params" / "optimizer").write_text("adam" if i else "sgd")
        (run / "params" / "epochs").write_text("8")
        (run / "tags" / "mlflow.runName").write_text(f"run{i}")
    return root


def test_mlflow_params_are_typed(tmp_path: Path) -> None:
    table = losslog.sweep(mlflow_store(tmp_path))
    assert table.varying == ["hp.lr", "hp.optimizer"]
    lrs = sorted(table.frame["hp.lr"])
    assert lrs == sorted(LRS) and all(isinstance(v, float) for v in lrs)  # MLflow writes text
    assert set(table.frame["hp.epochs"]) == {8}


# --------------------------------------------------------------------------------------------
# Ultralytics: runs/detect/trainN/{results.csv, args.yaml}

ULTRA_HEADER = (
    "epoch,time,train/box_loss,train/cls_loss,train/dfl_loss,metrics/precision(B),metrics/recall(B),"
    "metrics/mAP50(B),metrics/mAP50-95(B),val/box_loss,val/cls_loss,val/dfl_loss,lr/pg0,lr/pg1,lr/pg2"
)


def test_ultralytics_args_yaml(tmp_path: Path) -> None:
    for i, lr0 in enumerate(LRS):
        d = tmp_path / "runs" / "detect" / ("train" if i == 0 else f"train{i + 1}")
        d.mkdir(parents=True)
        rows = [ULTRA_HEADER]
        for e in range(1, 7):
            loss = 2.0 / e + i / 10
            cells = [e, e * 20.5, loss, loss, loss, 0.3, 0.3, 0.1 * e, 0.05 * e, loss, loss, loss, 0.01, 0.01, 0.01]
            rows.append(",".join(str(c) for c in cells))
        (d / "results.csv").write_text("\n".join(rows) + "\n")
        args = f"task: detect\nmode: train\nmodel: yolo11n.pt\nepochs: 6\nbatch: 16\nlr0: {lr0}\n"
        (d / "args.yaml").write_text(args)
    table = losslog.sweep(tmp_path)
    assert table.varying == ["hp.lr0"]
    assert hp_of(table, "hp.lr0")["runs/detect/train3"] == 0.001
    assert set(table.frame["hp.model"]) == {"yolo11n.pt"}


# --------------------------------------------------------------------------------------------
# W&B: wandb/run-<time>-<id>/files/config.yaml ({key: {desc, value}}) beside a history CSV


def test_wandb_config_yaml_is_unwrapped(tmp_path: Path) -> None:
    for i, lr in enumerate(LRS):
        files = tmp_path / "wandb" / f"run-20261130_100000-abc{i}" / "files"
        files.mkdir(parents=True)
        (files / "config.yaml").write_text(
            "wandb_version: 1\n\n_wandb:\n  desc: null\n  value:\n    cli_version: 0.19.0\n    t:\n      1: [1, 5]\n"
            f"lr:\n  desc: null\n  value: {lr}\nlayers:\n  desc: null\n  value: [64, 32]\n"
        )
        rows = [",_step,_runtime,_timestamp,train/loss,train/epoch,train/global_step,eval/loss"]
        for s in range(6):
            cells = [s, s, 2.0 * s, 1795671000 + s, 1.0 / (s + 1), s + 1, 10 * (s + 1), 1.1 / (s + 1) + i]
            rows.append(",".join(str(c) for c in cells))
        (files / "run_history.csv").write_text("\n".join(rows) + "\n")
    table = losslog.sweep(tmp_path)
    assert table.varying == ["hp.lr"]
    assert set(table.frame["hp.layers"]) == {"[64, 32]"}
    assert not [c for c in table.hparam_columns if "wandb" in c]


def test_unwrap_wandb_leaves_a_plain_config_alone() -> None:
    assert unwrap_wandb({"lr": 0.1, "model": {"value": 3}}) == {"lr": 0.1, "model": {"value": 3}}
    assert unwrap_wandb({"wandb_version": 1, "lr": {"desc": None, "value": 0.1}}) == {"lr": 0.1}


# --------------------------------------------------------------------------------------------
# mmengine: work_dir/<config>.py dump + work_dir/<timestamp>/vis_data/scalars.json

MMENGINE_DUMP = """default_scope = None
optim_wrapper = dict(
    optimizer=dict(lr={lr}, momentum=0.9, type='SGD'), type='OptimWrapper')
train_cfg = dict(by_epoch=True, max_epochs=3, val_interval=1)
work_dir = './work_dirs/{name}'
randomness = dict(seed={seed})
auto = __import__('os').system('touch {flag}')
"""


def test_mmengine_config_dump_is_parsed_never_run(tmp_path: Path) -> None:
    flag = tmp_path / "ran"
    for i, lr in enumerate(LRS):
        work = tmp_path / f"work_dir_{i}"
        ts = work / "20261126_053812"
        (ts / "vis_data").mkdir(parents=True)
        lines = []
        for e in range(1, 5):
            lines.append(json.dumps({"lr": lr, "loss": 1.0 / e, "epoch": e, "iter": 5 * e, "step": 5 * e}))
            lines.append(json.dumps({"accuracy": 60.0 + 5 * e - i, "step": e}))
        (ts / "vis_data" / "scalars.json").write_text("\n".join(lines) + "\n")
        (work / "20261126_053812.py").write_text(MMENGINE_DUMP.format(lr=lr, name=f"w{i}", seed=i, flag=flag))
    table = losslog.sweep(tmp_path)
    assert "hp.optim_wrapper.optimizer.lr" in table.varying
    assert sorted(table.frame["hp.optim_wrapper.optimizer.lr"]) == sorted(LRS)
    assert set(table.frame["hp.train_cfg.max_epochs"]) == {3}
    assert "hp.auto" not in table.frame.columns  # a call is not a literal: left out
    assert not flag.exists()


def test_parse_python_config_reads_literals_only() -> None:
    cfg = parse_python_config("a = 1\nb = dict(c=[1, 2], d=-0.5)\nc = f(1)\n_private = 2\nd = {'k': (1, 'x')}\n")
    assert cfg == {"a": 1, "b": {"c": [1, 2], "d": -0.5}, "d": {"k": [1, "x"]}}
    assert parse_python_config("def broken(:\n") == {}


# --------------------------------------------------------------------------------------------
# Folder names, values, bounds, safety


def test_key_value_folder_names(tmp_path: Path) -> None:
    for lr in LRS:
        for seed in (1, 2):
            keras_log(tmp_path / f"lr={lr},seed={seed}" / "training.log")
    table = losslog.sweep(tmp_path, group_by="none")
    assert table.varying == ["hp.lr", "hp.seed"]
    assert hp_of(table, "hp.seed")["lr=0.01,seed=2"] == 2


def test_parse_folder_name_only_takes_equals_pairs() -> None:
    assert parse_folder_name("lr=0.01,seed=3") == {"lr": 0.01, "seed": 3}
    assert parse_folder_name("lr_0.01-bs_32") == {}
    assert parse_folder_name("opt=adam;bn=true") == {"opt": "adam", "bn": True}
    assert parse_folder_name("a==b") == {}


def test_parse_text_value() -> None:
    assert parse_text_value("0.01") == 0.01
    assert parse_text_value("32") == 32 and isinstance(parse_text_value("32"), int)
    assert parse_text_value("1e-4") == 1e-4
    assert parse_text_value("True") is True
    assert parse_text_value("None") is None
    assert parse_text_value("'3'") == "3"
    assert parse_text_value("adam") == "adam"
    assert parse_text_value("1.2.3") == "1.2.3"


def test_flatten() -> None:
    assert flatten({"a": {"b": {"c": 1}}, "d": [1, 2], "e": {}, "f": None}) == {
        "a.b.c": 1,
        "d": "[1, 2]",
        "e": "{}",
        "f": None,
    }


def test_many_keys_and_long_values_are_cut_with_a_warning(tmp_path: Path) -> None:
    keras_log(tmp_path / "run" / "training.log")
    big = {f"k{i:04d}": i for i in range(MAX_KEYS + 100)}
    big["k0000"] = "x" * 5000
    (tmp_path / "run" / "params.yaml").write_text("".join(f"{k}: {v}\n" for k, v in big.items()))
    found = hparams_for(losslog.read(tmp_path)[0])
    assert len(found.values) == MAX_KEYS
    assert isinstance(found.values["k0000"], str) and len(found.values["k0000"]) == MAX_VALUE_CHARS
    assert any(f"kept the first {MAX_KEYS}" in w for w in found.warnings)
    assert any("cut" in w for w in found.warnings)


def test_yaml_python_tags_are_not_constructed(tmp_path: Path) -> None:
    keras_log(tmp_path / "run" / "training.log")
    (tmp_path / "run" / "args.yaml").write_text(
        "lr: 0.1\nevil: !!python/object/apply:os.system ['touch " + str(tmp_path / "ran") + "']\n"
    )
    values = hparams_for(losslog.read(tmp_path)[0]).values
    assert values.get("lr") == 0.1
    assert not (tmp_path / "ran").exists()


def test_a_broken_side_file_is_a_warning(tmp_path: Path) -> None:
    hf_sweep(tmp_path)
    (tmp_path / "run-0" / "training_args.json").write_text("{not json")
    run = next(r for r in discover([tmp_path]).runs if r.name == "run-0")
    found = hparams_for(run)
    assert found.values["learning_rate"] == 0.1
    assert any("training_args.json" in w for w in found.warnings)


@pytest.mark.parametrize("text", ["- 1\n- 2\n", "just text\n", "", "null\n"])
def test_side_files_that_are_not_mappings_give_nothing(tmp_path: Path, text: str) -> None:
    keras_log(tmp_path / "run" / "training.log")
    (tmp_path / "run" / "params.yaml").write_text(text)
    assert hparams_for(losslog.read(tmp_path)[0]).values == {}


# --------------------------------------------------------------------------------------------
# The fast reader of plain YAML agrees with PyYAML's safe loader wherever it answers

_WORDS = [
    "adam",
    "0.01",
    "1.0e-04",
    "1e-4",
    "01",
    "0",
    "-0",
    "-3",
    "+3",
    "0x1F",
    "1_000",
    ".5",
    "3.",
    "yes",
    "Yes",
    "yEs",
    "YES",
    "on",
    "Off",
    "y",
    "n",
    "~",
    "null",
    "Null",
    "nULL",
    "true",
    "2024-01-01",
    "a=b",
    "~old",
    "+x=3",
    "x y",
    "'q'",
    '"q"',
    "1:30",
    "=",
    ".inf",
    "-.inf",
    ".nan",
    "a#b",
    "a #b",
    "[1, 2]",
    "{a: 1}",
    "&a x",
    "*a",
    "!!str 3",
    "|",
    ">",
    "@x",
    "`x",
    "%x",
    "a: b",
    "é",
    "tab\there",
]
_KEYS = ["lr", "seed", "model", "a.b", "on", "null", "yes", "x-y", "1", "_k", "<<", "a b"]
_LINE = st.one_of(
    st.tuples(st.sampled_from([0, 0, 2, 4, 3]), st.sampled_from(_KEYS), st.none() | st.sampled_from(_WORDS)).map(
        lambda t: " " * t[0] + t[1] + ":" + ("" if t[2] is None else " " + t[2])
    ),
    st.tuples(st.sampled_from([0, 0, 2]), st.sampled_from(_WORDS)).map(lambda t: " " * t[0] + "- " + t[1]),
    st.sampled_from(["", "# a comment", "---", "  "]),
)


def _same(a: object, b: object) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        assert isinstance(b, dict)
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        assert isinstance(b, list)
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


@settings(max_examples=500, deadline=None)
@given(st.lists(_LINE, max_size=8))
def test_simple_yaml_agrees_with_pyyaml(lines: list[str]) -> None:
    import yaml

    text = "\n".join(lines) + "\n"
    fast = simple_yaml(text)
    if fast is NOT_SIMPLE:
        return
    assert _same(fast, yaml.safe_load(text)), (text, fast)


def test_simple_yaml_reads_the_tools_files() -> None:
    lightning = "hidden: 16\nlr: 0.01\n"
    ultralytics = "task: detect\nmode: train\nmodel: yolo11n.pt\nepochs: 6\nbatch: 16\nlr0: 0.01\namp: true\n"
    overrides = "- optimizer=adam\n- optimizer.lr=0.1\n- +trainer.seed=3\n"
    hydra = "optimizer:\n  name: adam\n  lr: 0.1\ntrainer:\n  epochs: 12\n"
    for text in (lightning, ultralytics, overrides, hydra):
        assert simple_yaml(text) is not NOT_SIMPLE, text


def test_simple_yaml_leaves_deep_nesting_to_the_bounded_loader() -> None:
    deep = "".join(" " * i + f"k{i}:\n" for i in range(40)) + " " * 40 + "v: 1\n"
    assert simple_yaml(deep) is NOT_SIMPLE
    shallow = "".join(" " * i + f"k{i}:\n" for i in range(5)) + " " * 5 + "v: 1\n"
    assert simple_yaml(shallow) == {"k0": {"k1": {"k2": {"k3": {"k4": {"v": 1}}}}}}


def test_huggingface_config_from_the_last_checkpoint(tmp_path: Path) -> None:
    hf_sweep(tmp_path)
    for step, size in ((20, 8), (30, 16)):  # the output folder has no config.json until save_model
        (tmp_path / "run-0" / f"checkpoint-{step}").mkdir()
        (tmp_path / "run-0" / f"checkpoint-{step}" / "config.json").write_text(json.dumps({"hidden_size": size}))
    (tmp_path / "run-0" / "config.json").unlink()
    run = next(r for r in losslog.read(tmp_path) if r.name == "run-0")
    assert hparams_for(run).values["hidden_size"] == 16


def test_varying_keys() -> None:
    nan = float("nan")
    rows = [
        {"a": 1, "b": 1.0, "c": nan, "d": True, "e": nan, "f": "x", "g": [1]},
        {"a": 1.0, "b": 1, "c": nan, "d": 1, "e": nan, "f": "x", "g": [2]},
        {"a": 1, "b": None, "e": nan, "f": "x", "g": [1]},
    ]
    assert varying_keys(rows) == ["b", "c", "d", "g"]  # 1 == 1.0; True != 1; NaN == NaN; missing varies
    assert varying_keys(rows, ["f", "a", "b"]) == ["b"]
    assert varying_keys([]) == []


def test_yaml_past_the_readers_limits_is_skipped_with_a_warning(tmp_path: Path) -> None:
    keras_log(tmp_path / "run" / "training.log")
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8)
    )
    (tmp_path / "run" / "params.yaml").write_text(bomb)  # 10^9 values once expanded
    found = hparams_for(losslog.read(tmp_path)[0])
    assert found.values == {}
    assert any("params.yaml" in w and "YAML" in w for w in found.warnings), found.warnings
