# ruff: noqa: E501
"""Write the fixtures of tests/data/readers/ in the exact shapes of the real tools (made-up values).

The shapes (column order, CRLF, padding, quoting, key order) copy files the real tools wrote; the
values are invented so that each test knows the answer (best epoch, replaced points). Re-run after
editing: ``python tests/data/readers/make_fixtures.py``.
"""

import json
from pathlib import Path

D = Path(__file__).resolve().parent


def w(rel, text, binary=False):
    p = D / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(text if binary else text.encode())


# ---------------- Lightning: CSVLogger, CRLF, sorted columns, sparse rows, LR monitor rows
def lightning(val_losses, train_epoch, seed):
    header = "epoch,lr-SGD,step,train_acc,train_loss_epoch,train_loss_step,val_acc,val_loss"
    rows = [header]
    lr = 0.01
    for e, (vl, tl) in enumerate(zip(val_losses, train_epoch, strict=False)):
        rows.append(f",{lr},{e * 12},,,,,")
        rows.append(f"{e},,{e * 12 + 4},,,{tl + 0.05 + seed},,")
        rows.append(f"{e},,{e * 12 + 9},,,{tl + 0.01},,")
        end = e * 12 + 11
        rows.append(f"{e},,{end},,,,{0.5 + 0.05 * e},{vl}")
        rows.append(f"{e},,{end},{0.48 + 0.04 * e},{tl},,,")
        lr /= 2
    return "\r\n".join(rows) + "\r\n"


w(
    "lightning/my_model/version_0/metrics.csv",
    lightning([0.70, 0.64, 0.61, 0.63, 0.66], [0.71, 0.62, 0.55, 0.49, 0.44], 0.0),
)
w("lightning/my_model/version_0/hparams.yaml", "hidden: 16\nlr: 0.01\noptimizer: sgd\n")
w(
    "lightning/my_model/version_1/metrics.csv",
    lightning([0.72, 0.69, 0.66, 0.65, 0.64], [0.73, 0.68, 0.65, 0.63, 0.62], 0.01),
)
w("lightning/my_model/version_1/hparams.yaml", "hidden: 32\nlr: 0.005\noptimizer: sgd\n")


# ---------------- Hugging Face trainer_state.json
def hf_state(evals, final=True, best=None):
    hist = []
    for i, (eval_loss, acc) in enumerate(evals):
        ep = i + 1
        hist.append(
            {
                "epoch": ep - 0.5,
                "grad_norm": 0.9,
                "learning_rate": 0.004 - 0.001 * i,
                "loss": 0.7 - 0.1 * i,
                "step": 5 + 10 * i,
            }
        )
        hist.append(
            {
                "epoch": float(ep),
                "grad_norm": 1.1,
                "learning_rate": 0.0035 - 0.001 * i,
                "loss": 0.66 - 0.1 * i,
                "step": 10 + 10 * i,
            }
        )
        hist.append(
            {
                "epoch": float(ep),
                "eval_accuracy": acc,
                "eval_loss": eval_loss,
                "eval_runtime": 0.08,
                "eval_samples_per_second": 785.4,
                "eval_steps_per_second": 24.5,
                "step": 10 + 10 * i,
            }
        )
    if final:
        n = len(evals)
        hist.append(
            {
                "epoch": float(n),
                "step": 10 * n,
                "total_flos": 88542720.0,
                "train_loss": 0.49,
                "train_runtime": 3.07,
                "train_samples_per_second": 156.0,
                "train_steps_per_second": 9.75,
            }
        )
    n = len(evals)
    state = {
        "best_global_step": best[0] if best else None,
        "best_metric": best[1] if best else None,
        "best_model_checkpoint": best[2] if best else None,
        "epoch": float(n),
        "eval_steps": 500,
        "global_step": 10 * n,
        "is_hyper_param_search": False,
        "is_local_process_zero": True,
        "is_world_process_zero": True,
        "log_history": hist,
        "logging_steps": 5,
        "max_steps": 10 * n,
        "num_input_tokens_seen": 0,
        "num_train_epochs": n,
        "save_steps": 500,
        "stateful_callbacks": {"TrainerControl": {"args": {"should_save": True}, "attributes": {}}},
        "total_flos": 88542720.0,
        "train_batch_size": 16,
        "trial_name": None,
        "trial_params": None,
    }
    return json.dumps(state, indent=2, sort_keys=True) + "\n"


