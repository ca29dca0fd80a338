"""Entry point of the ``accelfleet`` command.

Subcommands live in their own modules and import their heavy dependencies (kopf, grpc, the
kubernetes client) only when they run, so ``accelfleet --help`` stays instant.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import NoReturn

from accelfleet import __version__
from accelfleet.cli.errors import CLIError

# Each module defines ``register(subparsers)``; the order here is the order in ``--help``.
SUBCOMMAND_MODULES: tuple[str, ...] = (
    "accelfleet.cli.sim",
    "accelfleet.cli.operator",
    "accelfleet.cli.deviceplugin",
    "accelfleet.cli.catalog",
    "accelfleet.cli.crds",
    "accelfleet.cli.demo",
    "accelfleet.cli.top",
    "accelfleet.cli.explain",
)


class OneLineParser(argparse.ArgumentParser):
    """Reports usage mistakes in one line, pointing at ``--help`` instead of dumping usage."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: error: {message} (see '{self.prog} --help')\n")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="accelfleet",
        description="Topology-aware gang scheduling for mixed AI-accelerator fleets on Kubernetes.",
    )
    parser.add_argument("--version", action="version", version=f"accelfleet {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    subparsers.required = True
    for module_name in SUBCOMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result: int = args.run(args)
    except CLIError as err:
        sys.stderr.write(f"accelfleet {args.command}: error: {err}\n")
        return err.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("accelfleet: interrupted\n")
        return 130
    return result


if __name__ == "__main__":
    raise SystemExit(main())
