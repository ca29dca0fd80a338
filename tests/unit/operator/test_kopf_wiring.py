"""How the operator plugs into kopf: watch events only, handled on the event loop, no diff bases kept."""

from __future__ import annotations

import inspect

import kopf

from accelfleet.operator import handlers


def test_the_operator_registers_only_event_handlers_so_no_diff_base_is_ever_read() -> None:
    registry = kopf.get_default_registry()
    watched = {handler.id for handler in registry._watching.get_all_handlers()}
    assert {"aijobs", "pods", "nodes", "accelcards", "scalexplatforms"} <= watched
    assert not list(registry._changing.get_all_handlers())
    assert not list(registry._spawning.get_all_handlers())


def test_event_handlers_are_coroutines_so_the_mirror_is_only_touched_on_the_event_loop() -> None:
    for handler in kopf.get_default_registry()._watching.get_all_handlers():
        assert inspect.iscoroutinefunction(handler.fn), handler.id


def test_no_diff_base_is_built_fetched_or_stored_for_any_object() -> None:
    storage = handlers.NoDiffBase()
    pod = kopf.Body({"metadata": {"name": "p", "labels": {"a": "b"}}, "spec": {"containers": []}})
    assert storage.build(body=pod, extra_fields=["status.phase"]) == {}
    assert storage.fetch(body=pod) is None
    patch = kopf.Patch()
    storage.store(body=pod, patch=patch, essence=kopf.BodyEssence())
    assert not patch
