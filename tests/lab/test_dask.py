"""``trainlab lab run --cluster``: a real Dask scheduler and worker processes on 127.0.0.1, and the
one-line refusal when no scheduler answers."""
from __future__ import annotations

import json
import socket

import pytest

from trainlab.cli import main

distributed = pytest.importorskip("distributed", reason="the [cluster] extra (distributed) is not installed: "
                                                        "pip install -e '.[dev]' installs it")


def records(out):
    """Each record without its timings (the only part allowed to differ between executions)."""
    found = {}
    for path in sorted((out / "records").glob("*.json")):
        record = json.loads(path.read_text())
        record.pop("timing")
        found[path.name] = record
    return found


def test_a_local_scheduler_and_worker_processes_give_the_serial_records(serial_run, study_file, tmp_path, capsys):
    with distributed.LocalCluster(host="127.0.0.1", n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        code = main(["lab", "run", str(study_file), "--cluster", cluster.scheduler_address, "--no-progress",
                     "--out", str(tmp_path / "out")])
    assert code == 0, capsys.readouterr().err
    assert "executed 15 runs (15 ok)" in capsys.readouterr().out
    assert records(tmp_path / "out") == records(serial_run)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_scheduler_is_one_line_and_exit_2_before_any_run(study_file, tmp_path, capsys):
    address = f"tcp://127.0.0.1:{closed_port()}"
    code = main(["lab", "run", str(study_file), "--cluster", address, "--cluster-timeout", "1", "--no-progress",
                 "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1, err
    assert f"--cluster {address}: no Dask scheduler answered within 1 s" in err
    assert "--cluster-timeout SECONDS" in err and "dask scheduler" in err
    assert not (tmp_path / "out" / "records").exists()


def test_a_bad_cluster_timeout_is_refused(study_file, tmp_path, capsys):
    assert main(["lab", "run", str(study_file), "--cluster", "tcp://127.0.0.1:1", "--cluster-timeout", "0",
                 "--out", str(tmp_path / "out")]) == 2
    assert "--cluster-timeout must be a number of seconds > 0; got 0.0" in capsys.readouterr().err
