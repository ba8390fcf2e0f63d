"""Logs in object storage, read through s3fs from a real S3 server on 127.0.0.1 (moto in server
mode): every command gives the same answers as for the same sweep on local disk, a second look
fetches only what changed, and each failure is one line naming the URL, exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from losslog.cli import app
from losslog.remote import StorageOptions, discover_inputs
from tests.remote_helpers import isolated_aws_env, s3, start_moto, upload, write_sweep

pytest.importorskip("s3fs", reason="the test extra installs s3fs")  # present in CI: .ci/run installs [test]

runner = CliRunner()
BUCKET = "sweeps"
URL = f"s3://{BUCKET}/sweep"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with pytest.MonkeyPatch.context() as env:
        isolated_aws_env(env)
        yield from start_moto()


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory, endpoint: str) -> Path:
    """The sweep on local disk, and the same files uploaded to s3://sweeps/sweep."""
    root = write_sweep(tmp_path_factory.mktemp("local") / "sweep")
    fs = s3(endpoint)
    fs.mkdir(BUCKET)
    upload(fs, root, f"{BUCKET}/sweep")
    return root


@pytest.fixture(autouse=True)
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, endpoint: str) -> pytest.MonkeyPatch:
    isolated_aws_env(monkeypatch)
    # belt and braces: any S3 client made without --endpoint-url still talks only to 127.0.0.1
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    monkeypatch.setenv("LOSSLOG_CACHE_DIR", str(tmp_path / "cache"))
    return monkeypatch


def cli(endpoint: str, *args: str) -> Any:
    return runner.invoke(app, [*args, "--endpoint-url", endpoint])


def as_remote(text: str, local: Path) -> str:
    """Local output with the sweep's folder written as its URL (the only expected difference)."""
    return text.replace(str(local), URL)


@pytest.mark.parametrize("command", [["compare", "--format", "json"], ["report", "--format", "json"]])
def test_same_json_as_local_disk(endpoint: str, sweep: Path, command: list[str]) -> None:
    remote = cli(endpoint, command[0], URL, *command[1:])
    local = runner.invoke(app, [command[0], str(sweep), *command[1:]])
    assert remote.exit_code == local.exit_code == 0, remote.output
    assert json.loads(remote.stdout) == json.loads(as_remote(local.stdout, sweep))
    names = [r["name"] for r in json.loads(remote.stdout)["runs"]]
    assert {"keras/lr0", "hf/run1", "tb/seed0", "lightning/version_1"} <= set(names)
    assert URL not in local.stdout and str(sweep) not in remote.stdout  # sources are URLs, never the cache


def test_export_plot_and_check_with_a_remote_baseline(endpoint: str, sweep: Path, tmp_path: Path) -> None:
    remote = cli(endpoint, "export", URL, "--format", "csv")
    local = runner.invoke(app, ["export", str(sweep), "--format", "csv"])
    assert remote.exit_code == 0 and remote.stdout == local.stdout
    png = tmp_path / "runs.png"
    plotted = cli(endpoint, "plot", f"{URL}/keras", "-o", str(png))
    assert plotted.exit_code == 0, plotted.output
    assert png.read_bytes().startswith(b"\x89PNG")
    checked = cli(
        endpoint, "check", f"{URL}/hf/run1", "--baseline", f"{URL}/hf/run0", "--fail-on", "none", "--format", "json"
    )
    local_check = runner.invoke(
        app,
        [
            "check",
            str(sweep / "hf/run1"),
            "--baseline",
            str(sweep / "hf/run0"),
            "--fail-on",
            "none",
            "--format",
            "json",
        ],
    )
    assert checked.exit_code == local_check.exit_code
    assert json.loads(checked.stdout) == json.loads(as_remote(local_check.stdout, sweep))
    assert f"{URL}/hf/run0" in checked.stdout  # the baseline is named by its URL


