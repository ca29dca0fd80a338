from __future__ import annotations

import pytest

from accelfleet.api.catalog import builtin_card
from accelfleet.deviceplugin.profile import profile_from_object


def test_an_accelcard_api_object_becomes_a_profile() -> None:
    card = builtin_card("cambricon-mlu370-x8")
    assert card is not None
    obj = {**card.to_wire(), "metadata": {"name": "cambricon-mlu370-x8", "resourceVersion": "7", "uid": "u"}}
    profile = profile_from_object(obj)
    assert profile.name == "cambricon-mlu370-x8"
    assert profile.resource_name == "cambricon.com/mlu"
    assert profile.visible_devices_env == "CAMBRICON_VISIBLE_DEVICES"
    assert profile.link_group_size == 4


def test_an_invalid_accelcard_gives_a_one_line_reason() -> None:
    obj = {"apiVersion": "accelfleet.io/v1alpha1", "kind": "AccelCard", "metadata": {"name": "x"}, "spec": {}}
    with pytest.raises(ValueError, match=r"^invalid AccelCard \(spec\.vendor: .*\)$"):
        profile_from_object(obj)
