"""The chart ships exactly the CRDs, catalog and preset platforms the code generates.

``hack/update-generated.sh`` refreshes the copies; these tests fail when someone forgets to run it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.chart import CHART_DIR, REPO_ROOT, Manifest, load_documents, of_kind, render

HINT = "run hack/update-generated.sh"


def test_chart_crds_are_identical_to_crds_dir() -> None:
    source = sorted(p.name for p in (REPO_ROOT / "crds").glob("*.yaml"))
    copies = sorted(p.name for p in (CHART_DIR / "crds").glob("*.yaml"))
    assert copies == source, HINT
    for name in source:
        assert (CHART_DIR / "crds" / name).read_bytes() == (REPO_ROOT / "crds" / name).read_bytes(), HINT


@pytest.mark.parametrize(
    ("copy", "source"),
    [
        ("files/catalog.yaml", "examples/catalog.yaml"),
        ("files/platforms/small.yaml", "examples/platforms/small.yaml"),
        ("files/platforms/scnet.yaml", "examples/platforms/scnet.yaml"),
    ],
)
def test_chart_files_are_identical_to_examples(copy: str, source: str) -> None:
    assert (CHART_DIR / copy).read_bytes() == (REPO_ROOT / source).read_bytes(), HINT


def _key(obj: Manifest) -> tuple[str, str]:
    return (obj["kind"], obj["metadata"]["name"])


def _same_objects(rendered: list[Manifest], source: Path) -> None:
    """The rendered objects are the file's objects, plus the release's labels."""
    expected = {_key(obj): obj for obj in load_documents(source)}
    got = {_key(obj): obj for obj in rendered}
    assert got.keys() == expected.keys()
    for key, obj in got.items():
        want = expected[key]
        assert obj["spec"] == want["spec"], key
        assert obj["metadata"].get("annotations") == want["metadata"].get("annotations"), key
        labels = obj["metadata"]["labels"]
        assert labels["app.kubernetes.io/managed-by"] == "Helm"
        assert want["metadata"].get("labels", {}).items() <= labels.items()


def test_catalog_is_installed_by_default_as_the_generated_accelcards() -> None:
    _same_objects(of_kind(render(), "AccelCard"), REPO_ROOT / "examples" / "catalog.yaml")


def test_catalog_can_be_left_out() -> None:
    assert of_kind(render("catalog.install=false"), "AccelCard") == []


def test_platforms_are_not_installed_by_default() -> None:
    assert of_kind(render(), "ScaleXPlatform") == []


@pytest.mark.parametrize("preset", ["small", "scnet"])
def test_platform_preset_installs_the_example_platforms(preset: str) -> None:
    rendered = of_kind(render("platforms.install=true", f"platforms.preset={preset}"), "ScaleXPlatform")
    _same_objects(rendered, REPO_ROOT / "examples" / "platforms" / f"{preset}.yaml")


def test_inline_platforms_replace_the_preset() -> None:
    rendered = of_kind(
        render(
            "platforms.install=true",
            "platforms.items[0].name=lab",
            "platforms.items[0].spec.site=my-lab",
        ),
        "ScaleXPlatform",
    )
    assert [(p["metadata"]["name"], p["spec"]) for p in rendered] == [("lab", {"site": "my-lab"})]