evals = [(0.61, 0.90), (0.39, 0.95), (0.35, 0.97), (0.41, 0.96)]
w("hf/out/trainer_state.json", hf_state(evals, best=(30, 0.35, "out/checkpoint-30")))
w("hf/out/checkpoint-30/trainer_state.json", hf_state(evals[:3], final=False, best=(30, 0.35, "out/checkpoint-30")))
w(
    "hf/out/config.json",
    json.dumps({"architectures": ["BertForSequenceClassification"], "hidden_size": 16}, indent=2) + "\n",
)

# ---------------- Ultralytics
cur = [
    "epoch,time,train/box_loss,train/cls_loss,train/dfl_loss,metrics/precision(B),metrics/recall(B),metrics/mAP50(B),metrics/mAP50-95(B),val/box_loss,val/cls_loss,val/dfl_loss,lr/pg0,lr/pg1,lr/pg2",
    "1,40.0012,1.6,3.3,1.9,0.3,0.25,0.15,0.05,2.3,2.8,3.3,0.070545,0.0032727,0.0032727",
    "2,65.3014,1.4,2.7,1.8,1.2,1.1,1.5,1.6,0.070545,0.0065454,0.0065454",  # placeholder replaced below
]
# a row where validation was skipped: epoch,time,3 train losses, 3 lrs (short row)
cur[2] = "2,65.3014,1.4,2.7,1.8,0.040545,0.0065454,0.0065454"
cur.append("3,90.6014,1.2,2.1,1.7,0.5,0.45,0.39,0.17,2,2.2,2.9,0.010545,0.0098181,0.0098181")
w("ultralytics/results.csv", "\n".join(cur) + "\n")
cols = [
    "epoch",
    "train/box_loss",
    "train/cls_loss",
    "train/dfl_loss",
    "metrics/precision(B)",
    "metrics/recall(B)",
    "metrics/mAP50(B)",
    "metrics/mAP50-95(B)",
    "val/box_loss",
    "val/cls_loss",
    "val/dfl_loss",
    "lr/pg0",
    "lr/pg1",
    "lr/pg2",
]
vals = [
    [0, 1.6878, 3.3859, 2.143, 0.1762, 0.2, 0.15826, 0.05583, 2.335, 2.822, 3.3394, 0.070545, 0.0032727, 0.0032727],
    [
        1,
        1.267,
        1.9629,
        1.8428,
        0.34394,
        0.30556,
        0.25946,
        0.12497,
        2.2896,
        2.6209,
        3.4364,
        0.040284,
        0.0063445,
        0.0063445,
    ],
    [
        2,
        1.1897,
        1.7105,
        1.7963,
        0.59132,
        0.46667,
        0.48179,
        0.22066,
        1.9873,
        2.1012,
        3.0045,
        0.0097583,
        0.0091522,
        0.0091522,
    ],
]
lines = [("%23s," * len(cols) % tuple(cols)).rstrip(",")]
for v in vals:
    lines.append(("%23.5g," * len(v) % tuple(v)).rstrip(","))
w("ultralytics/results_v8.0_padded.csv", "\n".join(lines) + "\n")

