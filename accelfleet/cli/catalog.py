"""``accelfleet catalog``: the built-in card models, as a table or as manifests for kubectl."""

from __future__ import annotations

import argparse
import json
from typing import Any

import yaml

from accelfleet.api.accelcard import AccelCard


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "catalog",
        help="list the built-in card catalog",
        description="List the built-in card models. With -o yaml, print AccelCard objects for "
        "'kubectl apply -f -'.",
    )
    parser.add_argument("-o", "--output", choices=("table", "yaml", "json"), default="table")
    parser.set_defaults(run=run)


def _figure(value: float | int | None) -> str:
    if value is None:
        return "unknown"
    return f"{value:g}"


def _table(cards: list[AccelCard]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in (
        "NAME",
        "VENDOR",
        "MODEL",
        "RESOURCE",
        "MEM-GiB",
        "BF16-TFLOPS",
        "FP16-TFLOPS",
        "ECOSYSTEMS",
    ):
        table.add_column(column)
    table.add_column("LINK")
    table.add_column("VISIBLE-DEVICES-ENV")
    for card in cards:
        spec = card.spec
        link = spec.interconnect.name or "unknown"
        if spec.interconnect.link_group_size:
            link += f" x{spec.interconnect.link_group_size}"
        table.add_row(
            card.metadata.name,
            spec.vendor,
            spec.model,
            spec.resource_name,
            _figure(spec.memory_gib),
            _figure(spec.peak_tflops.bf16),
            _figure(spec.peak_tflops.fp16),
            ",".join(spec.ecosystems) or "unknown",
            link,
            spec.visible_devices_env or "-",
        )
    Console(width=250).print(table)


def catalog_yaml(cards: list[AccelCard]) -> str:
    return yaml.safe_dump_all([card.to_wire() for card in cards], sort_keys=False, width=200)


def run(args: argparse.Namespace) -> int:
    from accelfleet.api.catalog import builtin_cards

    cards = builtin_cards()
    if args.output == "yaml":
        print(catalog_yaml(cards), end="")
    elif args.output == "json":
        items = [card.to_wire() for card in cards]
        print(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}, indent=2))
    else:
        _table(cards)
    return 0
