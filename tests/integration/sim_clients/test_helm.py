"""Real helm v4 (server-side apply by default) installs, upgrades, rolls back and uninstalls a chart."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
import yaml

from tests.integration.sim_clients.conftest import Client, eventually

pytestmark = pytest.mark.slow

CHART = Path(__file__).resolve().parent / "chart"
NS = "helm-probe"
RELEASE = "probe"
KINDS = "deployments,configmaps,secrets,serviceaccounts,roles"
INSTANCE = f"app.kubernetes.io/instance={RELEASE}"


def config_data(kubectl: Client) -> dict[str, str]:
    data: dict[str, str] = json.loads(kubectl.out("get", "cm", f"{RELEASE}-config", "-n", NS, "-o", "json"))[
        "data"
    ]
    return data


def secret_token(kubectl: Client) -> str:
    encoded = kubectl.out("get", "secret", f"{RELEASE}-secret", "-n", NS, "-o", "jsonpath={.data.token}")
    return base64.b64decode(encoded).decode()


def test_install_upgrade_rollback_uninstall_leaves_nothing_behind(helm: Client, kubectl: Client) -> None:
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}}
    kubectl.run("create", "-f", "-", stdin=yaml.safe_dump(namespace))

    helm.run("install", RELEASE, str(CHART), "-n", NS)
    names = set(kubectl.out("get", KINDS, "-n", NS, "-l", INSTANCE, "-o", "name").split())
    assert names == {
        f"deployment.apps/{RELEASE}-app",
        f"configmap/{RELEASE}-config",
        f"secret/{RELEASE}-secret",
        f"serviceaccount/{RELEASE}-sa",
        f"role.rbac.authorization.k8s.io/{RELEASE}-reader",
    }
    assert config_data(kubectl) == {"message": "hello", "extra": "present"}
    assert secret_token(kubectl) == "token-for-hello"

    helm.run("upgrade", RELEASE, str(CHART), "-n", NS, "--set", "message=bye", "--set", "extraKey=false")
    assert config_data(kubectl) == {"message": "bye"}
    assert secret_token(kubectl) == "token-for-bye"
    history = json.loads(helm.out("history", RELEASE, "-n", NS, "-o", "json"))
    assert [entry["revision"] for entry in history] == [1, 2]

    helm.run("rollback", RELEASE, "1", "-n", NS)
    assert config_data(kubectl) == {"message": "hello", "extra": "present"}
    assert secret_token(kubectl) == "token-for-hello"
    status = json.loads(helm.out("status", RELEASE, "-n", NS, "-o", "json"))
    assert status["version"] == 3
    assert status["info"]["status"] == "deployed"

    helm.run("uninstall", RELEASE, "-n", NS)

    def nothing_left() -> bool:
        left = kubectl.out("get", KINDS, "-n", NS, "-l", INSTANCE, "-o", "name").split()
        releases = kubectl.out(
            "get", "secrets", "-n", NS, "-l", f"owner=helm,name={RELEASE}", "-o", "name"
        ).split()
        return not left and not releases

    eventually(nothing_left, "helm uninstall to remove every object of the release")
    assert helm.out("list", "-n", NS, "-q").strip() == ""
