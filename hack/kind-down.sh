#!/usr/bin/env bash
# Deletes the kind cluster made by hack/kind-up.sh, and with it everything installed into it.
set -euo pipefail
CLUSTER="${KIND_CLUSTER_NAME:-accelfleet}"
command -v kind >/dev/null || { echo "kind-down: 'kind' is not on PATH" >&2; exit 1; }
kind delete cluster --name "$CLUSTER"
