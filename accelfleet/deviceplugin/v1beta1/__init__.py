"""Python code generated from the kubelet device-plugin API v1beta1 (``api.proto``); see hack/gen-proto.sh."""
