"""Names shared by every component: the API group, labels, annotations and gates of DESIGN.md.

They live in one module so that the operator, the device plugin, the simulated cluster and the
examples can never disagree on a spelling.
"""

from typing import Final

GROUP: Final = "accelfleet.io"
VERSION: Final = "v1alpha1"
API_VERSION: Final = "accelfleet.io/v1alpha1"  # GROUP/VERSION, spelled out so type checkers see a literal
CATEGORY: Final = "accelfleet"

# Node labels (DESIGN.md section 3).
LABEL_PLATFORM: Final = f"{GROUP}/platform"
LABEL_SUPERNODE: Final = f"{GROUP}/supernode"
LABEL_CARD: Final = f"{GROUP}/card"
LABEL_CARD_COUNT: Final = f"{GROUP}/card-count"
LABEL_HOSTNAME: Final = "kubernetes.io/hostname"

# Node annotation used for fault injection (DESIGN.md section 5).
ANNOTATION_UNHEALTHY_CARDS: Final = f"{GROUP}/unhealthy-cards"

# Pod labels, gate and annotations (DESIGN.md sections 4 and 6).
LABEL_JOB: Final = f"{GROUP}/job"
LABEL_REPLICA: Final = f"{GROUP}/replica"
SCHEDULING_GATE: Final = f"{GROUP}/gang"
ANNOTATION_SIM_DURATION: Final = f"{GROUP}/sim-duration"
ANNOTATION_SIM_EXIT_CODE: Final = f"{GROUP}/sim-exit-code"

# Catalog entries carry the public source their figures were read from.
ANNOTATION_SOURCE: Final = f"{GROUP}/source"

# Pod environment the operator sets (DESIGN.md section 4).
ENV_JOB: Final = "ACCELFLEET_JOB"
ENV_RANK: Final = "ACCELFLEET_RANK"
ENV_WORLD_SIZE: Final = "ACCELFLEET_WORLD_SIZE"
ENV_CARD_MODEL: Final = "ACCELFLEET_CARD_MODEL"
ENV_CARD_IDS: Final = "ACCELFLEET_CARD_IDS"
ENV_MASTER_ADDR: Final = "MASTER_ADDR"
ENV_MASTER_PORT: Final = "MASTER_PORT"

# Written on a pod by whoever admitted it onto its node (the simulated kubelet, or the device plugin on a
# real kubelet): the indices of the cards the pod holds, comma-separated like ANNOTATION_UNHEALTHY_CARDS, so the
# operator can tell which gang sits on a card that turned unhealthy.
ANNOTATION_ALLOCATED_CARDS: Final = f"{GROUP}/allocated-cards"
# Written by the simulated kubelet: the environment the device plugin's Allocate returned (JSON object).
ANNOTATION_SIM_ALLOCATE_ENV: Final = f"{GROUP}/sim-allocate-env"
