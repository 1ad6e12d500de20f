"""Tensor.untyped_storage() and Tensor.storage() against PyTorch: which tensors share memory, the
storage's size in bytes and elements, and its whole contents (not just the view's)."""
import warnings

import pytest

import chainrule as cr
from conftest import requires_torch, torch

pytestmark = requires_torch


def facts(lib):
    x = lib.arange(6.0)
    y, z = x[2:], x.clone()
    s = x.untyped_storage()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # TypedStorage is deprecated, in both
        typed = y.storage()
        u = lib.tensor([7, 255, 3], dtype=lib.uint8)
        return [
            s.data_ptr() == y.untyped_storage().data_ptr(), s.data_ptr() == z.untyped_storage().data_ptr(),
            s.nbytes(), s.size(), len(s), s.element_size(), s.device.type, s.is_cuda,
            typed.size(), len(typed), typed.data_ptr() == x.data_ptr(), typed.tolist(), typed.element_size(),
            typed.nbytes(), str(typed.dtype).split(".")[-1],
            x.view(2, 3).t().storage().tolist(), y.untyped_storage().tolist()[:8],
            u.storage().tolist(), u.untyped_storage().nbytes(), u[1:].untyped_storage().tolist(),
            repr(u.untyped_storage()).replace("torch.", "chainrule."),
        ]


def test_storages_as_pytorch():
    assert facts(cr) == facts(torch)


def storage_warnings(lib, flag_owner, flag):
    """The deprecation warnings of three storage() calls in a fresh process state (the flag reset)."""
    setattr(flag_owner, flag, False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(3):
            lib.ones(2).storage()
    return [str(w.message).split(".")[0] for w in caught]


def test_storage_warns_once_as_pytorch():
    import chainrule._storage
    import torch.storage
    ours = storage_warnings(cr, chainrule._storage, "_typed_storage_warned")
    theirs = storage_warnings(torch, torch.storage._warn_typed_storage_removal, "has_warned")
    assert ours == theirs == ["TypedStorage is deprecated"]


def element_access(lib):
    """Reading and writing storage elements, as Deep Learning with PyTorch's chapter 3 does."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        points = lib.tensor([[1.0, 4.0], [2.0, 1.0], [3.0, 5.0]])
        storage = points.t().storage()
        first, last = storage[0], storage[-1]
        storage[0] = 2.0
        storage[2:4] = 7
        row = points[2]
        row.storage()[5] = 9.0
        values = list(storage)
        ints = lib.tensor([1, 2]).storage()
        int_item = ints[1]
        ints.fill_(3)
        return [first, type(first).__name__, last, points.tolist(), values, int_item, type(int_item).__name__,
                ints.tolist(), lib.tensor([True]).storage()[0]]


def test_storage_element_access_as_pytorch():
    assert element_access(cr) == element_access(torch)


@pytest.mark.parametrize("index, error", [(6, IndexError), (-7, IndexError), (1.0, RuntimeError),
                                          ("a", RuntimeError), (slice(0, 2), RuntimeError)])
def test_storage_bad_index_raises_as_pytorch(index, error):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for lib in (cr, torch):
            with pytest.raises(error):
                lib.zeros(3, 2).storage()[index]
