"""Bad command lines end with one clear line and a non-zero exit, before anything starts."""

from __future__ import annotations

import pytest

from accelfleet.cli.main import main


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["deviceplugin"], "no node name"),
        (["deviceplugin", "--card", "no-such-card", "--count", "2"], "unknown card model 'no-such-card'"),
        (["deviceplugin", "--card", "huawei-ascend-910b"], "--card needs --count"),
        (["deviceplugin", "--card", "huawei-ascend-910b", "--count", "x"], "not a non-negative whole number"),
        (["deviceplugin", "--count", "2"], "need --card"),
        (["deviceplugin", "--node", "n1", "--pod-resources-interval", "0"], "not a positive, finite number"),
        (
            ["deviceplugin", "--node", "n1", "--pod-resources-interval", "inf"],
            "not a positive, finite number",
        ),
        (
            ["deviceplugin", "--node", "n1", "--kubeconfig", "/nonexistent/kubeconfig"],
            "cannot load kubeconfig",
        ),
    ],
)
def test_bad_input_is_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NODE_NAME", raising=False)
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert message in err
