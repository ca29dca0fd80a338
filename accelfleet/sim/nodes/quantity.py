"""Kubernetes resource quantities as exact integers.

The scheduler and the kubelet compare requests with allocatable amounts; doing that in exact
milli-units (``"1500m"`` cpu -> 1500, ``"2Gi"`` -> 2 * 2**30 * 1000) avoids float rounding making a
pod that fits exactly look one byte too large.
"""

from __future__ import annotations

import functools
import re
from fractions import Fraction

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {"n": Fraction(1, 10**9), "u": Fraction(1, 10**6), "m": Fraction(1, 1000), "": Fraction(1)}
_DECIMAL.update({"k": Fraction(10**3), "M": Fraction(10**6), "G": Fraction(10**9)})
_DECIMAL.update({"T": Fraction(10**12), "P": Fraction(10**15), "E": Fraction(10**18)})

_QUANTITY = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$")


def parse_milli(value: object) -> int:
    """Return the quantity in milli-units, rounded up like the API server rounds requests.

    Raises ValueError for anything that is not a Kubernetes quantity.
    """
    if isinstance(value, bool):
        raise ValueError(f"quantities must match the regular expression, got {value!r}")
    if isinstance(value, int):
        return value * 1000
    if isinstance(value, float):
        return _ceil(Fraction(value) * 1000)
    if not isinstance(value, str):
        raise ValueError(f"quantities must match the regular expression, got {value!r}")
    return _parse_text(value)


@functools.lru_cache(maxsize=4096)
def _parse_text(value: str) -> int:
    if value.isdigit():
        return int(value) * 1000
    match = _QUANTITY.match(value.strip())
    if match is None:
        raise ValueError(f"quantities must match the regular expression, got {value!r}")
    number, exponent, suffix = match.groups()
    amount = Fraction(number)
    if exponent:
        amount *= Fraction(10) ** int(exponent[1:])
    elif suffix in _BINARY:
        amount *= _BINARY[suffix]
    else:
        amount *= _DECIMAL[suffix or ""]
    return _ceil(amount * 1000)


def format_count(milli: int) -> str:
    """Render a whole-unit amount as the API server does for counts (``"8"``), else in milli-units."""
    return str(milli // 1000) if milli % 1000 == 0 else f"{milli}m"


def _ceil(value: Fraction) -> int:
    return -((-value.numerator) // value.denominator)
