"""Which fleet a sim starts with: a named preset, or a file of ScaleXPlatform manifests.

A preset only decides the nodes (and whether each runs a real device-plugin process or reports
capacity from its labels); it never installs CRDs or creates ScaleXPlatform objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from accelfleet.sim.nodes.node_factory import Pool, pools_from_platform

PLUGIN_MODE = "plugin"
STATIC_MODE = "static"
NODE_MODES = (PLUGIN_MODE, STATIC_MODE)
BUILTIN_PRESETS = {"small": PLUGIN_MODE, "scnet": STATIC_MODE}


@dataclass(frozen=True)
class PresetPlatform:
    name: str
    pools: tuple[Pool, ...]


@dataclass(frozen=True)
class Fleet:
    platforms: tuple[PresetPlatform, ...]
    default_mode: str

    @property
    def node_count(self) -> int:
        return sum(p.super_nodes * p.nodes_per_super_node for pl in self.platforms for p in pl.pools)

    @property
    def card_count(self) -> int:
        return sum(
            p.super_nodes * p.nodes_per_super_node * p.cards_per_node
            for pl in self.platforms
            for p in pl.pools
        )


def load_fleet(preset: str) -> Fleet:
    """Resolve ``small``, ``scnet`` or a manifest file path; raises ValueError with one line."""
    if preset in BUILTIN_PRESETS:
        try:
            from accelfleet.api.fleets import preset_platforms
        except ImportError as err:
            raise ValueError(f"preset {preset!r} is unavailable: {err}") from err
        objects = [p.model_dump(by_alias=True, exclude_none=True) for p in preset_platforms(preset)]
        return Fleet(_platforms(objects, preset), BUILTIN_PRESETS[preset])
    path = Path(preset)
    if not path.is_file():
        names = ", ".join(sorted(BUILTIN_PRESETS))
        raise ValueError(f"unknown preset {preset!r}: expected {names} or a YAML file of ScaleXPlatforms")
    try:
        documents = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise ValueError(f"cannot read preset file {preset}: {reason}") from err
    platforms = [d for d in _flatten(documents) if d.get("kind") == "ScaleXPlatform"]
    if not platforms:
        raise ValueError(f"preset file {preset} holds no ScaleXPlatform manifest")
    return Fleet(_platforms(platforms, preset), STATIC_MODE)


def validate_preset(preset: str) -> None:
    """Fail fast, before a sim daemonizes, on a preset it could not start with."""
    load_fleet(preset)


def resolve_mode(fleet: Fleet | None, node_mode: str | None) -> str:
    if node_mode is not None:
        if node_mode not in NODE_MODES:
            raise ValueError(f"unknown node mode {node_mode!r}: expected {' or '.join(NODE_MODES)}")
        return node_mode
    return fleet.default_mode if fleet is not None else PLUGIN_MODE


def _flatten(documents: list[Any]) -> list[dict[str, Any]]:
    """Documents, with the items of any ``kind: List`` spliced in (as kubectl accepts them)."""
    flat: list[dict[str, Any]] = []
    for doc in documents:
        if not isinstance(doc, dict):
            continue
        if doc.get("kind") == "List" or (doc.get("kind") or "").endswith("List"):
            flat.extend(item for item in doc.get("items") or [] if isinstance(item, dict))
        else:
            flat.append(doc)
    return flat


def _platforms(objects: list[dict[str, Any]], source: str) -> tuple[PresetPlatform, ...]:
    result: list[PresetPlatform] = []
    seen: set[str] = set()
    for obj in objects:
        name = (obj.get("metadata") or {}).get("name")
        if not isinstance(name, str) or not name:
            raise ValueError(f"preset {source}: a ScaleXPlatform has no metadata.name")
        if name in seen:
            raise ValueError(f"preset {source}: ScaleXPlatform {name!r} appears twice")
        seen.add(name)
        pools = pools_from_platform(obj)
        if not pools:
            raise ValueError(f"preset {source}: ScaleXPlatform {name!r} has no usable spec.simulate pool")
        result.append(PresetPlatform(name, tuple(pools)))
    return tuple(result)
