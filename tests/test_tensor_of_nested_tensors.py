"""tensor() of lists that hold tensors reads each tensor as one number of its dtype, as PyTorch does:
minimalRL's ppo-continuous.py stores shape-(1,) action tensors and batches them with
torch.tensor(a_batch), which must give (32, 3, 1), not (32, 3, 1, 1)."""
import numpy as np
import pytest

import chainrule as cr
from conftest import assert_same_error, requires_torch, torch


def _cases(lib):
    return [
        [lib.tensor([0.5]), lib.tensor([1.5])],
        [[lib.tensor([1.0])], [lib.tensor(2.0)]],
        [[[lib.tensor([0.5])]] * 3] * 2,
        [lib.tensor([[1.0]]), lib.tensor([[3.0]])],
        [lib.tensor(1), 2.5],
        [lib.tensor(1.5), 2],
        (lib.tensor(1), lib.tensor(2)),
        [lib.tensor([True])],
        [lib.tensor([1.0], dtype=lib.float64)],
        [lib.tensor(2.0, dtype=lib.float64), 1.0],
        [np.array([1.0]), [lib.tensor(2.0)]],
    ]


@requires_torch
@pytest.mark.parametrize("case", range(len(_cases(cr))))
def test_tensors_in_a_list_are_numbers_like_pytorchs(case):
    got, want = cr.tensor(_cases(cr)[case]), torch.tensor(_cases(torch)[case])
    assert tuple(got.shape) == tuple(want.shape)
    assert str(got.dtype).split(".")[1] == str(want.dtype).split(".")[1]
    assert got.tolist() == want.tolist()


@requires_torch
def test_a_tensor_of_several_values_in_a_list_is_pytorchs_error():
    def build(lib):
        return lambda: lib.tensor([lib.tensor([1.0, 2.0]), lib.tensor([3.0, 4.0])])

    assert_same_error(build(cr), build(torch))


def test_a_graph_tensor_in_a_list_gives_a_leaf():
    x = cr.tensor(1.5, requires_grad=True)
    out = cr.tensor([x * 2, x])
    assert out.tolist() == [3.0, 1.5] and not out.requires_grad
