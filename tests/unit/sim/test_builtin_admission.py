import base64
import ipaddress

from accelfleet.sim.builtin_admission import admit_builtin
from accelfleet.sim.store import ResourceType

SECRETS = ResourceType("", "v1", "secrets", "Secret", True)
SERVICES = ResourceType("", "v1", "services", "Service", True)
PODS = ResourceType("", "v1", "pods", "Pod", True)
DEPLOYMENTS = ResourceType("apps", "v1", "deployments", "Deployment", True)


def meta(name: str) -> dict[str, object]:
    return {
        "name": name,
        "namespace": "default",
        "creationTimestamp": "2025-01-01T00:00:00Z",
        "generation": 1,
    }


def test_secret_string_data_is_folded_into_base64_data() -> None:
    secret = admit_builtin(
        SECRETS, None, {"kind": "Secret", "metadata": meta("s"), "stringData": {"password": "hunter2"}}
    )
    assert "stringData" not in secret
    assert base64.b64decode(secret["data"]["password"]) == b"hunter2"
    assert secret["type"] == "Opaque"


def test_service_gets_a_stable_cluster_ip_and_port_defaults() -> None:
    spec = {"ports": [{"port": 80}]}
    first = admit_builtin(SERVICES, None, {"kind": "Service", "metadata": meta("web"), "spec": dict(spec)})
    again = admit_builtin(SERVICES, None, {"kind": "Service", "metadata": meta("web"), "spec": dict(spec)})
    assert first["spec"]["clusterIP"] == again["spec"]["clusterIP"]
    assert ipaddress.ip_address(first["spec"]["clusterIP"]) in ipaddress.ip_network("10.96.0.0/12")
    assert first["spec"]["ports"][0] == {"port": 80, "protocol": "TCP", "targetPort": 80}
    headless = admit_builtin(
        SERVICES, None, {"kind": "Service", "metadata": meta("h"), "spec": {"clusterIP": "None"}}
    )
    assert headless["spec"]["clusterIP"] == "None"


def test_pod_requests_default_to_limits_and_gated_pods_say_so() -> None:
    pod = {
        "kind": "Pod",
        "metadata": meta("p"),
        "spec": {
            "schedulingGates": [{"name": "accelfleet.io/gang"}],
            "containers": [
                {"name": "c", "image": "trainer:v1", "resources": {"limits": {"huawei.com/Ascend910": "4"}}}
            ],
        },
    }
    admitted = admit_builtin(PODS, None, pod)
    container = admitted["spec"]["containers"][0]
    assert container["resources"]["requests"] == {"huawei.com/Ascend910": "4"}
    assert container["imagePullPolicy"] == "IfNotPresent"
    assert admitted["status"]["phase"] == "Pending"
    assert admitted["status"]["conditions"][0]["reason"] == "SchedulingGated"


def test_workloads_report_a_finished_rollout() -> None:
    deployment = {
        "kind": "Deployment",
        "metadata": meta("d"),
        "spec": {"replicas": 3, "template": {"spec": {"containers": []}}},
    }
    status = admit_builtin(DEPLOYMENTS, None, deployment)["status"]
    assert status["readyReplicas"] == status["availableReplicas"] == 3
    assert status["observedGeneration"] == 1
