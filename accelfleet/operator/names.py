"""Names only the operator writes: its pod label, condition types, event reasons and defaults.

Names other components read live in ``accelfleet.api.names``; these are the operator's own story
told through ``kubectl describe`` and ``kubectl get pods -L``.
"""

from typing import Final

from accelfleet.api.names import GROUP

# Which gang attempt a pod belongs to (status.restarts when it was created), for humans and metrics.
LABEL_ATTEMPT: Final = f"{GROUP}/attempt"

COMPONENT: Final = "accelfleet-operator"
DEFAULT_MASTER_PORT: Final = 29500
DEFAULT_LEASE_NAME: Final = "accelfleet-operator"

# AIJob condition types (DESIGN.md section 2).
COND_VALID: Final = "Valid"
COND_SCHEDULED: Final = "Scheduled"
COND_RUNNING: Final = "Running"
COND_COMPLETE: Final = "Complete"
COND_FAILED: Final = "Failed"
# ScaleXPlatform and AccelCard condition.
COND_READY: Final = "Ready"

# Condition reasons and Event reasons.
REASON_VALID: Final = "Valid"
REASON_INVALID_SPEC: Final = "InvalidSpec"
REASON_INVALID_TEMPLATE: Final = "InvalidPodTemplate"
REASON_PLACED: Final = "Placed"
REASON_WAITING_FOR_PODS: Final = "WaitingForPods"
REASON_ALL_RUNNING: Final = "AllReplicasRunning"
REASON_SUCCEEDED: Final = "Succeeded"
REASON_FAILED: Final = "Failed"
REASON_BACKOFF_LIMIT: Final = "BackoffLimitExceeded"
REASON_GANG_RESTARTED: Final = "GangRestarted"
REASON_GANG_RELEASED: Final = "GangReleased"
REASON_GANG_TIMEOUT: Final = "GangTimeout"
REASON_INVALID: Final = "Invalid"
REASON_UNSCHEDULABLE: Final = "Unschedulable"
REASON_STARTED: Final = "Started"
REASON_POD_FAILED: Final = "PodFailed"
REASON_POD_DELETED: Final = "PodDeleted"
REASON_NODE_LOST: Final = "NodeLost"
REASON_CARD_FAULT: Final = "CardFault"
REASON_PREVIOUS_PODS: Final = "PreviousPodsTerminating"
REASON_NODES_READY: Final = "NodesReady"
REASON_NODES_NOT_READY: Final = "NodesNotReady"
REASON_NO_NODES: Final = "NoNodes"
