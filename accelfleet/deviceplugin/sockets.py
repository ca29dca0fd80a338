"""Unix-socket paths and identities in the kubelet's device-plugin directory.

inotify is not in the standard library, so changes are found by polling: a file's identity is its
inode together with its change time, which differs whenever the file is recreated, even if the
filesystem hands out the same inode number again.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

KUBELET_SOCKET = "kubelet.sock"
DEFAULT_KUBELET_DIR = "/var/lib/kubelet/device-plugins"
# The kubelet's PodResources API: which pod's containers hold which device IDs.
DEFAULT_POD_RESOURCES_SOCKET = "/var/lib/kubelet/pod-resources/kubelet.sock"
# How often it is read besides right after each Allocate (see pod_annotations).
DEFAULT_POD_RESOURCES_INTERVAL_S = 5.0
MAX_SOCKET_PATH = 107  # sun_path holds 108 bytes including the terminating NUL


@dataclass(frozen=True)
class FileIdentity:
    inode: int
    ctime_ns: int


def file_identity(path: str) -> FileIdentity | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return FileIdentity(st.st_ino, st.st_ctime_ns)


def plugin_socket_name(resource_name: str) -> str:
    """One socket per resource, e.g. ``accelfleet-huawei.com_Ascend910.sock``; a bare name, as Register expects."""
    return "accelfleet-" + resource_name.replace("/", "_") + ".sock"


def socket_path_problem(path: str) -> str | None:
    if len(os.fsencode(path)) > MAX_SOCKET_PATH:
        return f"socket path {path} is longer than {MAX_SOCKET_PATH} bytes; use a shorter --kubelet-dir"
    return None
