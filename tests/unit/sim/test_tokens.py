"""ServiceAccount tokens carry a ServiceAccount's identity until they expire, and only for the API."""

from __future__ import annotations

from accelfleet.sim.tokens import API_AUDIENCE, Tokens


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def test_an_issued_token_names_the_service_account_and_its_groups() -> None:
    tokens = Tokens("admin-token", Clock())
    token, issued = tokens.issue("af-system", "operator", "uid-1", 3600, (API_AUDIENCE,))
    found = tokens.service_account(token)
    assert found == issued
    assert found.user.name == "system:serviceaccount:af-system:operator"
    assert found.user.groups == (
        "system:serviceaccounts",
        "system:serviceaccounts:af-system",
        "system:authenticated",
    )
    assert found.user.uid == "uid-1"
    assert tokens.is_admin("admin-token") and not tokens.is_admin(token)
    assert tokens.service_account("admin-token") is None


def test_tokens_expire_and_tokens_for_other_audiences_are_not_for_the_api() -> None:
    clock = Clock()
    tokens = Tokens("admin-token", clock)
    token, _ = tokens.issue("ns", "sa", "uid", 600, (API_AUDIENCE,))
    vault, _ = tokens.issue("ns", "sa", "uid", 600, ("vault",))
    assert tokens.service_account(vault) is None
    clock.now += 599
    assert tokens.service_account(token) is not None
    clock.now += 1
    assert tokens.service_account(token) is None
    assert tokens.service_account("never-issued") is None