# ---------------- fastai
w(
    "fastai/history.csv",
    "epoch,train_loss,valid_loss,accuracy,error_rate,time\n0,0.7013120651245117,0.6415998935699463,0.65625,0.34375,00:01\n1,0.6428688168525696,0.5505583882331848,0.75,0.25,00:00\n2,0.5937219262123108,0.5249034762382507,0.765625,0.234375,01:02\n",
)
w(
    "fastai/history_appended.csv",
    "epoch,train_loss,valid_loss,accuracy,time\n0,0.507166862487793,0.5087534189224243,0.78125,00:00\n1,0.4995204508304596,0.4949178099632263,0.796875,00:00\nepoch,train_loss,valid_loss,accuracy,time\n0,0.4804871678352356,0.48002421855926514,0.78125,00:01\n1,0.4713616371154785,0.46557915210723877,0.8125,00:00\n",
)


# ---------------- TensorBoard downloads
def tbcsv(points):
    return "Wall time,Step,Value\r\n" + "".join(f"{wt},{s},{v}\r\n" for wt, s, v in points)


a_train = [(1795671308.68, 4, 0.75), (1795671308.69, 9, 0.70), (1795671308.72, 14, 0.66)]
a_val = [(1795671308.70, 11, 0.72), (1795671308.76, 23, 0.69)]
b_val = [(1795671400.70, 11, 0.80), (1795671400.76, 23, 0.78)]
w("tb_download/run-exp_a-tag-train_loss.csv", tbcsv(a_train))
w("tb_download/run-exp_a-tag-val_loss.csv", tbcsv(a_val))
w("tb_download/run-exp_a-tag-val_loss.json", json.dumps([list(p) for p in a_val]))
w("tb_download/run-exp_b-tag-val_loss.json", json.dumps([list(p) for p in b_val]))

# ---------------- long CSV
w(
    "long_csv/tidy.csv",
    "run,split,step,epoch,metric,value\nbaseline,train,100,0,loss,2.0\nbaseline,validation,100,0,loss,2.2\nbaseline,train,200,1,loss,1.5\nbaseline,validation,200,1,loss,1.9\nbaseline,train,300,2,loss,nan\nwide,train,100,0,loss,1.9\nwide,validation,100,0,loss,2.1\nwide,train,200,1,loss,\nwide,validation,200,1,loss,1.7\n",
)
w(
    "long_csv/tbparse.csv",
    "dir_name,step,tag,value\nrun_a,0,train/loss,1.0\nrun_a,0,val/loss,1.2\nrun_a,10,train/loss,0.8\nrun_a,10,val/loss,1.1\nrun_b,0,train/loss,1.1\n",
)

# ---------------- detectron2 metrics.json: out-of-order lines, NaN literal, resumed iterations
d2 = [
    '{"data_time": 0.008, "eta_seconds": 30.5, "fast_rcnn/cls_accuracy": 0.81, "fast_rcnn/false_negative": 0.4, "iteration": 19, "loss_box_reg": 0.39, "loss_cls": 0.72, "lr": 0.00025, "time": 0.25, "total_loss": 1.56}',
    '{"data_time": 0.008, "eta_seconds": 25.1, "fast_rcnn/cls_accuracy": 0.86, "fast_rcnn/false_negative": 0.3, "iteration": 39, "loss_box_reg": 0.23, "loss_cls": 0.37, "lr": 0.00025, "time": 0.25, "total_loss": 0.85}',
    '{"bbox/AP": 19.66, "bbox/AP50": 34.5, "bbox/APs": NaN, "iteration": 29}',
    '{"data_time": 0.008, "iteration": 59, "loss_box_reg": 0.14, "loss_cls": 0.19, "lr": 0.00025, "time": 0.25, "total_loss": 0.48, "bbox/AP": 29.66, "bbox/AP50": 49.5, "bbox/APs": NaN}',
    # resumed from the checkpoint at iteration 39: iterations 59 written again
    '{"data_time": 0.009, "iteration": 59, "loss_box_reg": 0.13, "loss_cls": 0.18, "lr": 0.00025, "time": 0.26, "total_loss": 0.45}',
    '{"data_time": 0.009, "iteration": 79, "loss_box_reg": 0.12, "loss_cls": 0.15, "lr": 0.00025, "time": 0.26, "total_loss": 0.40}',
]
w("detectron2/metrics.json", "\n".join(d2) + "\n")

