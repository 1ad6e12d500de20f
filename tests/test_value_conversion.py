"""Values that must not change silently on the way in (issue 15, defect 5), checked against PyTorch:
bool bytes other than 0/1 from NumPy or a checkpoint, Python ints past int64, and NaN/inf/out-of-range
floats written into int64."""
import math

import numpy as np
import pytest

import chainrule
from tests.conftest import requires_torch, torch


def odd_bools():
    """A bool array whose bytes are 2, 1, 255: all True to NumPy, but not 0/1 in memory."""
    return np.array([2, 1, 255], dtype=np.uint8).view(np.bool_)


# ---- bool bytes other than 0/1 --------------------------------------------------------------

@requires_torch
@pytest.mark.parametrize("make", ["from_numpy", "tensor", "as_tensor"])
def test_odd_bool_bytes_are_true(make):
    ours, theirs = getattr(chainrule, make)(odd_bools()), getattr(torch, make)(odd_bools())
    assert ours.sum().item() == theirs.sum().item() == 3
    assert (~ours).tolist() == (~theirs).tolist() == [False, False, False]
    assert ours.long().tolist() == theirs.long().tolist() == [1, 1, 1]


def test_from_numpy_keeps_sharing_memory():
    # The bytes are made 0/1 in place (the bools NumPy sees do not change), so writes still show.
    a = odd_bools()
    t = chainrule.from_numpy(a)
    assert a.tolist() == [True, True, True]
    t[0] = False
    assert a.tolist() == [False, True, True]


def test_tensor_copies_without_touching_the_array():
    a = odd_bools()
    assert chainrule.tensor(a).sum().item() == 3
    assert a.view(np.uint8).tolist() == [2, 1, 255]


def test_read_only_odd_bools_are_copied():
    a = odd_bools()
    a.flags.writeable = False
    assert chainrule.from_numpy(a).sum().item() == 3
    assert a.view(np.uint8).tolist() == [2, 1, 255]


def test_odd_bools_from_a_safetensors_file(tmp_path):
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    path = str(tmp_path / "m.safetensors")
    safetensors_numpy.save_file({"mask": np.ascontiguousarray(odd_bools())}, path)
    mask = chainrule.load(path)["mask"]
    assert mask.sum().item() == 3 and (~mask).tolist() == [False, False, False]


@requires_torch
def test_odd_bools_from_a_torch_checkpoint(tmp_path):
    path = str(tmp_path / "m.pt")
    torch.save({"mask": torch.from_numpy(odd_bools())}, path)
    mask = chainrule.load(path)["mask"]
    assert mask.sum().item() == torch.load(path)["mask"].sum().item() == 3
    assert (~mask).tolist() == [False, False, False]
