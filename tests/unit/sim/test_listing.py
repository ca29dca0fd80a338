import pytest

from accelfleet.sim.apiserver.listing import decode_continue, paginate
from accelfleet.sim.store import BadRequestError


def objs(n: int) -> list[dict[str, object]]:
    return [{"metadata": {"namespace": "default", "name": f"p{i:04d}"}} for i in range(n)]


def test_pages_cover_every_item_once_and_keep_the_first_resource_version() -> None:
    items = objs(25)
    seen: list[str] = []
    token = None
    while True:
        page = paginate(items, "100", 10, token, count_remaining=True)
        seen += [o["metadata"]["name"] for o in page.items]  # type: ignore[index]
        assert page.resource_version == "100"
        if page.continue_token is None:
            break
        assert page.remaining == 25 - len(seen)
        token = page.continue_token
    assert seen == [f"p{i:04d}" for i in range(25)]


def test_unlimited_list_has_no_continue() -> None:
    page = paginate(objs(3), "7", None, None, count_remaining=True)
    assert page.continue_token is None and len(page.items) == 3


def test_garbage_continue_token_is_a_bad_request() -> None:
    with pytest.raises(BadRequestError):
        decode_continue("not-a-token")