# ---------------- mmengine work_dir
ts = "20240102_030405"
sc = [
    {"lr": 0.05, "data_time": 0.0007, "loss": 0.70, "time": 0.0016, "epoch": 1, "iter": 5, "memory": 12, "step": 5},
    {"lr": 0.05, "data_time": 0.0005, "loss": 0.67, "time": 0.0011, "epoch": 1, "iter": 10, "memory": 12, "step": 10},
    {"accuracy/top1": 68.75, "data_time": 0.0002, "time": 0.0006, "step": 1},
    {"lr": 0.05, "data_time": 0.0002, "loss": 0.56, "time": 0.0006, "epoch": 2, "iter": 17, "memory": 12, "step": 17},
    {"lr": 0.05, "data_time": 0.0002, "loss": 0.46, "time": 0.0006, "epoch": 2, "iter": 22, "memory": 12, "step": 22},
    {"accuracy/top1": 85.93, "data_time": 0.0002, "time": 0.0004, "step": 2},
]
text = "".join(json.dumps(r) + "\n" for r in sc)
w(f"mmengine/work_dir/{ts}/vis_data/scalars.json", text)
w(f"mmengine/work_dir/{ts}/vis_data/{ts}.json", text)
w(f"mmengine/work_dir/{ts}/vis_data/config.py", "model = dict(type='ImageClassifier')\n")
runner = (
    "2024/01/02 03:04:05 - mmengine - INFO - \n------------------------------------------------------------\nSystem environment:\n    sys.platform: linux\n    Python: 3.11.7\n------------------------------------------------------------\n\n"
    "2024/01/02 03:04:06 - mmengine - INFO - Epoch(train) [1][ 5/12]  lr: 5.0000e-02  eta: 0:00:00  time: 0.0016  data_time: 0.0007  memory: 12  loss: 0.7000\n"
    "2024/01/02 03:04:06 - mmengine - INFO - Epoch(train) [1][10/12]  lr: 5.0000e-02  eta: 0:00:00  time: 0.0011  data_time: 0.0005  memory: 12  loss: 0.6700\n"
    "2024/01/02 03:04:06 - mmengine - INFO - Saving checkpoint at 1 epochs\n"
    "2024/01/02 03:04:06 - mmengine - INFO - Epoch(val) [1][2/2]    accuracy/top1: 68.7500  data_time: 0.0002  time: 0.0006\n"
    "2024/01/02 03:04:07 - mmengine - INFO - Epoch(train) [2][ 5/12]  lr: 5.0000e-02  eta: 0:00:00  time: 0.0006  data_time: 0.0002  memory: 12  loss: 0.5600\n"
    "2024/01/02 03:04:07 - mmengine - INFO - Epoch(train) [2][10/12]  lr: 5.0000e-02  eta: 0:00:00  time: 0.0006  data_time: 0.0002  memory: 12  loss: 0.4600\n"
    "2024/01/02 03:04:07 - mmengine - INFO - Epoch(val) [2][2/2]    accuracy/top1: 85.9300  data_time: 0.0002  time: 0.0004\n"
)
w(f"mmengine/work_dir/{ts}/{ts}.log", runner)
w(f"mmengine/work_dir/{ts}.py", "model = dict(type='ImageClassifier')\n")
w("mmengine/work_dir/last_checkpoint", "/tmp/work_dir/epoch_2.pth")
w("text/mmengine_runner.log", runner)
w(
    "text/mmengine_iter.log",
    "2024/01/02 03:04:06 - mmengine - INFO - Iter(train) [ 10/100]  lr: 1.0000e-02  eta: 0:00:09  time: 0.1000  data_time: 0.0100  loss: 2.0000\n"
    "2024/01/02 03:04:07 - mmengine - INFO - Iter(train) [ 20/100]  lr: 1.0000e-02  eta: 0:00:08  time: 0.1000  data_time: 0.0100  loss: 1.5000\n"
    "2024/01/02 03:04:08 - mmengine - INFO - Iter(val) [5/5]    mIoU: 41.2000  aAcc: 80.1000  data_time: 0.0100  time: 0.0500\n",
)

