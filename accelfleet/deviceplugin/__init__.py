"""A device plugin that advertises simulated accelerator cards to a kubelet over the device-plugin API v1beta1."""
