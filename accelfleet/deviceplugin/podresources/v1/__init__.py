"""Python code generated from the kubelet PodResources API v1 (``api.proto``); see hack/gen-proto.sh."""