# ---------------- mmcv log.json
mm = [
    {
        "env_info": "sys.platform: linux\nPython: 3.8.10",
        "config": "model = dict(...)",
        "seed": 0,
        "exp_name": "faster_rcnn_r50_fpn_1x_coco.py",
    },
    {
        "mode": "train",
        "epoch": 1,
        "iter": 50,
        "lr": 0.02,
        "memory": 3846,
        "data_time": 0.05,
        "loss_cls": 0.5,
        "acc": 91.2,
        "loss": 1.0,
        "time": 0.412,
    },
    {
        "mode": "train",
        "epoch": 1,
        "iter": 100,
        "lr": 0.02,
        "memory": 3846,
        "data_time": 0.05,
        "loss_cls": 0.45,
        "acc": 92.0,
        "loss": 0.95,
        "time": 0.412,
    },
    {
        "mode": "val",
        "epoch": 1,
        "iter": 625,
        "lr": 0.02,
        "bbox_mAP": 0.25,
        "bbox_mAP_50": 0.4,
        "bbox_mAP_copypaste": "0.250 0.400 0.210 0.100 0.250 0.300",
    },
    {
        "mode": "train",
        "epoch": 2,
        "iter": 50,
        "lr": 0.02,
        "memory": 3846,
        "data_time": 0.05,
        "loss_cls": 0.4,
        "acc": 93.0,
        "loss": 0.9,
        "time": 0.412,
    },
    {
        "mode": "val",
        "epoch": 2,
        "iter": 625,
        "lr": 0.02,
        "bbox_mAP": 0.3,
        "bbox_mAP_50": 0.45,
        "bbox_mAP_copypaste": "0.300 0.450 0.210 0.100 0.250 0.300",
    },
]
w("mmcv/20220101_120000.log.json", "".join(json.dumps(r) + "\n" for r in mm))

# ---------------- MLflow file store
exp, run = "1", "0123456789abcdef0123456789abcdef"
base = f"mlflow/mlruns/{exp}/{run}"
w(
    "mlflow/mlruns/0/meta.yaml",
    "artifact_location: file:///tmp/mlruns/0\ncreation_time: 1700000000000\nexperiment_id: '0'\nlast_update_time: 1700000000000\nlifecycle_stage: active\nname: Default\n",
)
w(
    f"mlflow/mlruns/{exp}/meta.yaml",
    f"artifact_location: file:///tmp/mlruns/{exp}\ncreation_time: 1700000000000\nexperiment_id: '{exp}'\nlast_update_time: 1700000000000\nlifecycle_stage: active\nname: demo\n",
)
w(
    f"{base}/meta.yaml",
    f"artifact_uri: file:///tmp/mlruns/{exp}/{run}/artifacts\nend_time: 1700000009000\nentry_point_name: ''\nexperiment_id: '{exp}'\nlifecycle_stage: active\nrun_id: {run}\nrun_name: tiny\nsource_name: ''\nsource_type: 4\nsource_version: ''\nstart_time: 1700000000000\nstatus: 3\ntags: []\nuser_id: root\n",
)
w(f"{base}/metrics/train_loss", "1700000001000 0.7 0\n1700000002000 0.6 1\n1700000003000 0.5 2\n")
w(f"{base}/metrics/val_loss", "1700000001000 0.72 0\n1700000002000 0.67 1\n1700000003000 nan 2\n")
w(f"{base}/metrics/val/acc", "1700000001000 0.5 0\n1700000002000 0.55 1\n1700000003000 0.6 2\n")
w(f"{base}/params/lr", "0.01")
w(f"{base}/tags/mlflow.runName", "tiny")
w(f"{base}/tags/mlflow.user", "root")
run2 = "fedcba9876543210fedcba9876543210"
w(
    f"mlflow/mlruns/{exp}/{run2}/meta.yaml",
    f"experiment_id: '{exp}'\nlifecycle_stage: deleted\nrun_id: {run2}\nrun_name: gone\nstatus: 3\n",
)
w(f"mlflow/mlruns/{exp}/{run2}/metrics/train_loss", "1700000001000 0.9 0\n")

