import os
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest
import yaml

from accelfleet.sim.launcher import sim_cli
from tests.support.sim import SimHandle, running_sim, start_sim, stop_sim


def get(handle: SimHandle, path: str, token: str | None) -> int:
    context = ssl.create_default_context(cafile=str(handle.ca_file))
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = urllib.request.Request(handle.server + path, headers=headers)
    try:
        with urllib.request.urlopen(request, context=context, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as err:
        return err.code


@pytest.mark.slow
def test_detached_sim_serves_with_its_token_only_and_down_stops_it(tmp_path: Path) -> None:
    handle = start_sim(tmp_path)
    try:
        assert handle.server.startswith("https://127.0.0.1:")
        assert get(handle, "/readyz", handle.token) == 200
        assert get(handle, "/api/v1/namespaces", None) == 401
        assert get(handle, "/api/v1/namespaces", "wrong-token") == 401
        assert oct(handle.kubeconfig.stat().st_mode & 0o777) == "0o600"
        again = sim_cli("up", "--port", "0", "--kubeconfig", str(handle.kubeconfig), "--detach")
        assert again.returncode != 0 and "already running" in again.stderr
        assert len(again.stderr.strip().splitlines()) == 1
    finally:
        done = sim_cli("down", "--kubeconfig", str(handle.kubeconfig))
        stop_sim(handle)
    assert done.returncode == 0, done.stderr
    assert not psutil.pid_exists(handle.pid) or psutil.Process(handle.pid).status() == psutil.STATUS_ZOMBIE
    assert not handle.kubeconfig.exists()


@pytest.mark.slow
def test_sigterm_shuts_a_foreground_sim_down_cleanly(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    process = subprocess.Popen(
        [sys.executable, "-m", "accelfleet", "sim", "up", "--port", "0", "--kubeconfig", str(kubeconfig)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not kubeconfig.exists() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.1)
        assert kubeconfig.exists(), "the sim never wrote its kubeconfig"
        assert yaml.safe_load(kubeconfig.read_text())["current-context"] == "accelfleet-sim"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
        assert not kubeconfig.exists()
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("up", "--port", "70000", "--detach"), "--port"),
        (("up", "--port", "0", "--preset", "no-such-preset", "--detach"), "no-such-preset"),
        (("down",), "no simulated cluster"),
    ],
)
def test_bad_input_is_one_line_without_traceback(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    done = sim_cli(*args, "--kubeconfig", str(tmp_path / "kubeconfig"))
    assert done.returncode != 0
    assert message in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_state_dir_keeps_objects_across_restarts(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with running_sim(state_dir=state) as first:
        from kubernetes import client

        with first.api_client() as api:
            created = client.CoreV1Api(api).create_namespaced_config_map(
                "default", {"metadata": {"name": "kept"}, "data": {"a": "1"}}
            )
    with running_sim(state_dir=state) as second, second.api_client() as api:
        v1 = client.CoreV1Api(api)
        kept = v1.read_namespaced_config_map("kept", "default")
        assert kept.metadata.uid == created.metadata.uid and kept.data == {"a": "1"}
        later = v1.create_namespaced_config_map("default", {"metadata": {"name": "later"}})
        assert int(later.metadata.resource_version) > int(created.metadata.resource_version)
