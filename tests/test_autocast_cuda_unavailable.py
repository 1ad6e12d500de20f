"""torch.autocast("cuda") where there is no CUDA device: PyTorch warns and disables the region (dome272's DDPM
enters `torch.autocast("cuda") and ...` on any machine); compared with torch, whose CPU build has no CUDA."""
import warnings

import pytest

import chainrule as cr
from conftest import requires_torch, torch

pytestmark = [requires_torch, pytest.mark.skipif(cr.cuda.is_available(), reason="a CUDA device is present: "
                                                 "autocast('cuda') is then enabled, unlike CPU-only torch")]


def autocast_story(lib):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with lib.autocast("cuda"):
            cuda_on = lib.is_autocast_enabled("cuda")
        with lib.autocast("cuda", enabled=False):
            pass
        with lib.autocast("cpu"):
            cpu_on = lib.is_autocast_enabled("cpu")
    return cuda_on, cpu_on, [(w.category.__name__, str(w.message)) for w in caught]


def test_cuda_autocast_without_cuda_warns_and_is_disabled_as_torch():
    ours, theirs = autocast_story(cr), autocast_story(torch)
    assert ours == theirs
    assert ours[2] == [("UserWarning", "CUDA is not available or torch_xla is imported. Disabling autocast.")]
