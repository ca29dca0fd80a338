"""The kubelet PodResources API: which pod's containers hold which devices on this node."""
