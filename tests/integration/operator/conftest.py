"""One simulated 'small' fleet for the whole operator suite: starting it (and its device-plugin
processes) costs far more than any single scenario, so every test uses fresh job names."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.operator.harness import Fleet, wait_for
from tests.support.sim import running_sim

SMALL_FLEET_CARDS = 96


@pytest.fixture(scope="package")
def fleet() -> Iterator[Fleet]:
    with running_sim("small") as sim:
        api = sim.api_client()
        try:
            handle = Fleet(sim, api)
            handle.install()
            wait_for(
                "every device plugin to advertise its cards",
                lambda: handle.cards_advertised() >= SMALL_FLEET_CARDS,
                timeout=240,
                every=1.0,
            )
            yield handle
        finally:
            api.close()
