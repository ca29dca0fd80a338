"""The built-in catalog holds real, sourced card models and never invents a figure."""

from __future__ import annotations

import re

import pytest
import yaml

from accelfleet.api.accelcard import AccelCard
from accelfleet.api.catalog import ANNOTATION_NOTES, builtin_card, builtin_cards
from accelfleet.api.fleets import preset_platforms, simulated_cards
from accelfleet.api.names import ANNOTATION_SOURCE
from accelfleet.cli.catalog import catalog_yaml

# The kubelet's extended-resource rule (IsExtendedResourceName): DNS-subdomain prefix, qualified name.
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
QUALIFIED_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")


def test_catalog_covers_many_real_vendors() -> None:
    cards = builtin_cards()
    assert len(cards) >= 10
    assert len({card.spec.vendor for card in cards}) >= 6
    assert len({card.metadata.name for card in cards}) == len(cards)


@pytest.mark.parametrize("card", builtin_cards(), ids=lambda c: c.metadata.name)
def test_every_entry_is_sourced_and_valid(card: AccelCard) -> None:
    sources = card.metadata.annotations[ANNOTATION_SOURCE].split()
    assert sources and all(s.startswith(("http://", "https://")) for s in sources)
    prefix, _, name = card.spec.resource_name.partition("/")
    assert DNS_SUBDOMAIN.match(prefix) and QUALIFIED_NAME.match(name)
    assert "kubernetes.io" not in prefix
    assert all("{" not in node or "{index}" in node for node in card.spec.device_nodes)


def test_unknown_figures_stay_unknown() -> None:
    mlu590 = builtin_card("cambricon-mlu590")
    assert mlu590 is not None
    assert mlu590.spec.memory_gib is None
    assert mlu590.spec.peak_tflops.bf16 is None
    assert "unknown" in mlu590.metadata.annotations[ANNOTATION_NOTES]
    ascend = builtin_card("huawei-ascend-910b")
    assert ascend is not None
    assert ascend.spec.peak_tflops.fp16 == 320 and ascend.spec.peak_tflops.bf16 is None


def test_dense_not_sparse_nvidia_figures() -> None:
    h100 = builtin_card("nvidia-h100-sxm")
    assert h100 is not None
    assert h100.spec.peak_tflops.bf16 == 989


def test_yaml_output_round_trips_into_models() -> None:
    documents = list(yaml.safe_load_all(catalog_yaml(builtin_cards())))
    assert [AccelCard.model_validate(doc).metadata.name for doc in documents] == [
        card.metadata.name for card in builtin_cards()
    ]


def test_presets_use_catalog_cards_and_the_scnet_shape() -> None:
    names = {card.metadata.name for card in builtin_cards()}
    scnet = preset_platforms("scnet")
    assert simulated_cards(scnet) == 30_720
    assert [p.metadata.name for p in scnet] == ["zz1", "zz2", "zz3"]
    for platform in scnet:
        pools = platform.spec.simulate or []
        assert sum(pool.super_nodes for pool in pools) == 16
        assert all(pool.nodes_per_super_node * pool.cards_per_node == 640 for pool in pools)
        assert {pool.card for pool in pools} <= names
    vendors = {builtin_card(pool.card).spec.vendor for p in scnet for pool in p.spec.simulate or []}  # type: ignore[union-attr]
    assert len(vendors) >= 4


def test_small_preset_keeps_the_same_platforms() -> None:
    small = preset_platforms("small")
    assert [p.metadata.name for p in small] == ["zz1", "zz2", "zz3"]
    assert all(pool.cards_per_node == 8 for p in small for pool in p.spec.simulate or [])


def test_unknown_preset_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown preset 'huge'"):
        preset_platforms("huge")
