"""Run benchmarks by name, print their figures, and record them with the machine they ran on.

A benchmark is any module ``bench/<name>.py`` exposing ``run(quick: bool) -> dict``; nothing here needs
to change when one is added. ``--json`` prints each result as one JSON document per line (exactly the
dict the benchmark returned); otherwise scalar figures print as ``key: value`` and every list of
records as a table.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import json
import os
import platform
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.datasets import DataUnavailable

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"


def available() -> list[str]:
    """Benchmark names: the public modules of this package that define ``run`` (helpers do not)."""
    return sorted(
        path.stem
        for path in BENCH_DIR.glob("*.py")
        if not path.stem.startswith("_") and "\ndef run(" in path.read_text()
    )


def machine() -> dict[str, Any]:
    return {
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
    }


def git_commit() -> str | None:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=BENCH_DIR,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.strip() or None


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def render(name: str, result: dict[str, Any]) -> str:
    """A human view of any result: scalars first, then one table per list of records."""
    lines = [f"== {name}"]
    tables: list[tuple[str, list[dict[str, Any]]]] = []
    for key, value in result.items():
        if isinstance(value, list) and value and all(isinstance(row, dict) for row in value):
            tables.append((key, value))
        else:
            lines.append(
                f"{key}: {_cell(value) if not isinstance(value, dict | list) else json.dumps(value)}"
            )
    for key, rows in tables:
        columns = list(dict.fromkeys(column for row in rows for column in row))
        cells = [[_cell(row.get(column, "")) for column in columns] for row in rows]
        widths = [max(len(column), *(len(line[i]) for line in cells)) for i, column in enumerate(columns)]
        lines.append(f"{key}:")
        lines.append(
            "  " + "  ".join(column.rjust(width) for column, width in zip(columns, widths, strict=True))
        )
        for line in cells:
            lines.append(
                "  " + "  ".join(cell.rjust(width) for cell, width in zip(line, widths, strict=True))
            )
    return "\n".join(lines)


def record(name: str, result: dict[str, Any], quick: bool, results_dir: Path) -> Path:
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / f"{name}.json"
    document = {
        "benchmark": name,
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "git_commit": git_commit(),
        "machine": machine(),
        "quick": quick,
        "result": result,
    }
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path


def main(argv: Sequence[str] | None = None) -> int:
    names = available()
    parser = argparse.ArgumentParser(prog="python -m bench", description="Run accelfleet benchmarks.")
    parser.add_argument("names", nargs="+", metavar="NAME", help=f"benchmarks to run: {', '.join(names)}")
    parser.add_argument(
        "--quick", action="store_true", help="smaller sizes and fewer repetitions (smoke runs)"
    )
    parser.add_argument("--json", action="store_true", help="print each result as one JSON line")
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR, help="where <name>.json is written")
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name.replace("-", "_") not in names]
    if unknown:
        sys.stderr.write(
            f"python -m bench: error: unknown benchmark {', '.join(unknown)} (have: {', '.join(names)})\n"
        )
        return 2
    status = 0
    for name in [given.replace("-", "_") for given in args.names]:
        try:
            result: dict[str, Any] = importlib.import_module(f"bench.{name}").run(quick=args.quick)
        except DataUnavailable as missing:
            sys.stderr.write(f"python -m bench {name}: {missing}\n")
            status = 1
            continue
        path = record(name, result, args.quick, args.results_dir)
        if args.json:
            sys.stdout.write(json.dumps(result) + "\n")
        else:
            sys.stdout.write(render(name, result) + f"\n(recorded in {path})\n")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