def test_second_look_fetches_only_the_changed_object(endpoint: str, sweep: Path) -> None:
    opts = StorageOptions(endpoint_url=endpoint)
    first = discover_inputs([URL], storage=opts)
    assert not first.errors and len(first.runs) == 8
    assert first.mirrors.fetched_objects > 0
    ckpt = (sweep / "tb/seed0/model.ckpt").stat().st_size
    assert first.mirrors.fetched_bytes < sum(p.stat().st_size for p in sweep.rglob("*") if p.is_file()) - 2 * ckpt + 1
    again = discover_inputs([URL], storage=opts)
    assert (again.mirrors.fetched_objects, again.mirrors.fetched_bytes) == (0, 0)
    assert [(r.name, len(r)) for r in again.runs] == [(r.name, len(r)) for r in first.runs]
    fs = s3(endpoint)
    changed = (sweep / "keras/lr1.csv").read_bytes()
    fs.pipe(f"{BUCKET}/sweep/keras/lr0.csv", changed)
    try:
        third = discover_inputs([URL], storage=opts)
        assert third.mirrors.fetched_objects == 1 and third.mirrors.fetched_bytes == len(changed)
        lr0 = next(r for r in third.runs if r.name == "keras/lr0")
        assert len(lr0) == len(next(r for r in third.runs if r.name == "keras/lr1"))
    finally:
        fs.pipe(f"{BUCKET}/sweep/keras/lr0.csv", (sweep / "keras/lr0.csv").read_bytes())


def test_checkpoints_are_never_downloaded(endpoint: str, sweep: Path) -> None:
    found = discover_inputs([f"{URL}/tb"], storage=StorageOptions(endpoint_url=endpoint))
    events = sum(p.stat().st_size for p in (sweep / "tb").rglob("*tfevents*"))
    assert found.mirrors.fetched_bytes == events  # the event files, nothing of model.ckpt
    assert [r.source for r in found.runs] == [f"{URL}/tb/seed0", f"{URL}/tb/seed1"]


def one_line_error(result: Any, *needles: str) -> str:
    assert result.exit_code == 2, result.output
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    hit = [ln for ln in lines if all(n in ln for n in needles)]
    assert hit, result.stderr
    assert "Traceback" not in result.stderr
    return hit[0]


def test_missing_bucket_is_one_line_and_other_runs_still_compared(endpoint: str, sweep: Path) -> None:
    result = cli(endpoint, "compare", "s3://no-such-bucket/runs", f"{URL}/keras", "--format", "json")
    one_line_error(result, "s3://no-such-bucket/runs", "no such bucket")
    assert sorted(r["name"] for r in json.loads(result.stdout)["runs"]) == ["lr0", "lr1"]


def test_missing_object_is_one_line(endpoint: str, sweep: Path) -> None:
    result = cli(endpoint, "report", f"{URL}/nothing-here")
    one_line_error(result, f"{URL}/nothing-here", "no such file")


def test_no_credentials(endpoint: str, sweep: Path, env: pytest.MonkeyPatch) -> None:
    isolated_aws_env(env, credentials=False)
    result = cli(endpoint, "compare", URL, str(sweep / "keras"))
    line = one_line_error(result, URL, "no credentials")
    assert "--anon" in line and "AWS_PROFILE" in line
    assert "lr0" in result.stdout  # the local runs are still compared


def test_access_denied_through_iam(endpoint: str, sweep: Path, env: pytest.MonkeyPatch) -> None:
    """moto enforces IAM once told to: a user allowed to list but not to read objects."""
    import boto3
    import moto.settings

    iam = boto3.client("iam", endpoint_url=endpoint)
    iam.create_user(UserName="lister")
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": "*"}]}
    iam.put_user_policy(UserName="lister", PolicyName="list-only", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName="lister")["AccessKey"]
    env.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
    env.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
    env.setattr(moto.settings, "INITIAL_NO_AUTH_ACTION_COUNT", 0)
    result = cli(endpoint, "compare", f"{URL}/keras", str(sweep / "hf"))
    line = one_line_error(result, f"{URL}/keras", "access denied")
    assert len(line) < 300
    assert "run0" in result.stdout  # the local runs are still compared