# ---------------- DVCLive
w(
    "dvclive/dvclive/plots/metrics/train/loss.tsv",
    "timestamp\tstep\tloss\n1700000000000\t0\t0.7\n1700000001000\t1\t0.65\n1700000002000\t2\t0.6\n",
)
w(
    "dvclive/dvclive/plots/metrics/eval/loss.tsv",
    "timestamp\tstep\tloss\n1700000000000\t0\t0.72\n1700000001000\t1\t0.67\n1700000002000\t2\t0.62\n",
)
w(
    "dvclive/dvclive/plots/metrics/eval/acc.tsv",
    "timestamp\tstep\tacc\n1700000000000\t0\t0.5\n1700000001000\t1\t0.6\n1700000002000\t2\t0.62\n",
)
w(
    "dvclive/dvclive/metrics.json",
    json.dumps({"train": {"loss": 0.6}, "eval": {"loss": 0.62, "acc": 0.62}, "step": 2}, indent=4),
)
w("dvclive/dvclive/params.yaml", "lr: 0.001\nepochs: 3\n")

# ---------------- W&B
w(
    "wandb/wandb_export_2024-01-01T00_00_00.000+00_00.csv",
    '"Step","run-a - val/loss","run-a - val/loss__MIN","run-a - val/loss__MAX","run-b - val/loss","run-b - val/loss__MIN","run-b - val/loss__MAX"\r\n'
    '"0","1.0","1.0","1.0","1.1","1.1","1.1"\r\n"100","0.9","0.9","0.9","","",""\r\n"200","0.8","0.8","0.8","1.0","1.0","1.0"\r\n',
)
w(
    "wandb/run_history.csv",
    ",_step,_runtime,_timestamp,train/loss,train/learning_rate,train/epoch,train/global_step,eval/loss,eval/accuracy\r\n"
    "0,0,0.0,1700000000,0.7,5e-05,0.5,10,,\r\n1,1,2.0,1700000002,0.65,5e-05,1.0,20,,\r\n2,2,4.0,1700000004,,,1.0,20,0.66,0.81\r\n"
    "3,3,6.0,1700000006,0.55,5e-05,1.5,30,,\r\n4,4,8.0,1700000008,0.5,4e-05,2.0,40,,\r\n5,5,10.0,1700000010,,,2.0,40,0.61,0.84\r\n",
)

# ---------------- text logs
nano = ["step 0: train loss 5.2000, val loss 5.3000"]
for i in range(0, 30, 10):
    nano.append(f"iter {i}: loss {5.15 - i * 0.01:.4f}, time 12.30ms, mfu {-100.0 if i < 30 else 12.34:.2f}%")
nano += ["step 30: train loss 4.9000, val loss 5.0100", "saving checkpoint to out-shakespeare-char"]
for i in range(30, 60, 10):
    nano.append(f"iter {i}: loss {5.15 - i * 0.01:.4f}, time 12.30ms, mfu 12.34%")
