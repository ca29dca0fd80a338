from __future__ import annotations

import pytest

from accelfleet.deviceplugin.resource_name import resource_name_problem


@pytest.mark.parametrize(
    "name",
    ["huawei.com/Ascend910", "cambricon.com/mlu", "nvidia.com/gpu", "metax-tech.com/gpu", "a.b/c_d.e-f"],
)
def test_vendor_names_are_accepted(name: str) -> None:
    assert resource_name_problem(name) is None


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("gpu", "no domain prefix"),
        ("kubernetes.io/gpu", "kubernetes.io"),
        ("foo.kubernetes.io/gpu", "kubernetes.io"),
        ("requests.vendor.com/gpu", "requests."),
        ("Vendor.com/gpu", "lower-case DNS subdomain"),
        ("vendor.com/", "at most 63"),
        ("vendor.com/-gpu", "at most 63"),
        ("vendor.com/" + "g" * 64, "at most 63"),
        ("vendor.com/a/b", "more than one"),
    ],
)
def test_names_the_kubelet_refuses_are_explained(name: str, reason: str) -> None:
    problem = resource_name_problem(name)
    assert problem is not None
    assert reason in problem
