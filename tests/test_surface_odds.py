"""Small PyTorch surface programs reach for: where(condition), Tensor.unfold, var_mean/std_mean,
pin_memory without an accelerator, interop threads, chainrule.version, Module.half/bfloat16/compile."""
import numpy as np
import pytest

import chainrule as cr
from conftest import assert_close, check_op, requires_torch, torch

A = np.random.default_rng(0).standard_normal((3, 7, 2))


def test_where_with_only_a_condition_is_nonzero_as_tuple():
    cond = cr.tensor([[True, False], [False, True]])
    rows, cols = cr.where(cond)
    assert rows.tolist() == [0, 1] and cols.tolist() == [0, 1]


@pytest.mark.parametrize("args", [(1, 3, 2), (1, 2, 1), (0, 3, 1), (-1, 1, 1), (1, 7, 3), (2, 2, 5)])
@requires_torch
def test_unfold_matches_pytorch(args):
    assert_close(cr.tensor(A).unfold(*args), torch.tensor(A).unfold(*args).numpy())


def test_unfold_gradient_sums_over_overlapping_windows():
    check_op(lambda x: x.unfold(1, 3, 2), [(3, 7, 2)], torch_fn=lambda x: x.unfold(1, 3, 2))


def test_unfold_errors():
    with pytest.raises(RuntimeError, match="maximum size"):
        cr.ones(4).unfold(0, 5, 1)
    with pytest.raises(RuntimeError, match="step"):
        cr.ones(4).unfold(0, 2, 0)


@pytest.mark.parametrize("name", ["var_mean", "std_mean"])
@pytest.mark.parametrize("args, kwargs", [((), {}), ((1,), {}), ((1,), {"keepdim": True}),
                                          ((), {"dim": (0, 2), "correction": 0})])
@requires_torch
def test_var_mean_and_std_mean_match_pytorch(name, args, kwargs):
    ours = getattr(cr, name)(cr.tensor(A), *args, **kwargs)
    theirs = getattr(torch, name)(torch.tensor(A), *args, **kwargs)
    for a, b in zip(ours, theirs):
        assert_close(a, b.numpy())


def test_pin_memory_needs_an_accelerator_as_in_pytorch():
    with pytest.raises(RuntimeError, match="accelerator"):
        cr.ones(2).pin_memory()
    assert cr.ones(2).is_pinned() is False


def test_interop_threads_and_version():
    cr.set_num_interop_threads(2)
    assert cr.get_num_interop_threads() == 2
    with pytest.raises(RuntimeError):
        cr.set_num_interop_threads(0)
    assert cr.version.cuda is None and cr.version.__version__ == cr.__version__


def test_module_half_and_compile_return_the_module():
    model = cr.nn.Linear(2, 2)
    assert model.half() is model and model.weight.dtype == cr.float16
    assert model.bfloat16() is model and model.weight.dtype == cr.bfloat16 and model.compile() is None
    assert model(cr.ones(1, 2, dtype=cr.bfloat16)).shape == (1, 2)


def test_size_arithmetic_and_slices_stay_sizes():
    s = cr.ones(2, 3).shape
    for combined in (s + (4,), (4,) + s, s + s, s * 2, s[1:]):
        assert type(combined) is cr.Size
    assert s + (4,) == (2, 3, 4) and (4,) + s == (4, 2, 3) and s[1:] == (3,) and s[-1] == 3
    assert type(s[0]) is int