def test_missing_extra_names_the_install_line(monkeypatch: pytest.MonkeyPatch, endpoint: str) -> None:
    import fsspec

    registry = sys.modules["fsspec.registry"]._registry  # fsspec's memo of imported classes
    monkeypatch.setitem(sys.modules, "s3fs", None)  # as if losslog[s3] were not installed
    monkeypatch.delitem(registry, "s3", raising=False)
    assert fsspec
    result = cli(endpoint, "report", "s3://bucket/runs")
    one_line_error(result, "s3://bucket/runs", "s3:// needs s3fs: pip install 'losslog[s3]'")


def test_half_uploaded_event_file_reads_what_is_whole(endpoint: str, sweep: Path, tmp_path: Path) -> None:
    event = next((sweep / "tb/seed1").glob("*tfevents*"))
    data = event.read_bytes()
    cut = tmp_path / "cut" / "seed1"
    cut.mkdir(parents=True)
    (cut / event.name).write_bytes(data[: len(data) - 30])
    s3(endpoint).pipe(f"{BUCKET}/cut/seed1/{event.name}", (cut / event.name).read_bytes())
    remote = cli(endpoint, "report", f"s3://{BUCKET}/cut/seed1", "--format", "json")
    local = runner.invoke(app, ["report", str(cut), "--format", "json"])
    assert remote.exit_code == local.exit_code
    assert json.loads(remote.stdout) == json.loads(local.stdout.replace(str(cut), f"s3://{BUCKET}/cut/seed1"))
    whole = json.loads(runner.invoke(app, ["report", str(sweep / "tb/seed1"), "--format", "json"]).stdout)
    assert 0 < json.loads(remote.stdout)["runs"][0]["points"] < whole["runs"][0]["points"]  # the whole records


def test_local_paths_never_import_fsspec(tmp_path: Path) -> None:
    sample = Path(__file__).resolve().parent.parent / "sample_logs"
    code = (
        "import sys\nfrom losslog.cli.app import main\n"
        f"sys.argv = ['losslog', 'compare', {str(sample)!r}, '-o', {str(tmp_path / 'o')!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = ('fsspec', 's3fs', 'dask', 'distributed')\n"
        "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in heavy)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert (tmp_path / "o").exists()
    assert done.stdout.strip() == ""


def test_storage_options_reach_fsspec_as_its_own_keywords() -> None:
    from losslog.errors import UsageError
    from losslog.remote.storage import make_options, parse_storage_option

    opts = make_options(True, "http://127.0.0.1:9000", ["requester_pays=true", "client_kwargs.region_name=eu-west-1"])
    assert opts.for_protocol("s3") == {
        "anon": True,
        "endpoint_url": "http://127.0.0.1:9000",
        "requester_pays": True,
        "client_kwargs": {"region_name": "eu-west-1"},
    }
    assert opts.for_protocol("gs")["token"] == "anon"
    assert parse_storage_option("max_concurrency=8") == ("max_concurrency", 8)
    with pytest.raises(UsageError, match="KEY=VALUE"):
        parse_storage_option("novalue")


def test_watch_says_it_reads_local_paths_only() -> None:
    result = runner.invoke(app, ["watch", "--help"], env={"COLUMNS": "200"})
    assert "on this machine" in result.stdout


def test_the_library_reads_urls_too(endpoint: str, sweep: Path) -> None:
    import losslog

    runs = losslog.read(f"{URL}/keras")
    assert [(r.name, r.source) for r in runs] == [("lr0", f"{URL}/keras/lr0.csv"), ("lr1", f"{URL}/keras/lr1.csv")]
