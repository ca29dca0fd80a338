"""The kind cluster of hack/kind/ is one platform of two super-nodes whose workers carry the labels the
device plugin and the operator read, for a card model the chart's catalog installs."""

from __future__ import annotations

from collections import Counter

import yaml

from accelfleet.api.names import LABEL_CARD, LABEL_CARD_COUNT, LABEL_PLATFORM, LABEL_SUPERNODE
from tests.support.chart import CHART_DIR, REPO_ROOT, load_documents

KIND_DIR = REPO_ROOT / "hack" / "kind"


def _workers() -> list[dict[str, str]]:
    cluster = yaml.safe_load((KIND_DIR / "cluster.yaml").read_text())
    return [node.get("labels", {}) for node in cluster["nodes"] if node["role"] == "worker"]


def test_workers_form_two_super_nodes_of_one_platform() -> None:
    workers = _workers()
    platform = yaml.safe_load((KIND_DIR / "platform.yaml").read_text())["metadata"]["name"]
    assert {labels[LABEL_PLATFORM] for labels in workers} == {platform}
    per_supernode = Counter(labels[LABEL_SUPERNODE] for labels in workers)
    assert len(per_supernode) == 2
    assert min(per_supernode.values()) >= 2


def test_workers_carry_a_catalog_card_and_a_count() -> None:
    catalog = {doc["metadata"]["name"] for doc in load_documents(CHART_DIR / "files" / "catalog.yaml")}
    for labels in _workers():
        assert labels[LABEL_CARD] in catalog
        assert int(labels[LABEL_CARD_COUNT]) > 0


def test_the_kind_gang_fits_one_worker() -> None:
    job = yaml.safe_load((KIND_DIR / "job.yaml").read_text())["spec"]
    assert job["topology"]["scope"] == "node"
    per_node = min(int(labels[LABEL_CARD_COUNT]) for labels in _workers())
    assert job["replicas"] * job["cardsPerReplica"] <= per_node
    assert set(job["cards"]["models"]) <= {labels[LABEL_CARD] for labels in _workers()}


def test_kind_scripts_are_executable_and_strict() -> None:
    for script in ("kind-up.sh", "kind-down.sh"):
        path = REPO_ROOT / "hack" / script
        assert path.stat().st_mode & 0o111
        assert "set -euo pipefail" in path.read_text()
