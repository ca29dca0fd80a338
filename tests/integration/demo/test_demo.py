"""``accelfleet demo`` run as a user runs it, then ``top`` and ``explain`` against the cluster it kept."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from accelfleet.api.names import GROUP, VERSION
from accelfleet.sim.daemon import is_sim_process

pytestmark = pytest.mark.slow

DEMO_TIMEOUT_S = 600
JOBS = (
    "bf16-heavy",
    "bw1000-one-supernode",
    "ascend-cross-supernode",
    "ascend-single-node",
    "cuda-any-64g",
    "neuware-inference",
    "typo-model",
)


@dataclass(frozen=True)
class KeptDemo:
    result: subprocess.CompletedProcess[str]
    kubeconfig: Path
    operator_pid: int | None

    def env(self) -> dict[str, str]:
        return {**os.environ, "KUBECONFIG": str(self.kubeconfig)}


def _accelfleet(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "accelfleet", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )


def _sim_pid(kubeconfig: Path) -> int:
    data = yaml.safe_load(kubeconfig.read_text())
    extensions = data["clusters"][0]["cluster"]["extensions"]
    return int(next(e["extension"]["pid"] for e in extensions if e["name"] == "accelfleet.io/sim"))


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # A zombie left for its parent to reap has stopped too.
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(") ", 1)[1].startswith("Z")


def _wait(what: str, probe: object, timeout: float = 60.0) -> None:
    assert callable(probe)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if probe():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def kept(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KeptDemo]:
    kubeconfig = tmp_path_factory.mktemp("demo") / "kubeconfig"
    result = _accelfleet("demo", "--keep", "--kubeconfig", str(kubeconfig), timeout=DEMO_TIMEOUT_S)
    found = re.search(r"Stop them: kill (\d+);", result.stdout)
    demo = KeptDemo(result, kubeconfig, int(found.group(1)) if found else None)
    try:
        yield demo
    finally:
        if demo.operator_pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(demo.operator_pid, signal.SIGTERM)
        _accelfleet("sim", "down", "--kubeconfig", str(kubeconfig))


def test_demo_ends_with_every_expected_outcome_and_a_summary(kept: KeptDemo) -> None:
    out = kept.result.stdout
    assert kept.result.returncode == 0, out[-4000:] + kept.result.stderr[-2000:]
    assert re.search(r"All \d+ expected outcomes happened\.", out)
    summary = out[out.index("Summary: small preset, 96 cards") :]
    for job in JOBS:
        assert job in summary
    assert "refused with Valid=False (UnknownCardModel)" in summary
    assert "waited for cards (InsufficientCards)" in summary
    for platform in ("zz1", "zz2", "zz3"):
        assert re.search(rf"{platform}\s+│\s+32\s+│", summary)
    assert f"KUBECONFIG={kept.kubeconfig} kubectl get aij,ac,sxp" in out
    assert kept.operator_pid is not None and not _gone(kept.operator_pid)


def test_kubectl_sees_the_jobs_the_demo_left(kept: KeptDemo) -> None:
    done = subprocess.run(
        ["kubectl", "get", "aij", "-o", "name"],
        capture_output=True,
        text=True,
        env=kept.env(),
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert {line.split("/", 1)[1] for line in done.stdout.split()} == set(JOBS)


def test_top_once_and_svg_show_the_fleet(kept: KeptDemo, tmp_path: Path) -> None:
    once = _accelfleet("top", "--once", env=kept.env())
    assert once.returncode == 0, once.stderr
    assert "3 platforms, 12 nodes, 96 cards" in once.stdout
    for expected in (
        "zz1",
        "sn01",
        "hygon-bw1000",
        "huawei-ascend-910b",
        "metax-c500",
        "cambricon-mlu370-x8",
        "typo-model",
    ):
        assert expected in once.stdout
    picture = tmp_path / "top.svg"
    svg = _accelfleet("top", "--once", "--svg", str(picture), env=kept.env())
    assert svg.returncode == 0, svg.stderr
    text = picture.read_text()
    assert text.startswith("<svg") and "zz1" in text


def test_explain_a_finished_job_and_the_invalid_one(kept: KeptDemo) -> None:
    finished = _accelfleet("explain", "bw1000-one-supernode", "-n", "default", env=kept.env())
    assert finished.returncode == 0, finished.stderr
    assert "Succeeded: finished on zz1, 1 super-node, 2 nodes" in finished.stdout
    assert "scope supernode (required): kept inside one super-node" in finished.stdout
    invalid = _accelfleet("explain", "typo-model", env=kept.env())
    assert invalid.returncode == 0, invalid.stderr
    assert "UnknownCardModel: unknown card model 'huawei-ascend-901b'" in invalid.stdout
    missing = _accelfleet("explain", "no-such-job", env=kept.env())
    assert (
        missing.returncode == 1
        and missing.stderr.strip() == "accelfleet explain: error: AIJob default/no-such-job not found"
    )


def test_explain_names_the_level_and_the_job_that_block_a_waiting_gang(kept: KeptDemo) -> None:
    from kubernetes import client, config

    api = config.new_client_from_config(config_file=str(kept.kubeconfig))
    custom = client.CustomObjectsApi(api)

    def job(name: str, replicas: int, scope: str, seconds: int | None) -> dict[str, object]:
        template: dict[str, object] = {"spec": {"containers": [{"name": "main", "image": "x"}]}}
        if seconds is not None:
            template["metadata"] = {"annotations": {f"{GROUP}/sim-duration": str(seconds)}}
        return {
            "apiVersion": f"{GROUP}/{VERSION}",
            "kind": "AIJob",
            "metadata": {"name": name},
            "spec": {
                "replicas": replicas,
                "cardsPerReplica": 8,
                "cards": {"models": ["hygon-bw1000"]},
                "topology": {"scope": scope, "mode": "required"},
                "template": template,
            },
        }

    def phase(name: str) -> str:
        got = custom.get_namespaced_custom_object(GROUP, VERSION, "default", "aijobs", name)
        return str((got.get("status") or {}).get("phase") or "")

    try:
        custom.create_namespaced_custom_object(
            GROUP, VERSION, "default", "aijobs", job("hold-zz1", 4, "platform", 600)
        )
        _wait("hold-zz1 to run", lambda: phase("hold-zz1") == "Running")
        custom.create_namespaced_custom_object(
            GROUP, VERSION, "default", "aijobs", job("blocked", 2, "supernode", None)
        )
        _wait(
            "blocked to be told why it waits",
            lambda: (
                "InsufficientCards"
                in str(
                    custom.get_namespaced_custom_object(GROUP, VERSION, "default", "aijobs", "blocked").get(
                        "status"
                    )
                )
            ),
        )
        told = _accelfleet("explain", "blocked", env=kept.env())
    finally:
        api.close()
    assert told.returncode == 0, told.stderr
    assert "InsufficientCards: needs 16 hygon-bw1000 cards (2 x 8)" in told.stdout
    assert "super-node zz1-sn01: 0 of 16 free -> 0 replicas" in told.stdout
    assert "held by default/hold-zz1 (8)" in told.stdout


def test_sigterm_stops_every_process_the_demo_started(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    demo = subprocess.Popen(
        [sys.executable, "-m", "accelfleet", "demo", "--kubeconfig", str(kubeconfig)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    operator_pid = None
    try:
        assert demo.stdout is not None
        for line in demo.stdout:
            found = re.search(r"started the operator \(pid (\d+)\)", line)
            if found:
                operator_pid = int(found.group(1))
                break
        assert operator_pid is not None, demo.stderr.read() if demo.stderr else ""
        sim_pid = _sim_pid(kubeconfig)
        demo.send_signal(signal.SIGTERM)
        assert demo.wait(timeout=180) == 130
        assert _gone(operator_pid)
        assert not is_sim_process(sim_pid)
        assert not kubeconfig.exists()
    finally:
        if demo.poll() is None:
            demo.kill()
        _accelfleet("sim", "down", "--kubeconfig", str(kubeconfig))
