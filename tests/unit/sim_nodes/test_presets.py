from pathlib import Path

import pytest

from accelfleet.sim.nodes.cards import CardCatalog, CardModel
from accelfleet.sim.nodes.presets import PLUGIN_MODE, STATIC_MODE, load_fleet, resolve_mode, validate_preset


def test_scnet_is_30720_cards_in_static_mode() -> None:
    fleet = load_fleet("scnet")
    assert fleet.card_count == 30720
    assert fleet.node_count == 3840
    assert len(fleet.platforms) == 3
    assert fleet.default_mode == STATIC_MODE


def test_small_runs_plugins_on_a_few_nodes_of_8_cards() -> None:
    fleet = load_fleet("small")
    assert fleet.default_mode == PLUGIN_MODE
    assert len(fleet.platforms) == 3
    assert {pool.cards_per_node for p in fleet.platforms for pool in p.pools} == {8}
    assert fleet.node_count <= 16


def test_a_manifest_file_is_a_static_fleet(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text(
        "kind: ScaleXPlatform\nmetadata: {name: a}\n"
        "spec: {simulate: [{card: c, superNodes: 1, nodesPerSuperNode: 2, cardsPerNode: 4}]}\n---\n"
        "kind: ConfigMap\nmetadata: {name: ignored}\n"
    )
    fleet = load_fleet(str(path))
    assert fleet.node_count == 2
    assert resolve_mode(fleet, None) == STATIC_MODE
    assert resolve_mode(fleet, "plugin") == PLUGIN_MODE


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "unknown preset"),
        ("kind: ConfigMap\nmetadata: {name: x}\n", "holds no ScaleXPlatform"),
        ("kind: ScaleXPlatform\nmetadata: {name: a}\nspec: {}\n", "has no usable spec.simulate pool"),
        (": : :\n", "cannot read preset file"),
    ],
)
def test_bad_presets_fail_in_one_line(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "p.yaml"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ValueError, match=message) as caught:
        validate_preset(str(path))
    assert "\n" not in str(caught.value)


def test_unknown_node_modes_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown node mode"):
        resolve_mode(None, "hybrid")


def test_applied_accelcards_shadow_the_builtin_catalog() -> None:
    catalog = CardCatalog({"a": CardModel("a", "x.io/a")})
    changed = catalog.apply(
        {"metadata": {"name": "a"}, "spec": {"resourceName": "y.io/a", "visibleDevicesEnv": "E"}}
    )
    assert changed
    assert catalog.get("a") == CardModel("a", "y.io/a", "E", None)
    assert catalog.remove("a")
    assert catalog.get("a") == CardModel("a", "x.io/a")
