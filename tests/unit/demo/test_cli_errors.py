"""demo, top and explain answer bad input with one line and a non-zero exit, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def _run(*args: str, kubeconfig: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"}
    if kubeconfig is not None:
        env["KUBECONFIG"] = kubeconfig
    return subprocess.run(
        [sys.executable, "-m", "accelfleet", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("demo", "--timeout", "0"), "accelfleet demo: error: --timeout must be positive, got 0"),
        (("demo", "--kubeconfig", "/dev/null/kubeconfig"), "/dev/null is not a directory"),
        (("top", "--interval", "-1"), "accelfleet top: error: --interval must be positive, got -1"),
        (("top", "--once", "--svg", "/no/such/dir/top.svg"), "/no/such/dir is not a directory"),
        (("explain", "Not_A_Name"), "accelfleet explain: error: invalid AIJob name 'Not_A_Name'"),
    ],
)
def test_bad_input_is_one_line(args: tuple[str, ...], message: str) -> None:
    done = _run(*args)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and message in done.stderr


def test_no_cluster_to_talk_to_is_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    done = _run("top", "--once", kubeconfig=str(missing))
    assert done.returncode == 1
    assert done.stderr == f"accelfleet top: error: kubeconfig {missing} does not exist\n"
    done = _run("explain", "job")
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "no cluster to talk to" in done.stderr


def test_a_cluster_that_does_not_answer_is_one_line(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'http://127.0.0.1:9'}}]\n"
        "users: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n"
        "current-context: x\n"
    )
    for command in (("top", "--once"), ("explain", "some-job")):
        done = _run(*command, kubeconfig=str(kubeconfig))
        assert done.returncode == 1, done.stderr
        assert done.stderr.count("\n") == 1 and "cannot reach the cluster" in done.stderr
