"""Hypothesis strategies for hostile log folders: structure-aware, one family per reader.

Each strategy draws a ``Folder``: the files to write (relative path -> bytes) and, where the
content allows, how many values a correct reader must report as dropped. Headers and keys stay
well-formed so that the readers get past detection; the cells, values, nesting, aliases, lengths
and encodings are what is hostile. TensorBoard event files are not generated (their hostile
record lengths are a later piece of work).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from hypothesis import strategies as st

#: Names drawn hostile too (control bytes in headers, keys, the long CSV's metric column): turn on
#: now that every text output passes names through ``losslog.sanitize.safe_text``: names carry
#: control bytes, bidi overrides and every other character (switch off only to bisect a failure).
HOSTILE_NAMES = True

#: Text that may end up as a name (a JSON key, a line of a text log)
NAME_TEXT = st.characters() if HOSTILE_NAMES else st.characters(exclude_categories=["Cc", "Cs", "Cf", "Zl", "Zp"])

#: Cells that are numbers (or absences) to every reader, and cells that are no number.
GOOD_CELLS = ("0.5", "1", "-2.25", "1e-3", " 0.75 ", "nan", "NaN", "inf", "-inf", "", "NA", "null")
BAD_CELLS = ("abc", "0.2e", "0x10", "1_0", "0.5\u00ff", "--1", "1.2.3", "\x1b[2J", "=cmd()", "\u202e1")
HUGE = st.integers(300, 20_000).map(lambda n: "9" * n)
CONTROL = st.text(st.characters(min_codepoint=0, max_codepoint=0x9F), min_size=1, max_size=6)


@dataclass
class Folder:
    files: dict[str, bytes] = field(default_factory=dict)
    #: values a reader must report as dropped, when the content makes that decidable
    dropped: int | None = None
    kind: str = ""


def _encode(text: str, how: str) -> bytes:
    if how == "utf-16":
        return text.encode("utf-16")
    if how == "latin-1":
        return text.encode("latin-1", errors="replace")
    return text.encode("utf-8", errors="surrogatepass")


@st.composite
def bytes_damage(draw: st.DrawFn, data: bytes) -> bytes:
    """Cut, splice random bytes into, or leave ``data``."""
    how = draw(st.sampled_from(["none", "none", "truncate", "splice", "nul"]))
    if how == "truncate" and data:
        return data[: draw(st.integers(0, len(data)))]
    if how == "splice" and data:
        at = draw(st.integers(0, len(data)))
        if HOSTILE_NAMES:
            junk = draw(st.binary(min_size=1, max_size=20))
        else:
            junk = draw(
                st.text(
                    st.characters(min_codepoint=0x20, exclude_categories=["Cc", "Cs", "Cf"]), min_size=1, max_size=20
                )
            ).encode()
        return data[:at] + junk + data[at:]
    if how == "nul":
        return data.replace(b"\n", b"\x00\n", 1)
    return data


@st.composite
def counted_csv(draw: st.DrawFn) -> Folder:
    """A generic wide CSV whose rows are whole and whose cells come from known pools: the reader
    must report exactly the bad cells of the metric columns and the step column as dropped."""
    ncols = draw(st.integers(1, 5))
    header = ["step", *[f"m{i}" for i in range(ncols)]]
    rows = draw(
        st.lists(
            st.lists(st.sampled_from(GOOD_CELLS + BAD_CELLS), min_size=ncols + 1, max_size=ncols + 1),
            min_size=1,
            max_size=12,
        )
    )
    rows = [[str(i), *r[1:]] if i % 3 else r for i, r in enumerate(rows)]  # mostly valid steps
    bad = sum(1 for r in rows for c in r if c in BAD_CELLS)
    text = "\n".join(",".join(r) for r in [header, *rows]) + "\n"
    return Folder({"run/results_table.csv": text.encode("utf-8")}, dropped=bad, kind="counted-csv")


HEADERS = (
    "epoch,accuracy,loss,val_accuracy,val_loss",  # Keras
    "epoch,step,train_loss_epoch,train_loss_step,val_loss",  # Lightning
    "epoch,train_loss,valid_loss,accuracy,time",  # fastai
    "epoch,train/box_loss,train/cls_loss,metrics/mAP50(B),val/box_loss,lr/pg0",  # Ultralytics
    "step,metric,value",  # long CSV
    "Wall time,Step,Value",  # TensorBoard download
    "Step,run-a - val/loss,run-a - val/loss__MIN",  # W&B export
    "step,train_loss,val_loss",  # generic
)
CSV_NAMES = ("metrics.csv", "training.log", "results.csv", "history.csv", "run.csv", "log.tsv")


@st.composite
def hostile_csv(draw: st.DrawFn) -> Folder:
    header = draw(st.sampled_from(HEADERS))
    width = header.count(",") + 1
    cell = st.one_of(st.sampled_from(GOOD_CELLS + BAD_CELLS), HUGE, CONTROL, st.text(max_size=8))
    rows = draw(st.lists(st.lists(cell, min_size=0, max_size=width + 3), max_size=15))
    if header.startswith("step,metric") and not HOSTILE_NAMES:  # the metric column holds names
        rows = [[r[0], draw(st.sampled_from(["loss", "val_loss", "acc"])), *r[2:]] if len(r) > 1 else r for r in rows]
    sep = draw(st.sampled_from([",", ",", "\t", ";"]))
    lines = [header.replace(",", sep), *(sep.join(r) for r in rows)]
    end = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = end.join(lines) + draw(st.sampled_from([end, ""]))
    data = draw(bytes_damage(_encode(text, draw(st.sampled_from(["utf-8", "utf-16", "latin-1"])))))
    return Folder({f"run/{draw(st.sampled_from(CSV_NAMES))}": data}, kind="csv")


json_scalar = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**30), 10**30),
    st.sampled_from(["nan", "NaN", "-inf", "inf", "abc", "", "\x1b[31m", "1e400"]),
    st.booleans(),
    st.none(),
)
json_value = st.recursive(
    json_scalar,
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(NAME_TEXT, max_size=4), kids, max_size=3),
    max_leaves=8,
)


def _dumps(obj: object) -> str:
    return json.dumps(obj, allow_nan=True)


@st.composite
def hostile_trainer_state(draw: st.DrawFn) -> Folder:
    entries = []
    for i in range(draw(st.integers(0, 8))):
        entry: dict[str, object] = {"step": draw(st.one_of(st.just(i * 10), json_scalar)), "epoch": float(i)}
        keys = st.sampled_from(["loss", "eval_loss", "learning_rate", "grad_norm", "eval_acc"])
        for key in draw(st.lists(keys, max_size=3)):
            entry[key] = draw(json_value)
        entries.append(entry)
    state: object = {"log_history": entries, "global_step": draw(json_scalar)}
    text = _dumps(state)
    if draw(st.booleans()):  # hostile nesting, written as text (json.dumps itself would recurse)
        depth = draw(st.integers(0, 5000))
        text = text[:-1] + ', "deep": ' + '{"k": [' * depth + "0.5" + "]}" * depth + "}"
    if draw(st.integers(0, 9)) == 0:
        text = text.replace("0.5", "9" * draw(st.integers(4300, 50_000)), 1)
    data = draw(bytes_damage(text.encode()))
    return Folder({"out/trainer_state.json": data}, kind="trainer-state")


@st.composite
def hostile_json_lines(draw: st.DrawFn) -> Folder:
    lines = []
    for i in range(draw(st.integers(1, 10))):
        record: dict[str, object] = {"iter": i * 10, "epoch": 1, "mode": "train", "lr": 0.1}
        for key in draw(st.lists(st.sampled_from(["loss", "total_loss", "acc", "time", "loss_cls"]), max_size=3)):
            record[key] = draw(json_value)
        lines.append(_dumps(record))
    if draw(st.booleans()):
        lines.append("[" * draw(st.integers(1, 5000)))
    text = "\n".join(lines) + draw(st.sampled_from(["\n", ""]))
    name = draw(st.sampled_from(["metrics.json", "scalars.json", "log.json", "run.log.json"]))
    return Folder({f"work/{name}": draw(bytes_damage(text.encode()))}, kind="json-lines")


@st.composite
def hostile_yaml(draw: st.DrawFn) -> str:
    """YAML that is an alias bomb, deeply nested, tagged, or plain."""
    kind = draw(st.sampled_from(["bomb", "deep", "tag", "self", "plain", "flow"]))
    if kind == "bomb":
        fan, levels = draw(st.integers(2, 12)), draw(st.integers(2, 12))
        text = "a0: &a0 [" + ",".join(["x"] * fan) + "]\n"
        for i in range(1, levels):
            text += f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * fan) + "]\n"
        return text
    if kind == "deep":
        n = draw(st.integers(10, 5000))
        return "x: " + "[" * n + "]" * n + "\n"
    if kind == "tag":
        return "lr: 0.1\nopt: !!python/object/apply:os.system ['echo pwned']\n"
    if kind == "self":
        return "a: &a [*a]\n"
    if kind == "flow":
        return draw(st.text(st.sampled_from(list("[]{}:&*!|>-, \n'\"ab0")), max_size=80))
    return "lr: 0.1\nbatch_size: 32\nname: run\n"


@st.composite
def hostile_lightning(draw: st.DrawFn) -> Folder:
    csv = "epoch,step,train_loss,val_loss\n0,9,1.0,\n0,9,,1.1\n1,19,0.8,\n1,19,,0.9\n"
    return Folder(
        {
            "lightning_logs/version_0/metrics.csv": csv.encode(),
            "lightning_logs/version_0/hparams.yaml": draw(hostile_yaml()).encode(),
        },
        dropped=0,
        kind="lightning-yaml",
    )


@st.composite
def hostile_dvclive(draw: st.DrawFn) -> Folder:
    cell = st.one_of(st.sampled_from(GOOD_CELLS + BAD_CELLS), HUGE)
    rows = draw(st.lists(st.tuples(st.integers(0, 10**6), cell), min_size=1, max_size=10))
    tsv = "timestamp\tstep\tloss\n" + "".join(f"{1700000000000 + s}\t{s}\t{v}\n" for s, v in rows)
    files = {
        "dvclive/plots/metrics/train/loss.tsv": draw(bytes_damage(tsv.encode())),
        "dvclive/params.yaml": draw(hostile_yaml()).encode(),
    }
    if draw(st.booleans()):
        files["dvclive/metrics.json"] = draw(st.binary(max_size=40))
    return Folder(files, kind="dvclive")


@st.composite
def hostile_mlflow(draw: st.DrawFn) -> Folder:
    line = st.one_of(
        st.tuples(st.integers(0, 2**63), st.sampled_from((*GOOD_CELLS[:5], "nan", "abc")), st.integers(0, 100)).map(
            lambda t: f"{t[0]} {t[1]} {t[2]}"
        ),
        st.text(max_size=20),
    )
    lines = draw(st.lists(line, min_size=1, max_size=8))
    stage = draw(st.sampled_from(["active", "deleted"]))
    return Folder(
        {
            "mlruns/1/meta.yaml": b"name: exp\nlifecycle_stage: active\n",
            "mlruns/1/abc/meta.yaml": f"run_id: abc\nlifecycle_stage: {stage}\n".encode(),
            "mlruns/1/abc/metrics/loss": draw(bytes_damage("\n".join(lines).encode())),
            "mlruns/1/abc/params/lr": draw(st.binary(max_size=30)),
            "mlruns/1/abc/tags/mlflow.runName": draw(st.sampled_from([b"run", b"", b"a/b"])),
        },
        kind="mlflow",
    )


@st.composite
def hostile_text_log(draw: st.DrawFn) -> Folder:
    number = st.one_of(st.sampled_from(["2.1", "nan", "inf", "0.2e", "1e400", "-0"]), HUGE)
    lines = []
    for i in range(draw(st.integers(1, 12))):
        form = draw(st.sampled_from(["nano", "keras", "hf", "junk"]))
        if form == "nano":
            lines.append(f"step {i}: train loss {draw(number)}, val loss {draw(number)}")
        elif form == "keras":
            lines.append(f"{i + 1}/10 - 1s - loss: {draw(number)} - val_loss: {draw(number)}")
        elif form == "hf":
            lines.append("{'loss': " + draw(number) + ", 'epoch': " + str(i) + "}")
        else:
            lines.append(draw(st.text(NAME_TEXT, max_size=30)))
    text = "\n".join(lines) + draw(st.sampled_from(["\n", ""]))
    data = draw(bytes_damage(_encode(text, draw(st.sampled_from(["utf-8", "latin-1", "utf-16"])))))
    return Folder({f"runs/{draw(st.sampled_from(['train.log', 'training.log', 'out.txt']))}": data}, kind="text")


@st.composite
def raw_bytes(draw: st.DrawFn) -> Folder:
    name = draw(st.sampled_from(["metrics.csv", "training.log", "trainer_state.json", "results.csv", "x.csv"]))
    noise = st.binary(max_size=200).map(lambda b: b if HOSTILE_NAMES else b"\x00" + b)  # NUL: refused as binary
    data = draw(st.one_of(noise, st.just(b""), st.just(b"\xff\xfe"), st.just(b"\n" * 50)))
    return Folder({f"r/{name}": data}, kind="raw")


EVERY_READER = st.one_of(
    hostile_csv(),
    hostile_trainer_state(),
    hostile_json_lines(),
    hostile_lightning(),
    hostile_dvclive(),
    hostile_mlflow(),
    hostile_text_log(),
    raw_bytes(),
)
