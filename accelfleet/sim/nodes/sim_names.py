"""Annotations only the simulated cluster reads or writes on Nodes.

They are not part of the project-wide names: a real cluster never carries them.
"""

from typing import Final

from accelfleet.api.names import GROUP

# "true" on a Node: the simulated kubelet behaves as a dead server until the annotation is cleared.
ANNOTATION_SIM_NODE_FAILED: Final = f"{GROUP}/sim-node-failed"
# Who made a simulated Node: "preset" (present for the sim's whole life) or "platform" (follows the
# ScaleXPlatform named by the platform label).
ANNOTATION_SIM_ORIGIN: Final = f"{GROUP}/sim-origin"
ORIGIN_PRESET: Final = "preset"
ORIGIN_PLATFORM: Final = "platform"

KUBELET_VERSION: Final = "v1.33.0-accelfleet-sim"
NODE_LEASE_NAMESPACE: Final = "kube-node-lease"
SCHEDULER_NAME: Final = "default-scheduler"
TAINT_UNREACHABLE: Final = "node.kubernetes.io/unreachable"
TAINT_UNSCHEDULABLE: Final = "node.kubernetes.io/unschedulable"
