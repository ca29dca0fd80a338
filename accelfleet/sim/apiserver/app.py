"""The aiohttp application: authentication, RBAC, routing and the REST verbs over the object store.

Handlers stay thin: they parse the request, call the store (whose writes are atomic), and render.
Large lists and watches are streamed in chunks that yield to the event loop, so one client reading
thousands of pods neither blocks nor starves the others.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
import yaml
from aiohttp import web

from accelfleet.sim.api_errors import UnsupportedMediaTypeError
from accelfleet.sim.apiserver import discovery
from accelfleet.sim.apiserver.access import Access
from accelfleet.sim.apiserver.listing import paginate
from accelfleet.sim.apiserver.negotiation import AGGREGATED_DISCOVERY, wants_aggregated_discovery, wants_table
from accelfleet.sim.apiserver.paths import GroupPath, ResourcePath, parse_path
from accelfleet.sim.apiserver.request_info import request_attributes
from accelfleet.sim.apiserver.status import failure, status_of_error, success
from accelfleet.sim.crd_schema import strict_decoding_error, unknown_field_warnings
from accelfleet.sim.k8s_protobuf import decode_protobuf
from accelfleet.sim.objects import clone, now_rfc3339, object_key
from accelfleet.sim.objectstore import ObjectStore
from accelfleet.sim.openapi import openapi_response
from accelfleet.sim.patching import PATCH_CONTENT_TYPES, apply_patch, record_update, server_side_apply
from accelfleet.sim.rbac import MASTERS_GROUP, forbidden_error
from accelfleet.sim.registry import Registry, ServedType
from accelfleet.sim.selectors import make_selection
from accelfleet.sim.store import (
    BadRequestError,
    ConflictError,
    GoneError,
    NotFoundError,
    Object,
    StoreError,
    WatchEvent,
)
from accelfleet.sim.tables import to_table
from accelfleet.sim.tokens import Tokens

log = logging.getLogger(__name__)

KUBERNETES_VERSION = {"major": "1", "minor": "33", "gitVersion": "v1.33.0"}
_STREAM_CHUNK = 250
_DEFAULT_WATCH_TIMEOUT = 1800.0
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# Create-only kinds that are answered, never stored: (group, plural) -> what answers them.
_REVIEWS = {
    ("authorization.k8s.io", "selfsubjectaccessreviews"): "access",
    ("authorization.k8s.io", "selfsubjectrulesreviews"): "rules",
    ("authentication.k8s.io", "selfsubjectreviews"): "self",
}


def _dumps(body: Any) -> bytes:
    """Compact JSON; orjson writes it several times faster, and every watcher of a busy fleet waits on
    it. What orjson refuses (integers beyond 64 bits) the standard library still writes."""
    try:
        return orjson.dumps(body)
    except TypeError:
        return json.dumps(body, separators=(",", ":")).encode()


def json_response(body: Any, status: int = 200, content_type: str = "application/json") -> web.Response:
    return web.Response(body=_dumps(body), status=status, headers={"Content-Type": content_type})


def _method_not_allowed() -> web.Response:
    return json_response(failure(405, "the server does not allow this method on the requested resource"), 405)


def _not_found_resource() -> web.Response:
    return json_response(
        failure(404, "the server could not find the requested resource", "NotFound", {}), 404
    )


def _flag(request: web.Request, name: str) -> bool:
    return request.query.get(name, "").lower() in ("1", "true")


def _int_param(request: web.Request, name: str) -> int | None:
    raw = request.query.get(name)
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except ValueError as err:
        raise BadRequestError(f"invalid {name}: {raw!r}") from err


def _field_manager(request: web.Request) -> str:
    manager = request.query.get("fieldManager")
    if manager:
        return manager
    agent = request.headers.get("User-Agent", "unknown")
    return agent.split("/", 1)[0] or "unknown"


class ApiServer:
    """Serves one store; ``ready`` tells the readiness probes whether the whole cluster is up.

    ``token`` is the admin's (``system:masters``, never checked against RBAC); ServiceAccount tokens
    come from the TokenRequest subresource and are held to RBAC on every request.
    """

    def __init__(
        self,
        store: ObjectStore,
        registry: Registry,
        token: str,
        *,
        bookmark_interval: float = 5.0,
        ready: Callable[[], bool] = lambda: True,
    ) -> None:
        self.store = store
        self.registry = registry
        self.access = Access(store, Tokens(token))
        self._bookmark_interval = bookmark_interval
        self._ready = ready

    def make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._auth, self._errors], client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        return app

    # ----- middlewares --------------------------------------------------------------------------

    @web.middleware
    async def _auth(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """401 without a known token; 403 when RBAC grants the identity nothing for this request."""
        user = self.access.authenticate(request.headers.get("Authorization", ""))
        if user is None:
            return json_response(failure(401, "Unauthorized", "Unauthorized"), 401)
        if any(name.lower().startswith("impersonate-") for name in request.headers):
            # Refused rather than ignored: ignoring it would run ``kubectl --as=...`` as the admin.
            return json_response(failure(403, "impersonation is not supported by the simulated cluster"), 403)
        if MASTERS_GROUP not in user.groups:
            attrs = request_attributes(request.method, request.path, request.query)
            decision = self.access.authorize(user, attrs)
            if not decision.allowed:
                return json_response(status_of_error(forbidden_error(user, attrs, decision.reason)), 403)
        return await handler(request)

    @web.middleware
    async def _errors(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except StoreError as err:
            return json_response(status_of_error(err), err.status_code)
        except web.HTTPException:
            raise
        except Exception as err:
            log.exception("internal error serving %s %s", request.method, request.path)
            return json_response(failure(500, f"Internal error occurred: {err}", "InternalError"), 500)

    # ----- routing ------------------------------------------------------------------------------

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        path = request.path.rstrip("/") or "/"
        if path == "/version":
            return json_response(
                {
                    **KUBERNETES_VERSION,
                    "gitCommit": "",
                    "gitTreeState": "clean",
                    "buildDate": "2025-04-23T00:00:00Z",
                    "goVersion": "go1.24.2",
                    "compiler": "gc",
                    "platform": "linux/amd64",
                }
            )
        if path.split("/")[1] in ("healthz", "livez", "readyz"):
            if path.startswith("/livez") or self._ready():
                return web.Response(text="ok")
            return web.Response(text="not ready", status=503)
        if path == "/openapi" or path.startswith("/openapi/"):
            status, document = openapi_response(self.registry.all(), path)
            return json_response(document, status)
        if path == "/api":
            return self._discovery_root(request, core=True)
        if path == "/apis":
            return self._discovery_root(request, core=False)
        parsed = parse_path(path)
        if isinstance(parsed, GroupPath):
            group_doc = discovery.api_group(self.registry, parsed.group)
            return json_response(group_doc) if group_doc else _not_found_resource()
        if parsed is None:
            return _not_found_resource()
        if parsed.plural is None:
            if request.method != "GET":
                return _method_not_allowed()
            doc = discovery.api_resource_list(self.registry, parsed.group, parsed.version)
            return json_response(doc) if doc else _not_found_resource()
        served = self.registry.resolve(parsed.group, parsed.version, parsed.plural)
        if served is None or (parsed.namespace is not None and not served.rtype.namespaced):
            return _not_found_resource()
        if parsed.subresource is not None and parsed.subresource not in served.subresources:
            return _not_found_resource()
        return await self._resource(request, served, parsed)

    def _discovery_root(self, request: web.Request, *, core: bool) -> web.Response:
        if wants_aggregated_discovery(request.headers.get("Accept")):
            body = discovery.aggregated_discovery(self.registry, core=core)
            return json_response(body, content_type=AGGREGATED_DISCOVERY)
        if core:
            return json_response(discovery.api_versions(request.host))
        return json_response(discovery.api_group_list(self.registry))

    async def _resource(
        self, request: web.Request, served: ServedType, rp: ResourcePath
    ) -> web.StreamResponse:
        method = request.method
        review = _REVIEWS.get((served.rtype.group, served.rtype.plural))
        if review is not None:
            if method != "POST" or rp.name is not None:
                return _method_not_allowed()
            return await self._review(request, review)
        if method == "GET":
            if rp.name is not None:
                return self._render_one(
                    request, served, self.store.get_sync(served.rtype, rp.name, rp.namespace)
                )
            if _flag(request, "watch"):
                return await self._watch(request, served, rp)
            return await self._list(request, served, rp)
        if method == "POST" and rp.name is None:
            return await self._create(request, served, rp)
        if method == "POST" and rp.subresource == "binding":
            return await self._bind(request, served, rp)
        if method == "POST" and rp.subresource == "eviction":
            return await self._evict(request, served, rp)
        if method == "POST" and rp.subresource == "token":
            body = await self._body(request)
            return json_response(self.access.token_request(rp.namespace or "", rp.name or "", body), 201)
        if method == "PUT" and rp.name is not None:
            return await self._replace(request, served, rp)
        if method == "PATCH" and rp.name is not None:
            return await self._patch(request, served, rp)
        if method == "DELETE":
            if rp.name is not None:
                return await self._delete(request, served, rp)
            return await self._delete_collection(request, served, rp)
        return _method_not_allowed()

    async def _review(self, request: web.Request, review: str) -> web.Response:
        """The self-reviews: answered for the requesting identity (authenticated again here, which is a
        dictionary lookup, rather than handed over by the middleware), never stored."""
        user = self.access.authenticate(request.headers.get("Authorization", ""))
        if user is None:
            return json_response(failure(401, "Unauthorized", "Unauthorized"), 401)
        if review == "self":
            return json_response(self.access.self_review(user), 201)
        body = await self._body(request)
        if review == "access":
            return json_response(self.access.access_review(user, body), 201)
        return json_response(self.access.rules_review(user, body), 201)

    # ----- bodies -------------------------------------------------------------------------------

    async def _body(self, request: web.Request, *, required: bool = True) -> Any:
        raw = await request.read()
        if not raw:
            if required:
                raise BadRequestError("the body of the request was empty")
            return None
        content_type = request.content_type
        if "protobuf" in content_type:
            return decode_protobuf(raw)
        if "cbor" in content_type:
            raise UnsupportedMediaTypeError(
                "the body of the request was in an unknown format - accepted media types include: "
                f"application/json, application/yaml (got {content_type})"
            )
        try:
            if "yaml" in content_type:
                return yaml.safe_load(raw)
            return json.loads(raw)
        except (ValueError, yaml.YAMLError) as err:
            raise BadRequestError(f"couldn't get version/kind; json parse error: {err}") from err

    def _object_body(self, body: Any, served: ServedType, rp: ResourcePath) -> Object:
        if not isinstance(body, dict):
            raise BadRequestError("the body of the request is not a JSON object")
        meta = body.setdefault("metadata", {})
        if not isinstance(meta, dict):
            raise BadRequestError("metadata must be an object")
        body.setdefault("apiVersion", served.rtype.api_version)
        body.setdefault("kind", served.rtype.kind)
        if served.rtype.namespaced:
            body_ns = meta.get("namespace")
            if body_ns and rp.namespace and body_ns != rp.namespace:
                raise BadRequestError(
                    "the namespace of the provided object does not match the namespace sent on the request"
                )
            meta["namespace"] = rp.namespace or body_ns
        if rp.name is not None and meta.get("name") and meta["name"] != rp.name:
            raise BadRequestError(
                f"the name of the object ({meta['name']}) does not match the name on the URL ({rp.name})"
            )
        if rp.name is not None:
            meta["name"] = rp.name
        return body

    # ----- rendering ----------------------------------------------------------------------------

    def _table(
        self, request: web.Request, served: ServedType, objects: list[Object], **list_meta: Any
    ) -> Any:
        return to_table(
            served.rtype,
            objects,
            served.table_columns,
            now=datetime.datetime.now(datetime.UTC),
            include_object=request.query.get("includeObject") or "Metadata",
            **list_meta,
        )

    def _render_one(
        self,
        request: web.Request,
        served: ServedType,
        obj: Object,
        status: int = 200,
        warnings: list[str] | None = None,
    ) -> web.Response:
        if request.method == "GET" and wants_table(request.headers.get("Accept")):
            body = self._table(
                request, served, [obj], resource_version=obj["metadata"].get("resourceVersion", "")
            )
            response = json_response(body, status)
        else:
            response = json_response(obj, status)
        for warning in warnings or ():
            response.headers.add("Warning", "299 - " + json.dumps(warning))
        return response

    def _field_warnings(self, request: web.Request, served: ServedType, obj: Object) -> list[str]:
        """Unknown fields of a custom resource: 400 under ``fieldValidation=Strict``, warnings under Warn."""
        mode = request.query.get("fieldValidation", "Warn")
        if served.schema is None or mode == "Ignore":
            return []
        _, unknown = served.schema.prune(obj)
        if unknown and mode == "Strict":
            raise strict_decoding_error(unknown)
        return unknown_field_warnings(unknown)

    # ----- reads --------------------------------------------------------------------------------

    async def _list(self, request: web.Request, served: ServedType, rp: ResourcePath) -> web.StreamResponse:
        rtype = served.rtype
        label_selector = request.query.get("labelSelector")
        field_selector = request.query.get("fieldSelector")
        selection = make_selection(rtype.kind, rp.namespace, label_selector, field_selector)
        objects, rv = self.store.select(rtype, selection)
        page = paginate(
            objects,
            rv,
            _int_param(request, "limit"),
            request.query.get("continue"),
            count_remaining=not (label_selector or field_selector),
        )
        list_meta: dict[str, Any] = {"resourceVersion": page.resource_version}
        if page.continue_token:
            list_meta["continue"] = page.continue_token
        if page.remaining is not None:
            list_meta["remainingItemCount"] = page.remaining
        if wants_table(request.headers.get("Accept")):
            table = self._table(
                request,
                served,
                page.items,
                resource_version=page.resource_version,
                continue_token=page.continue_token,
                remaining_item_count=page.remaining,
            )
            return json_response(table)
        head = {"kind": f"{rtype.kind}List", "apiVersion": rtype.api_version, "metadata": list_meta}
        return await self._stream_list(request, head, [self._versioned(served, obj) for obj in page.items])

    def _versioned(self, served: ServedType, obj: Object) -> Object:
        if obj.get("apiVersion") == served.rtype.api_version:
            return obj
        return {**obj, "apiVersion": served.rtype.api_version}

    async def _stream_list(
        self, request: web.Request, head: dict[str, Any], items: list[Object]
    ) -> web.StreamResponse:
        if len(items) <= _STREAM_CHUNK:
            return json_response({**head, "items": items})
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)
        await response.write(_dumps(head)[:-1] + b',"items":[')
        for start in range(0, len(items), _STREAM_CHUNK):
            chunk = b",".join(_dumps(obj) for obj in items[start : start + _STREAM_CHUNK])
            await response.write((b"," if start else b"") + chunk)
            await asyncio.sleep(0)
        await response.write(b"]}")
        await response.write_eof()
        return response

    async def _watch(self, request: web.Request, served: ServedType, rp: ResourcePath) -> web.StreamResponse:
        rtype = served.rtype
        label_selector = request.query.get("labelSelector")
        field_selector = request.query.get("fieldSelector")
        selection = make_selection(rtype.kind, rp.namespace, label_selector, field_selector)
        asked_rv = request.query.get("resourceVersion") or None
        send_initial = request.query.get("sendInitialEvents", "").lower() == "true"
        bookmarks = _flag(request, "allowWatchBookmarks")
        timeout = _int_param(request, "timeoutSeconds")
        initial: list[Object] = []
        start_rv = asked_rv
        if asked_rv in (None, "0") or send_initial:
            initial, start_rv = self.store.select(rtype, selection)
        try:
            events = self.store.watch(
                rtype,
                rp.namespace,
                start_rv,
                label_selector,
                field_selector,
                bookmark_interval=self._bookmark_interval if bookmarks else None,
                shared=True,
            )
            gone: GoneError | None = None
        except GoneError as err:
            gone = err
        response = web.StreamResponse(
            headers={"Content-Type": "application/json", "Cache-Control": "no-cache"}
        )
        await response.prepare(request)
        if gone is not None:
            await response.write(_dumps({"type": "ERROR", "object": status_of_error(gone)}) + b"\n")
            await response.write_eof()
            return response
        as_table = wants_table(request.headers.get("Accept"))
        for index, obj in enumerate(initial):
            await response.write(self._event_line(request, served, "ADDED", obj, as_table))
            if index % _STREAM_CHUNK == _STREAM_CHUNK - 1:
                await asyncio.sleep(0)
        if send_initial and bookmarks:
            marker = {
                "kind": rtype.kind,
                "apiVersion": rtype.api_version,
                "metadata": {
                    "resourceVersion": start_rv,
                    "annotations": {"k8s.io/initial-events-end": "true"},
                },
            }
            await response.write(_dumps({"type": "BOOKMARK", "object": marker}) + b"\n")
        try:
            async with asyncio.timeout(timeout if timeout and timeout > 0 else _DEFAULT_WATCH_TIMEOUT):
                await self._pump(request, response, served, events, as_table)
        except TimeoutError:
            pass
        except GoneError as err:
            await response.write(_dumps({"type": "ERROR", "object": status_of_error(err)}) + b"\n")
        except ConnectionResetError:
            return response
        await response.write_eof()
        return response

    def _event_line(
        self, request: web.Request, served: ServedType, event_type: str, obj: Object, as_table: bool
    ) -> bytes:
        if event_type == "BOOKMARK":
            body = obj
        elif as_table:
            body = self._table(
                request, served, [obj], resource_version=obj["metadata"].get("resourceVersion", "")
            )
        else:
            body = self._versioned(served, obj)
        return _dumps({"type": event_type, "object": body}) + b"\n"

    async def _pump(
        self,
        request: web.Request,
        response: web.StreamResponse,
        served: ServedType,
        events: Any,
        as_table: bool,
    ) -> None:
        event: WatchEvent
        async for event in events:
            await response.write(self._event_line(request, served, event.type, event.object, as_table))

    # ----- writes -------------------------------------------------------------------------------

    async def _create(self, request: web.Request, served: ServedType, rp: ResourcePath) -> web.Response:
        if served.rtype.namespaced and rp.namespace is None:
            return _method_not_allowed()
        obj = self._object_body(await self._body(request), served, rp)
        warnings = self._field_warnings(request, served, obj)
        obj = record_update(None, obj, _field_manager(request), now_rfc3339())
        created = self.store.create_sync(
            served.rtype, obj, dry_run=request.query.get("dryRun") == "All", handover=True
        )
        return self._render_one(request, served, created, 201, warnings)

    async def _replace(self, request: web.Request, served: ServedType, rp: ResourcePath) -> web.Response:
        obj = self._object_body(await self._body(request), served, rp)
        warnings = self._field_warnings(request, served, obj)
        current = self.store.get_sync(served.rtype, rp.name or "", rp.namespace)
        obj = record_update(current, obj, _field_manager(request), now_rfc3339(), subresource=rp.subresource)
        updated = self.store.update_sync(
            served.rtype, obj, rp.subresource, dry_run=request.query.get("dryRun") == "All", handover=True
        )
        return self._render_one(request, served, updated, 200, warnings)

    async def _patch(self, request: web.Request, served: ServedType, rp: ResourcePath) -> web.Response:
        patch_type = PATCH_CONTENT_TYPES.get(request.content_type)
        if patch_type is None:
            raise UnsupportedMediaTypeError(
                "the body of the request was in an unknown format - accepted media types include: "
                "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
                + ("" if not served.builtin else ", application/strategic-merge-patch+json")
            )
        body = await self._body(request)
        manager = _field_manager(request)
        dry_run = request.query.get("dryRun") == "All"
        now = now_rfc3339()
        rtype = served.rtype
        try:
            current = self.store.get_sync(rtype, rp.name or "", rp.namespace)
        except NotFoundError:
            if patch_type != "apply":
                raise
            applied = self._object_body(body, served, rp)
            created = server_side_apply(None, applied, manager, _flag(request, "force"), now)
            return self._render_one(
                request, served, self.store.create_sync(rtype, created, dry_run=dry_run, handover=True), 201
            )
        if patch_type == "apply":
            applied = self._object_body(body, served, rp)
            warnings = self._field_warnings(request, served, applied)
            patched = server_side_apply(
                current,
                applied,
                manager,
                _flag(request, "force"),
                now,
                rules=self._rules(served),
                subresource=rp.subresource,
            )
        else:
            patched = apply_patch(clone(current), body, patch_type, rtype.kind, custom=not served.builtin)  # type: ignore[arg-type]
            warnings = self._field_warnings(request, served, patched)
            patched = record_update(
                current, patched, manager, now, rules=self._rules(served), subresource=rp.subresource
            )
        meta = patched.setdefault("metadata", {})
        meta["name"] = current["metadata"]["name"]
        if rtype.namespaced:
            meta["namespace"] = current["metadata"]["namespace"]
        updated = self.store.update_sync(rtype, patched, rp.subresource, dry_run=dry_run, handover=True)
        return self._render_one(request, served, updated, 200, warnings)

    def _rules(self, served: ServedType) -> Any:
        """List-merge rules for managedFields: the CRD schema's, or the built-in kind's (None)."""
        return served.schema.list_rules if served.schema is not None else None

    async def _bind(self, request: web.Request, served: ServedType, rp: ResourcePath) -> web.Response:
        body = await self._body(request)
        target = (body or {}).get("target") or {}
        node = target.get("name")
        if not node:
            raise BadRequestError("binding target name is required")
        pod = self.store.get_sync(served.rtype, rp.name or "", rp.namespace)
        bound = pod.get("spec", {}).get("nodeName")
        if bound:
            raise ConflictError(
                f'Operation cannot be fulfilled on pods/binding "{rp.name}": pod {rp.name} is already assigned '
                f'to node "{bound}"',
                name=rp.name,
                kind="pods/binding",
            )
        pod["spec"]["nodeName"] = node
        updated = self.store.update_sync(served.rtype, pod)
        conditions = [
            c for c in updated.get("status", {}).get("conditions", []) if c.get("type") != "PodScheduled"
        ]
        conditions.append(
            {
                "type": "PodScheduled",
                "status": "True",
                "lastProbeTime": None,
                "lastTransitionTime": now_rfc3339(),
            }
        )
        updated.setdefault("status", {})["conditions"] = conditions
        self.store.update_sync(served.rtype, updated, "status")
        return json_response(success(), 201)

    async def _evict(self, request: web.Request, served: ServedType, rp: ResourcePath) -> web.Response:
        self.store.delete_sync(served.rtype, rp.name or "", rp.namespace)
        return json_response(success(), 201)

    async def _delete_options(self, request: web.Request) -> dict[str, Any]:
        body = await self._body(request, required=False)
        options: dict[str, Any] = dict(body) if isinstance(body, dict) else {}
        if "propagationPolicy" in request.query:
            options["propagationPolicy"] = request.query["propagationPolicy"]
        if "orphanDependents" in request.query:
            options["orphanDependents"] = _flag(request, "orphanDependents")
        if options.get("orphanDependents") is not None and not options.get("propagationPolicy"):
            options["propagationPolicy"] = "Orphan" if options["orphanDependents"] else "Background"
        if request.query.get("dryRun") == "All" or options.get("dryRun") == ["All"]:
            options["dryRun"] = True
        return options

    async def _delete(self, request: web.Request, served: ServedType, rp: ResourcePath) -> web.Response:
        options = await self._delete_options(request)
        preconditions = options.get("preconditions") or {}
        result = self.store.delete_sync(
            served.rtype,
            rp.name or "",
            rp.namespace,
            propagation_policy=options.get("propagationPolicy"),
            precondition_uid=preconditions.get("uid"),
            precondition_resource_version=preconditions.get("resourceVersion"),
            dry_run=bool(options.get("dryRun")),
        )
        pending = bool(result["metadata"].get("deletionTimestamp")) and not options.get("dryRun")
        return self._render_one(request, served, result, 202 if pending else 200)

    async def _delete_collection(
        self, request: web.Request, served: ServedType, rp: ResourcePath
    ) -> web.Response:
        options = await self._delete_options(request)
        rtype = served.rtype
        selection = make_selection(
            rtype.kind, rp.namespace, request.query.get("labelSelector"), request.query.get("fieldSelector")
        )
        objects, rv = self.store.select(rtype, selection)
        deleted = []
        for key in [object_key(obj) for obj in objects]:
            try:
                deleted.append(
                    self.store.delete_sync(
                        rtype,
                        key[1],
                        key[0] or None,
                        propagation_policy=options.get("propagationPolicy"),
                        dry_run=bool(options.get("dryRun")),
                    )
                )
            except NotFoundError:
                continue
        return json_response(
            {
                "kind": f"{rtype.kind}List",
                "apiVersion": rtype.api_version,
                "metadata": {"resourceVersion": rv},
                "items": deleted,
            }
        )
