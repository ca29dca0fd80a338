"""docs/reference.md stays what the models generate."""

from __future__ import annotations

from pathlib import Path

from accelfleet.cli.views.reference_doc import reference_markdown

REFERENCE = Path(__file__).resolve().parents[3] / "docs" / "reference.md"


def test_checked_in_reference_is_current() -> None:
    assert REFERENCE.read_text() == reference_markdown(), (
        "docs/reference.md is stale: run python -m accelfleet.cli.views.reference_doc docs/reference.md"
    )


def test_reference_covers_every_kind_and_field_constraint() -> None:
    text = reference_markdown()
    for heading in (
        "## AccelCard",
        "## ScaleXPlatform",
        "## AIJob",
        "### AIJob `spec`",
        "### AIJob `status`",
    ):
        assert heading in text
    assert "| `spec.replicas` | integer | yes |  | >= 1; <= 100000 |" in text
    assert "gang.minAvailable must not exceed replicas" in text
    assert "| `ANNOTATION_SIM_DURATION` | `accelfleet.io/sim-duration` |" in text
