"""The layout of elementwise results against PyTorch's (core/output_layout.h): an op on a permuted
tensor is permuted the same way, so `.permute` back is contiguous and `.view` works as in PyTorch;
contiguous inputs give contiguous results; broadcast operands defer to the others."""
import numpy as np
import pytest

import chainrule as cr
from conftest import requires_torch, torch

SHAPE = (2, 3, 4, 5)

# Each case: a function of (lib, x) with x a contiguous tensor of SHAPE; it returns an op result.
CASES = {
    "unary of permuted": lambda lib, x: x.permute(0, 2, 3, 1).exp(),
    "scalar times permuted": lambda lib, x: x.permute(0, 2, 3, 1) * 2,
    "transposed plus one": lambda lib, x: x.transpose(1, 3) + 1,
    "permuted plus bias": lambda lib, x: x.permute(0, 2, 3, 1) + lib.ones(3),
    "bias plus permuted": lambda lib, x: lib.ones(3) + x.permute(0, 2, 3, 1),
    "permuted plus contiguous": lambda lib, x: x.permute(0, 2, 3, 1) + x.permute(0, 2, 3, 1).contiguous(),
    "contiguous plus permuted": lambda lib, x: x.permute(0, 2, 3, 1).contiguous() + x.permute(0, 2, 3, 1),
    "two permutations": lambda lib, x: x.permute(3, 2, 1, 0) * x.permute(3, 1, 2, 0).contiguous().permute(0, 2, 1, 3),
    "strided slice": lambda lib, x: x[:, :, ::2].sin(),
    "strided transposed slice": lambda lib, x: x.transpose(0, 2)[::2].relu(),
    "expanded": lambda lib, x: x[:, :1].expand(2, 3, 4, 5) - x,
    "size-one dims": lambda lib, x: x[:, :1, :, :1].permute(3, 0, 2, 1) * 3,
    "comparison": lambda lib, x: x.permute(0, 2, 3, 1) > 0,
    "empty": lambda lib, x: x[:, :0].permute(0, 2, 3, 1).neg(),
    "matrix transpose": lambda lib, x: x[0, 0].t() * x[0, 0].t(),
}


@requires_torch
@pytest.mark.parametrize("case", CASES, ids=str)
def test_result_strides_are_pytorchs(case):
    array = np.random.default_rng(0).normal(size=SHAPE).astype(np.float32)
    ours, theirs = CASES[case](cr, cr.tensor(array)), CASES[case](torch, torch.tensor(array))
    assert ours.shape == tuple(theirs.shape)
    assert ours.stride() == theirs.stride()
    assert ours.is_contiguous() == theirs.is_contiguous()
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


@requires_torch
def test_a_program_permutes_back_and_views():
    """(x.permute(0, 2, 3, 1) * 2).permute(0, 3, 1, 2).view(2, -1): PyTorch keeps the permuted layout,
    so the permute back is contiguous and the view works."""
    for lib in (cr, torch):
        x = lib.arange(24.0).reshape(2, 3, 2, 2)
        y = (x.permute(0, 2, 3, 1) * 2).permute(0, 3, 1, 2)
        assert y.is_contiguous()
        assert y.view(2, -1).tolist() == (x * 2).view(2, -1).tolist()


def test_gradients_through_permuted_results():
    x = cr.randn(2, 3, 4, dtype=cr.float64, requires_grad=True)
    assert cr.autograd.gradcheck(lambda t: (t.permute(2, 0, 1).sin() * t.permute(2, 0, 1)).permute(1, 2, 0), (x,))
    y = (x.transpose(0, 2) * 3).sum()
    y.backward()
    assert x.grad.shape == x.shape and x.grad.is_contiguous()
    np.testing.assert_allclose(x.grad.numpy(), 3.0)


def test_in_place_ops_on_permuted_results_keep_their_values():
    x = cr.arange(24.0).reshape(2, 3, 4)
    y = x.permute(2, 0, 1) + 0
    y.mul_(2).add_(x.permute(2, 0, 1))
    np.testing.assert_array_equal(y.numpy(), x.numpy().transpose(2, 0, 1) * 3)
    np.testing.assert_array_equal(y.contiguous().view(-1).numpy(), (x.numpy().transpose(2, 0, 1) * 3).reshape(-1))
