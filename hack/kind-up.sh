#!/usr/bin/env bash
# Creates a kind cluster shaped like one scaleX platform (hack/kind/cluster.yaml), builds the
# accelfleet image and loads it into the nodes, installs the chart, then applies the platform and
# a gang that fits it. Re-running it reuses the cluster and upgrades the release.
#
# Environment: KIND_CLUSTER_NAME (default accelfleet), IMAGE (default accelfleet:dev),
# BASE_IMAGE (the image's base, default python:3.11-slim), KIND_SKIP_BUILD=1 to load an IMAGE
# built beforehand.
set -euo pipefail
cd "$(dirname "$0")/.."

CLUSTER="${KIND_CLUSTER_NAME:-accelfleet}"
IMAGE="${IMAGE:-accelfleet:dev}"
BASE_IMAGE="${BASE_IMAGE:-python:3.11-slim}"
NAMESPACE=accelfleet-system
CONTEXT="kind-${CLUSTER}"

for tool in docker kind kubectl helm; do
  command -v "$tool" >/dev/null || { echo "kind-up: '$tool' is not on PATH" >&2; exit 1; }
done
docker info >/dev/null 2>&1 || { echo "kind-up: no Docker engine answers ('docker info' failed)" >&2; exit 1; }

if ! kind get clusters 2>/dev/null | grep -qx "$CLUSTER"; then
  kind create cluster --name "$CLUSTER" --config hack/kind/cluster.yaml --wait 180s
fi

if [[ "${KIND_SKIP_BUILD:-0}" != 1 ]]; then
  docker build --build-arg "BASE_IMAGE=${BASE_IMAGE}" -t "$IMAGE" .
fi
kind load docker-image "$IMAGE" --name "$CLUSTER"

# The device plugin mounts the kubelet's socket directory, which only a privileged namespace admits.
kubectl --context "$CONTEXT" create namespace "$NAMESPACE" --dry-run=client -o yaml \
  | kubectl --context "$CONTEXT" apply -f -
kubectl --context "$CONTEXT" label namespace "$NAMESPACE" --overwrite \
  pod-security.kubernetes.io/enforce=privileged

# Helm installs crds/ only on first install; apply them so a re-run also upgrades them.
kubectl --context "$CONTEXT" apply --server-side -f charts/accelfleet/crds/
helm upgrade --install accelfleet charts/accelfleet --kube-context "$CONTEXT" --namespace "$NAMESPACE" \
  --set "image.repository=${IMAGE%:*}" --set "image.tag=${IMAGE##*:}" --set image.pullPolicy=Never \
  --wait --timeout 5m

kubectl --context "$CONTEXT" apply -f hack/kind/platform.yaml
sed "s|image: accelfleet:dev|image: ${IMAGE}|" hack/kind/job.yaml | kubectl --context "$CONTEXT" apply -f -

echo
echo "kind cluster '$CLUSTER' is ready. Watch the gang land:"
echo "  kubectl --context $CONTEXT get aij -w"
