#!/usr/bin/env bash
# Regenerates the Python code of the kubelet APIs the device plugin speaks: the device-plugin API
# (accelfleet/deviceplugin/v1beta1/api.proto) and the PodResources API
# (accelfleet/deviceplugin/podresources/v1/api.proto).
#
# The generated files are committed (the package installs without grpcio-tools); run this after editing the
# .proto, and tests/unit/deviceplugin/test_generated_code.py checks the committed files still match.
# Both files are called api.proto but live at different paths, and their packages (v1beta1, v1) differ,
# so their messages (both have TopologyInfo and NUMANode) do not clash in protobuf's descriptor pool.
# Type stubs (.pyi) come from mypy-protobuf (a dev dependency), so code using the messages and the
# servicer/stub classes type-checks under `mypy --strict`.
# Paths are given relative to the repository root so the generated imports are absolute
# (`from accelfleet.deviceplugin.v1beta1 import api_pb2`).
set -euo pipefail

cd "$(dirname "$0")/.."
out="${1:-.}"
python -m grpc_tools.protoc \
  --proto_path=. \
  --python_out="$out" \
  --grpc_python_out="$out" \
  --mypy_out="$out" \
  --mypy_grpc_out="$out" \
  accelfleet/deviceplugin/v1beta1/api.proto \
  accelfleet/deviceplugin/podresources/v1/api.proto
