"""Strategic merge patch (``application/strategic-merge-patch+json``) for built-in kinds.

kubectl's default ``kubectl patch`` type and its client-side ``kubectl apply`` send this format.
It is a JSON merge patch in which lists with a merge key merge item by item (containers by name,
ports by containerPort, conditions by type, ...) instead of being replaced, plus the directives
kubectl emits: ``$patch: replace|delete|merge`` on maps and list items, ``$retainKeys``,
``$deleteFromPrimitiveList/<field>`` and ``$setElementOrder/<field>``. Which lists merge comes from
``merge_rules``; written here by hand because no maintained Python library implements it.

Public: ``strategic_merge(original, patch, rules) -> dict``; raises ``BadRequestError`` for a
malformed patch, as the real server does.
"""

from __future__ import annotations

import copy
from typing import Any

from accelfleet.sim.api_errors import BadRequestError
from accelfleet.sim.merge_rules import ListRule, ListRules, Path

_PATCH = "$patch"
_RETAIN_KEYS = "$retainKeys"
_SET_ORDER = "$setElementOrder/"
_DELETE_PRIMITIVES = "$deleteFromPrimitiveList/"


class _Deleted:
    """Marks a map removed by ``$patch: delete``."""


_DELETED = _Deleted()


def strategic_merge(original: dict[str, Any], patch: object, rules: ListRules) -> dict[str, Any]:
    if not isinstance(patch, dict):
        raise BadRequestError("json: cannot unmarshal a non-object into a strategic merge patch")
    merged = _merge_map(original, patch, (), rules)
    return {} if isinstance(merged, _Deleted) else merged


def _merge_map(
    original: dict[str, Any], patch: dict[str, Any], path: Path, rules: ListRules
) -> dict[str, Any] | _Deleted:
    directive = patch.get(_PATCH)
    if directive == "delete":
        return _DELETED
    if directive == "replace":
        return _merge_map({}, {k: v for k, v in patch.items() if k != _PATCH}, path, rules)
    if directive not in (None, "merge"):
        raise BadRequestError(f"unknown patch type: {directive} in map: {patch}")
    result = copy.deepcopy(original)
    for key, value in patch.items():
        if key.startswith("$"):
            continue
        if value is None:
            result.pop(key, None)
            continue
        merged = _merge_value(result.get(key), value, (*path, key), rules)
        if isinstance(merged, _Deleted):
            result.pop(key, None)
        else:
            result[key] = merged
    for key, value in patch.items():
        if key.startswith(_DELETE_PRIMITIVES):
            field = key[len(_DELETE_PRIMITIVES) :]
            if not isinstance(value, list):
                raise BadRequestError(f"invalid value for {key}: expected a list")
            if isinstance(result.get(field), list):
                result[field] = [item for item in result[field] if item not in value]
        elif key.startswith(_SET_ORDER):
            field = key[len(_SET_ORDER) :]
            if isinstance(result.get(field), list) and isinstance(value, list):
                rule = rules((*path, field))
                result[field] = _reorder(result[field], value, rule)
    retain = patch.get(_RETAIN_KEYS)
    if retain is not None:
        if not isinstance(retain, list):
            raise BadRequestError(f"invalid value for {_RETAIN_KEYS}: expected a list")
        result = {k: v for k, v in result.items() if k in retain}
    return result


def _merge_value(original: Any, patch: Any, path: Path, rules: ListRules) -> Any:
    if isinstance(patch, dict):
        return _merge_map(original if isinstance(original, dict) else {}, patch, path, rules)
    if isinstance(patch, list):
        rule = rules(path)
        current = original if isinstance(original, list) else []
        if rule.type == "map":
            return _merge_keyed_list(current, patch, path, rule, rules)
        if rule.type == "set":
            return _merge_set(current, patch)
        return [_strip_directives(item, path, rules) for item in patch]
    return patch


def _strip_directives(item: Any, path: Path, rules: ListRules) -> Any:
    if isinstance(item, dict):
        merged = _merge_map({}, item, path, rules)
        return {} if isinstance(merged, _Deleted) else merged
    return item


def _merge_set(current: list[Any], patch: list[Any]) -> list[Any]:
    if any(isinstance(item, dict) and item.get(_PATCH) == "replace" for item in patch):
        return [item for item in patch if not isinstance(item, dict)]
    result = list(current)
    result.extend(item for item in patch if item not in result)
    return result


def _merge_keyed_list(
    current: list[Any], patch: list[Any], path: Path, rule: ListRule, rules: ListRules
) -> list[Any]:
    merge_key = rule.keys[0]
    if any(isinstance(item, dict) and set(item) == {_PATCH} and item[_PATCH] == "replace" for item in patch):
        return [_strip_directives(item, path, rules) for item in patch if set(item) != {_PATCH}]
    result = copy.deepcopy(current)
    for item in patch:
        if not isinstance(item, dict):
            raise BadRequestError(f"expected a map in the list at {'.'.join(path)}, got {item!r}")
        if merge_key not in item:
            raise BadRequestError(f"map: {item} does not contain declared merge key: {merge_key}")
        index = next(
            (
                i
                for i, old in enumerate(result)
                if isinstance(old, dict) and old.get(merge_key) == item[merge_key]
            ),
            None,
        )
        if item.get(_PATCH) == "delete":
            if index is not None:
                del result[index]
            continue
        base = result[index] if index is not None else {}
        merged = _merge_map(base, item, path, rules)
        if isinstance(merged, _Deleted):
            if index is not None:
                del result[index]
        elif index is None:
            result.append(merged)
        else:
            result[index] = merged
    return result


def _reorder(items: list[Any], order: list[Any], rule: ListRule) -> list[Any]:
    """Put the listed items in the patch's order; items only the server knows keep their place after."""

    def identity(item: Any) -> Any:
        if rule.type == "map" and isinstance(item, dict):
            return item.get(rule.keys[0])
        return item

    wanted = [identity(entry) for entry in order]
    ranked = sorted(
        (item for item in items if identity(item) in wanted),
        key=lambda item: wanted.index(identity(item)),
    )
    return ranked + [item for item in items if identity(item) not in wanted]
