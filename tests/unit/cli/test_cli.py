"""The command line answers a newcomer's mistakes with one line, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "accelfleet", *args], capture_output=True, text=True, timeout=60
    )


def test_help_lists_the_commands() -> None:
    result = _run("--help")
    assert result.returncode == 0
    assert "catalog" in result.stdout and "crds" in result.stdout


def test_bad_flag_is_one_line() -> None:
    result = _run("catalog", "--frobnicate")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "unrecognized arguments: --frobnicate" in result.stderr


def test_unknown_command_is_one_line() -> None:
    result = _run("launch")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1


def test_missing_directory_is_one_line(tmp_path: Path) -> None:
    result = _run("crds", "--check", "--dir", str(tmp_path / "absent"))
    assert result.returncode == 1
    assert result.stderr.strip().endswith("is not a directory")
    assert "Traceback" not in result.stderr


def test_catalog_table_and_yaml() -> None:
    table = _run("catalog")
    assert table.returncode == 0
    assert "huawei-ascend-910b" in table.stdout and "unknown" in table.stdout
    manifests = list(yaml.safe_load_all(_run("catalog", "-o", "yaml").stdout))
    assert all(doc["kind"] == "AccelCard" for doc in manifests)
