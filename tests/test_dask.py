"""The Dask engine: a real ``dask.distributed`` LocalCluster with two worker processes gives the
same JSON, byte for byte, as the local engine, for a local sweep and for one in S3 (moto on
127.0.0.1); the default path never imports Dask."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from losslog.cli import app
from tests.remote_helpers import free_port, isolated_aws_env, s3, start_moto, upload, write_sweep

pytest.importorskip("distributed", reason="the test extra installs dask[distributed]")

runner = CliRunner()


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_sweep(tmp_path_factory.mktemp("dask") / "sweep", n=3)


@pytest.fixture(scope="module")
def engine() -> Iterator[object]:
    """One LocalCluster (two worker processes) for the module: starting one costs seconds."""
    from losslog.engine.dask import DaskEngine

    eng = DaskEngine("local", local_workers=2, processes=True, chunk_size=2)
    eng.client()
    yield eng
    eng.close()


def _square(x: int) -> int:
    return x * x


def test_map_keeps_input_order_with_a_bound_in_flight(engine: object) -> None:
    from losslog.engine.dask import DaskEngine

    assert isinstance(engine, DaskEngine)
    assert engine.workers() == 2
    items = list(range(57))
    assert list(engine.map(_square, items)) == [x * x for x in items]
    assert list(engine.map(_square, [])) == []


@pytest.fixture
def use_engine(engine: object, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """``--scheduler`` gets the module's cluster instead of starting one per command."""
    import losslog.cli.loading as loading

    class Shared:
        def __init__(self, inner: object) -> None:
            self.inner = inner
            self.roots: dict[str, str] = {}

        def map(self, fn, items):  # type: ignore[no-untyped-def]
            self.inner.roots = self.roots  # type: ignore[attr-defined]
            return self.inner.map(fn, items)  # type: ignore[attr-defined]

        def close(self) -> None:  # the module fixture closes the cluster
            return None

    real = loading.scheduler_engine

    def shared() -> object | None:
        return Shared(engine) if real() is not None else None

    monkeypatch.setattr(loading, "scheduler_engine", shared)
    monkeypatch.setenv("LOSSLOG_CACHE_DIR", str(tmp_path / "cache"))


@pytest.mark.parametrize("command", ["compare", "report"])
def test_same_json_on_the_cluster(sweep: Path, use_engine: None, command: str) -> None:
    local = runner.invoke(app, [command, str(sweep), "--format", "json", "--no-cache"])
    dask = runner.invoke(app, [command, str(sweep), "--format", "json", "--no-cache", "--scheduler", "local"])
    assert local.exit_code == dask.exit_code == 0, dask.output
    assert dask.stdout == local.stdout
    assert len(json.loads(dask.stdout)["runs"]) == 12


def test_the_environment_names_the_scheduler(sweep: Path, use_engine: None, monkeypatch: pytest.MonkeyPatch) -> None:
    import losslog.engine.batch as batch

    used: list[str] = []
    real = batch._run

    def spy(tasks, cache, engine, jobs, on_done):  # type: ignore[no-untyped-def]
        used.append(type(engine).__name__)
        return real(tasks, cache, engine, jobs, on_done)

    monkeypatch.setattr(batch, "_run", spy)
    monkeypatch.setenv("LOSSLOG_SCHEDULER", "local")
    result = runner.invoke(app, ["compare", str(sweep / "keras"), "--no-cache"])
    assert result.exit_code == 0 and used == ["Shared"]


def test_remote_sweep_on_the_cluster(sweep: Path, use_engine: None, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("s3fs")
    isolated_aws_env(monkeypatch)
    for endpoint in start_moto():
        monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
        fs = s3(endpoint)
        fs.mkdir("dask-sweeps")
        upload(fs, sweep, "dask-sweeps/sweep")
        url = "s3://dask-sweeps/sweep"
        args = ["compare", url, "--format", "json", "--no-cache", "--endpoint-url", endpoint]
        local = runner.invoke(app, args)
        dask = runner.invoke(app, [*args, "--scheduler", "local"])
        assert local.exit_code == dask.exit_code == 0, dask.output
        assert dask.stdout == local.stdout and url in dask.stdout


def test_a_worker_mirrors_a_remote_run_it_lacks(sweep: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A worker on another machine has not the client's mirror: it fetches that run itself."""
    pytest.importorskip("s3fs")
    from losslog.analysis import AnalysisOptions
    from losslog.engine.dask import _localized
    from losslog.engine.tasks import RunTask, analyze_source
    from losslog.readers.discover import Source
    from losslog.remote.storage import StorageOptions

    isolated_aws_env(monkeypatch)
    for endpoint in start_moto():
        fs = s3(endpoint)
        fs.mkdir("worker")
        upload(fs, sweep / "keras", "worker/keras")
        client_root = tmp_path / "client-cache" / "keras"  # never created: the worker has no such folder
        monkeypatch.setenv("LOSSLOG_CACHE_DIR", str(tmp_path / "worker-cache"))
        task = RunTask(Source(client_root / "lr1.csv", "", "lr1"), AnalysisOptions())
        result = _localized(
            analyze_source, task, {str(client_root): "s3://worker/keras"}, StorageOptions(endpoint_url=endpoint)
        )
        assert [e.source for e in result.runs] == [str(client_root / "lr1.csv")]
        assert result.runs[0].points > 0 and not result.errors


def test_unreachable_scheduler_is_one_line(sweep: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from losslog.engine.dask import DaskEngine

    monkeypatch.setattr(
        "losslog.cli.loading.scheduler_engine",
        lambda: DaskEngine(f"tcp://127.0.0.1:{free_port()}", timeout="2s"),
    )
    result = runner.invoke(app, ["compare", str(sweep / "keras"), "--no-cache", "--scheduler", "x"])
    assert result.exit_code == 2
    assert "cannot reach the Dask scheduler" in result.stderr and "Traceback" not in result.stderr
