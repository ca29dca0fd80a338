"""The built-in resource types the simulated cluster's own controllers touch most."""

from __future__ import annotations

from accelfleet.api.names import GROUP, VERSION
from accelfleet.sim.store import ResourceType

NAMESPACES = ResourceType("", "v1", "namespaces", "Namespace", namespaced=False)
NODES = ResourceType("", "v1", "nodes", "Node", namespaced=False)
PODS = ResourceType("", "v1", "pods", "Pod", namespaced=True)
EVENTS = ResourceType("", "v1", "events", "Event", namespaced=True)
LEASES = ResourceType("coordination.k8s.io", "v1", "leases", "Lease", namespaced=True)
ACCELCARDS = ResourceType(GROUP, VERSION, "accelcards", "AccelCard", namespaced=False)
SCALEX_PLATFORMS = ResourceType(GROUP, VERSION, "scalexplatforms", "ScaleXPlatform", namespaced=False)
AIJOBS = ResourceType(GROUP, VERSION, "aijobs", "AIJob", namespaced=True)
