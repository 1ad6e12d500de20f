"""torch.utils.backcompat's warning switches exist and hold what is set, as in PyTorch
(ikostrikov/pytorch-trpo's main.py starts with torch.utils.backcompat.broadcast_warning.enabled = True)."""
import pytest

import chainrule as cr
from conftest import requires_torch, torch


@requires_torch
@pytest.mark.parametrize("name", ["broadcast_warning", "keepdim_warning"])
def test_backcompat_switches_hold_their_value_like_pytorch(name):
    ours, theirs = getattr(cr.utils.backcompat, name), getattr(torch.utils.backcompat, name)
    assert ours.enabled is theirs.enabled is False
    try:
        ours.enabled = theirs.enabled = True
        assert ours.enabled is theirs.enabled is True
        assert ours.get_enabled() is True
        ours.set_enabled(0)
        assert ours.enabled is False
    finally:
        ours.enabled = theirs.enabled = False


def test_backcompat_switches_change_no_result():
    cr.utils.backcompat.broadcast_warning.enabled = True
    try:
        assert (cr.ones(4) + cr.ones(4, 1)).shape == (4, 4)
    finally:
        cr.utils.backcompat.broadcast_warning.enabled = False
