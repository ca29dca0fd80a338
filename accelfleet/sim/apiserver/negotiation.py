"""Reading the Accept header the way client-go writes it (media types with ``g``/``v``/``as`` params)."""

from __future__ import annotations

from dataclasses import dataclass

AGGREGATED_DISCOVERY = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"


@dataclass(frozen=True)
class MediaType:
    type: str
    params: dict[str, str]


def parse_accept(header: str | None) -> list[MediaType]:
    result = []
    for part in (header or "").split(","):
        fields = [f.strip() for f in part.split(";") if f.strip()]
        if not fields:
            continue
        params = {}
        for param in fields[1:]:
            if "=" in param:
                key, value = param.split("=", 1)
                params[key.strip()] = value.strip()
        result.append(MediaType(fields[0].lower(), params))
    return result


def wants_table(header: str | None) -> bool:
    """True when the client prefers a meta.k8s.io/v1 Table (kubectl get) over the object itself."""
    for media in parse_accept(header):
        if media.params.get("as") == "Table" and media.params.get("g") == "meta.k8s.io":
            return media.params.get("v") == "v1"
        if media.type in ("application/json", "*/*") and "as" not in media.params:
            return False
    return False


def wants_aggregated_discovery(header: str | None) -> bool:
    for media in parse_accept(header):
        if (
            media.params.get("as") == "APIGroupDiscoveryList"
            and media.params.get("g") == "apidiscovery.k8s.io"
            and media.params.get("v") == "v2"
        ):
            return True
        if media.type in ("application/json", "*/*") and "as" not in media.params:
            return False
    return False
