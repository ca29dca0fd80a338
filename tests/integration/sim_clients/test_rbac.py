"""Real kubectl as a ServiceAccount: ``kubectl create token``, RBAC denials worded like a real server's,
Roles that take effect at once, and ``kubectl auth can-i`` / ``whoami`` answering for the token."""

from __future__ import annotations

import pytest

from tests.integration.sim_clients.conftest import Client

pytestmark = pytest.mark.slow

NS = "rbac-probe"
USER = f"system:serviceaccount:{NS}:robot"


@pytest.fixture(scope="module")
def token(kubectl: Client) -> str:
    kubectl.run("create", "namespace", NS)
    kubectl.run("create", "serviceaccount", "robot", "-n", NS)
    issued = kubectl.out("create", "token", "robot", "-n", NS, "--duration=20m").strip()
    assert issued
    return issued


def test_a_fresh_service_account_may_do_nothing_but_discover(kubectl: Client, token: str) -> None:
    denied = kubectl.run("get", "pods", "-n", NS, f"--token={token}", check=False)
    assert denied.returncode != 0
    assert (
        f'Error from server (Forbidden): pods is forbidden: User "{USER}" cannot list resource "pods" '
        f'in API group "" in the namespace "{NS}"'
    ) in denied.stderr
    can_i = kubectl.run("auth", "can-i", "list", "pods", "-n", NS, f"--token={token}", check=False)
    assert (can_i.returncode, can_i.stdout.strip()) == (1, "no")
    assert kubectl.out("auth", "can-i", "get", "/version", f"--token={token}").strip() == "yes"
    whoami = kubectl.out("auth", "whoami", f"--token={token}", "-o", "jsonpath={.status.userInfo.username}")
    assert whoami == USER
    assert kubectl.out("auth", "whoami", "-o", "jsonpath={.status.userInfo.username}") == "kubernetes-admin"


def test_a_role_binding_grants_exactly_its_rules_in_its_namespace(kubectl: Client, token: str) -> None:
    kubectl.run("create", "role", "pod-reader", "-n", NS, "--verb=get,list,watch", "--resource=pods")
    kubectl.run(
        "create", "rolebinding", "robot-reads", "-n", NS, "--role=pod-reader", f"--serviceaccount={NS}:robot"
    )
    listed = kubectl.run("get", "pods", "-n", NS, f"--token={token}", check=False)
    assert listed.returncode == 0, listed.stderr
    assert kubectl.out("auth", "can-i", "list", "pods", "-n", NS, f"--token={token}").strip() == "yes"
    for args in (["list", "pods", "-n", "default"], ["delete", "pods", "-n", NS], ["list", "pods", "-A"]):
        answer = kubectl.run("auth", "can-i", *args, f"--token={token}", check=False)
        assert answer.stdout.strip() == "no", args
    delete = kubectl.run("delete", "pod", "anything", "-n", NS, f"--token={token}", check=False)
    assert (
        f'pods "anything" is forbidden: User "{USER}" cannot delete resource "pods" in API group "" '
        f'in the namespace "{NS}"'
    ) in delete.stderr
    rules = kubectl.out("auth", "can-i", "--list", "-n", NS, f"--token={token}")
    assert any(line.split()[:1] == ["pods"] and "[get list watch]" in line for line in rules.splitlines())


def test_a_binding_to_a_missing_role_is_named_in_the_denial(kubectl: Client, token: str) -> None:
    kubectl.run(
        "create", "rolebinding", "dangling", "-n", NS, "--role=nowhere", f"--serviceaccount={NS}:robot"
    )
    denied = kubectl.run("get", "secrets", "-n", NS, f"--token={token}", check=False)
    assert denied.stderr.strip().endswith(': RBAC: role.rbac.authorization.k8s.io "nowhere" not found')
    kubectl.run("delete", "rolebinding", "dangling", "-n", NS)


def test_unknown_tokens_and_missing_service_accounts(kubectl: Client) -> None:
    unknown = kubectl.run("get", "pods", "--token=not-a-token", check=False)
    assert "You must be logged in to the server (Unauthorized)" in unknown.stderr
    missing = kubectl.run("create", "token", "ghost", "-n", "default", check=False)
    assert missing.returncode != 0
    assert 'serviceaccounts "ghost" not found' in missing.stderr
    resources = kubectl.out("api-resources", "--api-group=authorization.k8s.io", "-o", "name").split()
    assert "selfsubjectaccessreviews.authorization.k8s.io" in resources
