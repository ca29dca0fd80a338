"""Server-side apply (``application/apply-patch+yaml``) and ``metadata.managedFields`` bookkeeping.

``kubectl apply --server-side`` and helm v4 (which installs and upgrades this way by default) send
the full configuration they want and let the server merge it. What makes this different from a
merge patch is ownership: each field manager owns the fields it applied (recorded in
``managedFields`` as FieldsV1 sets), a field it stops applying is removed unless someone else owns
it, and applying a value over another manager's different value is a conflict (409 naming the
manager and field) unless forced, in which case ownership moves. Plain writes (create, update,
patch) are recorded as ``Update`` entries so that later applies see who changed what.

This is a compact re-implementation of the structured-merge-diff rules the real server uses, with
list semantics from ``merge_rules`` (or a CRD schema), not a port.

Public: ``server_side_apply(current, applied, manager, force, now, rules=None, subresource=None)``,
``record_update(previous, updated, manager, now, rules=None, subresource=None)``,
``fields_v1(obj, rules)`` (the FieldsV1 set an object would own).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

from accelfleet.sim.api_errors import ApplyConflictError, BadRequestError
from accelfleet.sim.merge_rules import GRANULAR_MAP_FIELDS, ListRule, ListRules, Path, builtin_list_rules

# A field path as FieldsV1 spells its steps: "f:name", 'k:{"name":"c"}', 'v:"value"'.
FieldPath = tuple[str, ...]

# Fields the server itself controls; no manager ever owns them.
_IGNORED: frozenset[FieldPath] = frozenset(
    {("f:apiVersion",), ("f:kind",)}
    | {
        ("f:metadata", f"f:{name}")
        for name in (
            "name",
            "namespace",
            "uid",
            "resourceVersion",
            "generation",
            "creationTimestamp",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "managedFields",
            "selfLink",
        )
    }
)


class _Node:
    """The value recorded for a member that has children (FieldsV1's ``.`` entry)."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Node)

    def __hash__(self) -> int:
        return 0


_NODE = _Node()


def _encode(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _item_key(item: Any, rule: ListRule) -> str | None:
    if not isinstance(item, dict):
        return None
    keys = {k: item[k] for k in rule.keys if k in item}
    return f"k:{_encode(keys)}" if keys else None


def _walk(
    value: Any, fpath: FieldPath, npath: Path, rules: ListRules, out: dict[FieldPath, Any], member: bool
) -> None:
    if isinstance(value, dict) and value:
        if member:
            out[fpath] = _NODE
        for key, child in value.items():
            if child is None:
                continue
            child_path = (*fpath, f"f:{key}")
            if child_path in _IGNORED:
                continue
            child_member = not isinstance(child, dict) or not child or key in GRANULAR_MAP_FIELDS
            _walk(child, child_path, (*npath, key), rules, out, child_member)
        return
    if isinstance(value, list) and value:
        rule = rules(npath)
        keyed = [_item_key(item, rule) for item in value] if rule.type == "map" else []
        if rule.type == "set":
            out[fpath] = _NODE
            for item in value:
                out[(*fpath, f"v:{_encode(item)}")] = item
            return
        if rule.type == "map" and all(keyed):
            out[fpath] = _NODE
            for key, item in zip(keyed, value, strict=True):
                assert key is not None
                _walk(item, (*fpath, key), npath, rules, out, member=True)
                out.setdefault((*fpath, key), _NODE)
            return
    out[fpath] = value


def _field_values(obj: dict[str, Any], rules: ListRules) -> dict[FieldPath, Any]:
    out: dict[FieldPath, Any] = {}
    _walk(obj, (), (), rules, out, member=False)
    out.pop((), None)
    return out


def _to_fields_v1(paths: set[FieldPath]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for path in sorted(paths):
        node = tree
        for step in path:
            node = node.setdefault(step, {})
    for path in paths:
        node = tree
        for step in path:
            node = node[step]
        if any(key != "." for key in node):
            node["."] = {}
    return tree


def _from_fields_v1(tree: dict[str, Any], prefix: FieldPath = ()) -> set[FieldPath]:
    paths: set[FieldPath] = set()
    for key, child in tree.items():
        if key == ".":
            paths.add(prefix)
        elif isinstance(child, dict) and child:
            paths |= _from_fields_v1(child, (*prefix, key))
        else:
            paths.add((*prefix, key))
    return paths


def fields_v1(obj: dict[str, Any], rules: ListRules) -> dict[str, Any]:
    return _to_fields_v1(set(_field_values(obj, rules)))


@dataclass
class _Manager:
    entry: dict[str, Any]
    paths: set[FieldPath] = field(default_factory=set)

    def identity(self) -> tuple[str, str, str, str]:
        operation = self.entry.get("operation", "")
        # Apply entries are one per manager whatever the apiVersion; Update entries are per version.
        version = "" if operation == "Apply" else self.entry.get("apiVersion", "")
        return (self.entry.get("manager", ""), operation, version, self.entry.get("subresource", ""))

    def describe(self) -> str:
        text = json.dumps(self.entry.get("manager", ""))
        if self.entry.get("subresource"):
            text += f" with subresource {json.dumps(self.entry['subresource'])}"
        if self.entry.get("operation") == "Update":
            text += f" using {self.entry.get('apiVersion', '')}"
            if self.entry.get("time"):
                text += f" at {self.entry['time']}"
        return text


def _managers(obj: dict[str, Any] | None) -> list[_Manager]:
    entries = ((obj or {}).get("metadata") or {}).get("managedFields") or []
    return [
        _Manager(
            {k: v for k, v in entry.items() if k != "fieldsV1"}, _from_fields_v1(entry.get("fieldsV1") or {})
        )
        for entry in entries
        if isinstance(entry, dict)
    ]


def _render(managers: list[_Manager]) -> list[dict[str, Any]]:
    rendered = []
    for manager in managers:
        if not manager.paths:
            continue
        entry = dict(manager.entry)
        entry["fieldsType"] = "FieldsV1"
        entry["fieldsV1"] = _to_fields_v1(manager.paths)
        rendered.append(entry)
    return rendered


def _upsert(managers: list[_Manager], new: _Manager) -> None:
    """Replace the manager's entry in place (the real server keeps entries in their order)."""
    for index, manager in enumerate(managers):
        if manager.identity() == new.identity():
            managers[index] = new
            return
    managers.append(new)


def _entry(
    manager: str, operation: str, api_version: str, now: str, subresource: str | None
) -> dict[str, Any]:
    entry = {"manager": manager, "operation": operation, "apiVersion": api_version, "time": now}
    if subresource:
        entry["subresource"] = subresource
    return entry


def _path_string(path: FieldPath) -> str:
    text = ""
    for step in path:
        kind, _, rest = step.partition(":")
        if kind == "f":
            text += f".{rest}"
        elif kind == "k":
            keys = json.loads(rest)
            text += "[" + ",".join(f"{k}={json.dumps(v)}" for k, v in keys.items()) + "]"
        else:
            text += f"[={rest}]"
    return text


def _conflict_error(conflicts: list[tuple[_Manager, FieldPath]]) -> ApplyConflictError:
    causes = [
        {
            "reason": "FieldManagerConflict",
            "message": f"conflict with {m.describe()}",
            "field": _path_string(p),
        }
        for m, p in conflicts
    ]
    if len(conflicts) == 1:
        manager, path = conflicts[0]
        message = f"Apply failed with 1 conflict: conflict with {manager.describe()}: {_path_string(path)}"
    else:
        by_manager: dict[str, list[str]] = {}
        for manager, path in conflicts:
            by_manager.setdefault(manager.describe(), []).append(_path_string(path))
        lines = []
        for name in sorted(by_manager):
            lines.append(f"conflicts with {name}:")
            lines.extend(f"- {path}" for path in by_manager[name])
        message = f"Apply failed with {len(conflicts)} conflicts: " + "\n".join(lines)
    return ApplyConflictError(message, {"causes": causes})


def _merge_applied(live: Any, applied: Any, npath: Path, rules: ListRules) -> Any:
    if isinstance(applied, dict):
        result = copy.deepcopy(live) if isinstance(live, dict) else {}
        for key, value in applied.items():
            if value is not None:
                result[key] = _merge_applied(result.get(key), value, (*npath, key), rules)
        return result
    if isinstance(applied, list):
        rule = rules(npath)
        current = live if isinstance(live, list) else []
        if rule.type == "set":
            return list(current) + [item for item in applied if item not in current]
        if rule.type == "map" and all(_item_key(item, rule) for item in applied):
            result_list = copy.deepcopy(current)
            for item in applied:
                key = _item_key(item, rule)
                index = next((i for i, old in enumerate(result_list) if _item_key(old, rule) == key), None)
                if index is None:
                    result_list.append(_merge_applied({}, item, npath, rules))
                else:
                    result_list[index] = _merge_applied(result_list[index], item, npath, rules)
            return result_list
        return copy.deepcopy(applied)
    return applied


def _child(container: Any, step: str) -> Any:
    kind, _, rest = step.partition(":")
    if kind == "f" and isinstance(container, dict):
        return container.get(rest)
    if kind == "k" and isinstance(container, list):
        keys = json.loads(rest)
        return next(
            (i for i in container if isinstance(i, dict) and all(i.get(k) == v for k, v in keys.items())),
            None,
        )
    return None


def _locate(obj: dict[str, Any], path: FieldPath) -> Any:
    node: Any = obj
    for step in path:
        node = _child(node, step)
        if node is None:
            return None
    return node


def _remove(obj: dict[str, Any], path: FieldPath) -> None:
    container = _locate(obj, path[:-1])
    kind, _, rest = path[-1].partition(":")
    if kind == "f" and isinstance(container, dict):
        container.pop(rest, None)
    elif kind == "k" and isinstance(container, list):
        target = _child(container, path[-1])
        if target is not None:
            container.remove(target)
    elif kind == "v" and isinstance(container, list):
        value = json.loads(rest)
        if value in container:
            container.remove(value)


def _prefixes(paths: set[FieldPath]) -> set[FieldPath]:
    return {path[:i] for path in paths for i in range(len(path))}


def _remove_unowned(obj: dict[str, Any], removed: set[FieldPath], owned: set[FieldPath]) -> None:
    """Remove fields nobody applies any more, then containers they leave empty and unowned."""
    for path in removed:
        if not any(path[:i] in removed for i in range(1, len(path))):
            _remove(obj, path)
    kept = owned | _prefixes(owned)
    for path in sorted(removed, key=len, reverse=True):
        parent = path[:-1]
        while len(parent) > 1 and parent not in kept:
            value = _locate(obj, parent)
            if value not in ({}, []):
                break
            _remove(obj, parent)
            parent = parent[:-1]


def _check_applied(applied: dict[str, Any]) -> None:
    metadata = applied.get("metadata")
    if not applied.get("apiVersion") or not applied.get("kind"):
        raise BadRequestError("apiVersion and kind must be set in an applied configuration")
    if not isinstance(metadata, dict) or not metadata.get("name"):
        raise BadRequestError("metadata.name must be set in an applied configuration")
    if metadata.get("managedFields"):
        raise BadRequestError("metadata.managedFields must be nil")


def server_side_apply(
    current: dict[str, Any] | None,
    applied: dict[str, Any],
    manager: str,
    force: bool,
    now: str,
    rules: ListRules | None = None,
    subresource: str | None = None,
) -> dict[str, Any]:
    """Merge ``applied`` into ``current`` (None: create) as ``manager``; ApplyConflictError on conflicts."""
    _check_applied(applied)
    rules = rules or builtin_list_rules(str(applied["kind"]))
    live = copy.deepcopy(current) if current is not None else {}
    managers = _managers(current)
    me = _Manager(_entry(manager, "Apply", str(applied["apiVersion"]), now, subresource))
    applied_values = _field_values(applied, rules)
    live_values = _field_values(live, rules)

    conflicts: list[tuple[_Manager, FieldPath]] = []
    previous: set[FieldPath] = set()
    for other in managers:
        if other.identity() == me.identity():
            previous = other.paths
            continue
        for path in sorted(other.paths & set(applied_values)):
            wanted, found = applied_values[path], live_values.get(path, _NODE)
            if _NODE not in (wanted, found) and found != wanted:
                conflicts.append((other, path))
    if conflicts and not force:
        raise _conflict_error(conflicts)
    for other, path in conflicts:
        other.paths.discard(path)

    others = {path for other in managers if other.identity() != me.identity() for path in other.paths}
    applied_set = set(applied_values)
    blocked = others | _prefixes(others) | _prefixes(applied_set)
    removed = {path for path in previous - applied_set if path not in blocked}

    result: dict[str, Any] = _merge_applied(live, applied, (), rules)
    _remove_unowned(result, removed, others | applied_set)
    me.paths = applied_set
    _upsert(managers, me)
    result.setdefault("metadata", {})["managedFields"] = _render(managers)
    return result


def record_update(
    previous: dict[str, Any] | None,
    updated: dict[str, Any],
    manager: str,
    now: str,
    rules: ListRules | None = None,
    subresource: str | None = None,
) -> dict[str, Any]:
    """Return ``updated`` with managedFields saying ``manager`` changed what differs from ``previous``."""
    rules = rules or builtin_list_rules(str(updated.get("kind", "")))
    old_values = _field_values(previous, rules) if previous is not None else {}
    new_values = _field_values(updated, rules)
    changed = {
        path
        for path, value in new_values.items()
        if path not in old_values or (value != _NODE and old_values[path] != value)
    }
    gone = set(old_values) - set(new_values)
    managers = _managers(previous)
    result = copy.deepcopy(updated)
    if not changed and not gone:
        result.setdefault("metadata", {})["managedFields"] = _render(managers)
        return result
    me = _Manager(_entry(manager, "Update", str(updated.get("apiVersion", "")), now, subresource))
    prior = next((m.paths for m in managers if m.identity() == me.identity()), set())
    for other in managers:
        other.paths -= gone | changed
    me.paths = (prior - gone) | changed
    _upsert(managers, me)
    result.setdefault("metadata", {})["managedFields"] = _render(managers)
    return result
