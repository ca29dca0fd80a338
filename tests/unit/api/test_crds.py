"""The CRDs are generated from the models, structural, and the checked-in copies are current."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from accelfleet.api.crdgen import KINDS, rendered_files
from accelfleet.cli.main import main

REPO = Path(__file__).resolve().parents[3]
CRD_DIR = REPO / "crds"


def _walk(node: Any, path: str = "") -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(node, dict):
        found.append((path, node))
        for key, value in node.get("properties", {}).items():
            found.extend(_walk(value, f"{path}.{key}"))
        if isinstance(node.get("items"), dict):
            found.extend(_walk(node["items"], f"{path}[]"))
        if isinstance(node.get("additionalProperties"), dict):
            found.extend(_walk(node["additionalProperties"], f"{path}{{}}"))
    return found


def test_checked_in_crds_are_current() -> None:
    assert main(["crds", "--dir", str(CRD_DIR), "--check"]) == 0


def test_check_reports_a_stale_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(CRD_DIR, tmp_path / "crds")
    stale = tmp_path / "crds" / "accelfleet.io_aijobs.yaml"
    stale.write_text(stale.read_text().replace("minimum: 1", "minimum: 2", 1))
    assert main(["crds", "--dir", str(tmp_path / "crds"), "--check"]) == 1
    assert "accelfleet.io_aijobs.yaml: out of date" in capsys.readouterr().out


def test_generation_writes_every_crd(tmp_path: Path) -> None:
    assert main(["crds", "--dir", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(rendered_files())


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.kind)
def test_schema_is_structural(kind: Any) -> None:
    crd = yaml.safe_load(rendered_files()[kind.file_name])
    schema = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    for path, node in _walk(schema):
        assert "$ref" not in node and "anyOf" not in node and "allOf" not in node, path
        assert "type" in node or node.get("x-kubernetes-preserve-unknown-fields"), f"untyped node at {path}"
        assert node.get("additionalProperties") is not False, path
        assert not ("properties" in node and "additionalProperties" in node), path
        assert node.get("default", 0) is not None, f"null default at {path}"


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.kind)
def test_crd_names_columns_and_status(kind: Any) -> None:
    spec = yaml.safe_load(rendered_files()[kind.file_name])["spec"]
    assert spec["names"]["categories"] == ["accelfleet"]
    assert spec["names"]["shortNames"] == [kind.short_name]
    version = spec["versions"][0]
    assert version["subresources"] == {"status": {}}
    names = [column["name"] for column in version["additionalPrinterColumns"] if "priority" not in column]
    assert names[-1] == "Age"


def test_printer_columns_match_the_design() -> None:
    expected = {
        "AccelCard": ["Vendor", "Model", "Resource", "Total", "Healthy", "Allocated", "Age"],
        "ScaleXPlatform": ["Site", "SuperNodes", "Nodes", "Cards", "Allocated", "BF16-PFLOPS", "Age"],
        "AIJob": ["Phase", "Model", "Cards", "Platform", "Ready", "Age"],
    }
    for kind in KINDS:
        version = yaml.safe_load(rendered_files()[kind.file_name])["spec"]["versions"][0]
        columns = [c["name"] for c in version["additionalPrinterColumns"] if "priority" not in c]
        assert columns == expected[kind.kind]


def test_spec_defaults_reach_nested_objects() -> None:
    crd = yaml.safe_load(rendered_files()["accelfleet.io_aijobs.yaml"])
    spec = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]
    assert spec["topology"]["default"] == {}
    assert spec["topology"]["properties"]["scope"]["default"] == "supernode"
    assert spec["topology"]["properties"]["mode"]["default"] == "preferred"
    assert spec["gang"]["properties"]["timeoutSeconds"]["default"] == 300
    assert spec["backoffLimit"]["default"] == 3


def test_status_schema_has_no_defaults() -> None:
    for kind in KINDS:
        crd = yaml.safe_load(rendered_files()[kind.file_name])
        status = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["status"]
        assert all("default" not in node for _, node in _walk(status))
