import pytest

from accelfleet.sim.nodes.quantity import format_count, parse_milli


@pytest.mark.parametrize(
    ("text", "milli"),
    [
        ("1", 1000),
        ("500m", 500),
        ("1.5", 1500),
        ("2Gi", 2 * 2**30 * 1000),
        ("512Mi", 512 * 2**20 * 1000),
        ("1k", 1_000_000),
        ("1e3", 1_000_000),
        ("0.1m", 1),
        (8, 8000),
    ],
)
def test_quantities_parse_to_exact_milli_units(text: object, milli: int) -> None:
    assert parse_milli(text) == milli


@pytest.mark.parametrize("text", ["", "1.2.3", "ten", "5Xi", True])
def test_malformed_quantities_are_refused(text: object) -> None:
    with pytest.raises(ValueError, match="quantities must match"):
        parse_milli(text)


def test_counts_render_as_plain_integers() -> None:
    assert format_count(8000) == "8"
    assert format_count(1500) == "1500m"
