"""An S3 server on the loopback interface (moto in server mode) and a sweep in several formats, for
the remote-storage and Dask tests. No cloud account, no address but 127.0.0.1."""

from __future__ import annotations

import json
import math
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.conftest import curve_rows, keras_csv_text

#: credentials the moto server accepts (it checks none unless told to)
KEY, SECRET = "testing-key", "testing-secret"

#: AWS settings that could reach a real account or the instance metadata address: cleared
_AWS_ENV = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_S3",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
)


def isolated_aws_env(env: Any, credentials: bool = True) -> None:
    """No shared config, no metadata service, no real endpoint; the test credentials or none."""
    for name in _AWS_ENV:
        env.delenv(name, raising=False)
    env.setenv("AWS_EC2_METADATA_DISABLED", "true")
    env.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    env.setenv("AWS_CONFIG_FILE", os.devnull)
    env.setenv("AWS_DEFAULT_REGION", "us-east-1")
    if credentials:
        env.setenv("AWS_ACCESS_KEY_ID", KEY)
        env.setenv("AWS_SECRET_ACCESS_KEY", SECRET)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_moto() -> Iterator[str]:
    """A moto S3 server on 127.0.0.1 and a free port; yields its endpoint URL, stops it after."""
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def s3(endpoint: str) -> Any:
    """An s3fs client of the moto server, with the test credentials."""
    import s3fs

    return s3fs.S3FileSystem(key=KEY, secret=SECRET, endpoint_url=endpoint, skip_instance_cache=True)


def upload(fs: Any, local: Path, bucket_path: str) -> None:
    """Every file under ``local`` to ``bucket_path`` (``bucket/prefix``), same relative names."""
    for path in sorted(local.rglob("*")):
        if path.is_file():
            fs.pipe(f"{bucket_path}/{path.relative_to(local).as_posix()}", path.read_bytes())


def hf_state(steps: int, floor: float) -> str:
    history: list[dict[str, float]] = []
    for s in range(1, steps + 1):
        history.append({"epoch": float(s), "loss": 1.0 / s + 0.05, "learning_rate": 1e-3, "step": s * 10})
        history.append({"epoch": float(s), "eval_loss": floor + 1.1 / s, "step": s * 10})
    return json.dumps({"log_history": history, "global_step": steps * 10})


def lightning_csv(epochs: int, shift: float) -> str:
    lines = ["epoch,step,train_loss,val_loss"]
    for e in range(epochs):
        lines.append(f"{e},{(e + 1) * 50 - 1},{1.5 * math.exp(-e / 4) + shift:.6f},")
        lines.append(f"{e},{(e + 1) * 50 - 1},,{0.4 + 1.2 * math.exp(-e / 3) + shift + 0.02 * max(0, e - 8):.6f}")
    return "\n".join(lines) + "\n"


def write_sweep(root: Path, n: int = 2, checkpoint_bytes: int = 200_000) -> Path:
    """A small sweep in four formats: Keras CSV files, Hugging Face trainer_state.json folders,
    TensorBoard event files written by tensorboardX, and Lightning CSVLogger folders.
    Each TensorBoard run also holds a binary checkpoint no reader wants."""
    from tests.tb_helpers import tbx_write

    for i in range(n):
        (root / "keras").mkdir(parents=True, exist_ok=True)
        (root / "keras" / f"lr{i}.csv").write_text(keras_csv_text(curve_rows(12 + i, overfit_from=6 + i)))
        hf = root / "hf" / f"run{i}"
        hf.mkdir(parents=True, exist_ok=True)
        (hf / "trainer_state.json").write_text(hf_state(8 + i, 0.3 + 0.05 * i))
        (hf / "config.json").write_text(json.dumps({"hidden": 64 * (i + 1)}))
        tb = root / "tb" / f"seed{i}"
        tbx_write(
            tb,
            [
                (tag, value, step)
                for step in range(20)
                for tag, value in (
                    ("loss", 2.0 * math.exp(-step / 5) + 0.1 * i),
                    ("val_loss", 0.5 + 1.5 * math.exp(-step / 4) + 0.01 * max(0, step - 10)),
                )
            ],
        )
        (tb / "model.ckpt").write_bytes(bytes((j * 7 + i) % 251 for j in range(checkpoint_bytes)))
        lt = root / "lightning" / f"version_{i}"
        lt.mkdir(parents=True, exist_ok=True)
        (lt / "metrics.csv").write_text(lightning_csv(14, 0.05 * i))
        (lt / "hparams.yaml").write_text(f"lr: {0.001 * (i + 1)}\nbatch_size: 32\n")
    (root / "README.md").write_text("# a sweep\n")
    return root