nano.append("step 60: train loss 4.6000, val loss 4.8000")
w("text/nanogpt_train.log", "\n".join(nano) + "\n")
w(
    "text/llmc_main.log",
    "s:0 tel:5.000000\ns:0 trl:5.100000\ns:1 trl:5.075000\ns:2 trl:5.050000\ns:2 eval:0.250000\ns:3 trl:5.025000 lr:0.000600 norm:1.25\ns:4 tel:4.900000\n",
)
w(
    "text/modded_nanogpt.log",
    "step:0/250 val_loss:4.5000 train_time:0ms step_avg:0.00ms\nstep:1/250 train_time:24ms step_avg:nanms\nstep:125/250 val_loss:4.0000 train_time:7662ms step_avg:61.30ms\nstep:250/250 val_loss:3.5000 train_time:15325ms step_avg:61.30ms\n",
)
w(
    "text/keras_fit_verbose2.txt",
    "Epoch 1/3\n6/6 - 1s - 168ms/step - accuracy: 0.3281 - loss: 1.1393 - val_accuracy: 0.3750 - val_loss: 1.2514\nEpoch 2/3\n6/6 - 0s - 529us/step - accuracy: 0.3281 - loss: 1.1342 - val_accuracy: 0.3750 - val_loss: 1.2459\nEpoch 3/3\n6/6 - 0s - 450us/step - accuracy: 0.3333 - loss: 1.1293 - val_accuracy: 0.3750 - val_loss: 1.2404\n",
)
bar = "\u2501" * 20
w(
    "text/keras_fit_verbose1.txt",
    "Epoch 1/2\n"
    f"\r1/6 {bar} 1s 300ms/step - accuracy: 0.2000 - loss: 1.5000"
    f"\r6/6 {bar} 1s 50ms/step - accuracy: 0.3281 - loss: 1.1393 - val_accuracy: 0.3750 - val_loss: 1.2514\n"
    "Epoch 2/2\n"
    f"\r1/6 {bar} 0s 5ms/step - accuracy: 0.3000 - loss: 1.2000"
    f"\r6/6 {bar} 0s 5ms/step - accuracy: 0.3500 - loss: 1.1342 - val_accuracy: 0.3750 - val_loss: 1.2459\n",
)
w(
    "text/hf_console_v5.txt",
    "{'loss': '0.6932', 'grad_norm': '0.686', 'learning_rate': '0.004333', 'epoch': '0.5'}\n"
    "{'loss': '0.6663', 'grad_norm': '0.8359', 'learning_rate': '0.0035', 'epoch': '1'}\n"
    "{'eval_loss': '0.6053', 'eval_accuracy': '0.9688', 'eval_runtime': '0.0815', 'eval_samples_per_second': '785.4', 'eval_steps_per_second': '24.54', 'epoch': '1'}\n"
    "{'loss': '0.5609', 'grad_norm': '1.326', 'learning_rate': '0.002667', 'epoch': '1.5'}\n"
    "{'loss': '0.4253', 'grad_norm': '1.219', 'learning_rate': '0.001833', 'epoch': '2'}\n"
    "{'eval_loss': '0.3877', 'eval_accuracy': '0.9688', 'eval_runtime': '0.0251', 'eval_samples_per_second': '2550', 'eval_steps_per_second': '79.7', 'epoch': '2'}\n"
    "{'train_runtime': '3.075', 'train_samples_per_second': '156.1', 'train_steps_per_second': '9.755', 'train_loss': '0.4905', 'epoch': '2'}\n",
)
w(
    "text/hf_console_v4_tqdm.txt",
    " 33%|###3      | 10/30 [00:01<00:02,  9.1it/s]{'loss': 0.6663, 'grad_norm': 0.8359, 'learning_rate': 0.0035, 'epoch': 1.0}\n"
    "\r 33%|###3      | 10/30 [00:01<00:02,  9.1it/s]\n"
    "{'eval_loss': 0.6053, 'eval_accuracy': 0.9688, 'eval_runtime': 0.0815, 'epoch': 1.0}\n"
    "{'loss': 0.4253, 'grad_norm': 1.219, 'learning_rate': 0.001833, 'epoch': 2.0}\n"
    "{'eval_loss': 0.6101, 'eval_accuracy': 0.9502, 'eval_runtime': 0.0251, 'epoch': 2.0}\n",
)
print("ok")
