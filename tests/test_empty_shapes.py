"""Tensors with a 0-size dim, checked against PyTorch: reductions over an empty dim return the
empty identities (sum 0, prod 1, all True, any False, mean/var/std NaN) and amax/amin raise; layers
and cumsum differentiate on an empty batch; matmul differentiates with a 0 in any place.

The reductions once killed the interpreter (SIGFPE, issue 15), so they run in a child process:
a regression fails these tests instead of ending the pytest run."""
import inspect
import warnings

import pytest

import chainrule as cr
from child_process import run_in_child, torch_outcome
from conftest import assert_close, requires_torch, torch

pytestmark = requires_torch

def value_of(outcome, case):
    """The child's result, failing the test with the exception it raised instead."""
    assert outcome[0] == "value", f"{case}: raised {outcome[1]}: {outcome[2]}"
    return outcome[1]


def assert_same_outcome(ours, theirs, case):
    """Same values, shape and dtype; or, where PyTorch raises, a Python exception here too."""
    if theirs[0] == "error":
        assert ours[0] == "error", f"{case}: PyTorch raises {theirs[1]}: {theirs[2]}; we returned {ours[1]}"
        return
    got, want = value_of(ours, case), theirs[1]
    assert got.dtype == want.dtype, f"{case}: dtype {got.dtype} != {want.dtype}"
    assert_close(got, want)


# ---- Reductions ---------------------------------------------------------------------------------

REDUCTIONS = ["sum", "prod", "mean", "var", "std", "norm", "all", "any", "amax", "amin", "logsumexp"]
SHAPES = [(0, 8), (0, 17), (3, 0, 9)]  # 8+ kept columns: the column layout of the reduce kernel
DTYPES = ["float32", "float64", "int64", "bool"]


def reduction_cases(op):
    dims = lambda shape: [*range(len(shape)), *([None] if op != "logsumexp" else [])]
    return [(op, shape, dim, dtype) for shape in SHAPES for dim in dims(shape) for dtype in DTYPES]


def reduce_with(module, case):
    """The reduction `case` of a zeros tensor, computed by module (chainrule or torch)."""
    op, shape, dim, dtype = case
    x = module.zeros(shape, dtype=getattr(module, dtype))
    return getattr(x, op)() if dim is None else getattr(x, op)(dim=dim)


REDUCE_IN_CHILD = inspect.getsource(reduce_with) + "def compute(case):\n    return reduce_with(cr, case).numpy()\n"


@pytest.mark.parametrize("op", REDUCTIONS)
def test_reduction_over_an_empty_dim_matches_pytorch(op):
    cases = reduction_cases(op)
    for case, ours in zip(cases, run_in_child(REDUCE_IN_CHILD, cases)):
        theirs = torch_outcome(lambda: reduce_with(torch, case).numpy())
        assert_same_outcome(ours, theirs, case)


@pytest.mark.parametrize("op", ["amax", "amin"])
def test_extreme_of_an_empty_dim_is_an_index_error(op):
    ours = run_in_child(REDUCE_IN_CHILD, [(op, (0, 8), 0, "float32")])[0]
    assert ours[:2] == ("error", "IndexError")
    assert op in ours[2] and "size 0" in ours[2]


# ---- Backward on an empty batch -------------------------------------------------------------------

BACKWARD_IN_CHILD = """
def compute(case):
    layer, batch_shape = case
    cr.manual_seed(0)
    module = cr.nn.Linear(3, 8) if layer == "Linear" else cr.nn.Conv1d(3, 8, 3)
    x = cr.zeros(batch_shape, requires_grad=True)
    y = module(x)
    y.sum().backward()
    return y.detach().numpy(), x.grad.numpy(), module.weight.grad.numpy(), module.bias.grad.numpy()
"""


@pytest.mark.parametrize("layer, batch_shape", [("Linear", (0, 3)), ("Linear", (2, 0, 3)), ("Conv1d", (0, 3, 5))])
def test_layer_on_an_empty_batch_has_zero_parameter_gradients(layer, batch_shape):
    ours = value_of(run_in_child(BACKWARD_IN_CHILD, [(layer, batch_shape)])[0], layer)
    module = torch.nn.Linear(3, 8) if layer == "Linear" else torch.nn.Conv1d(3, 8, 3)
    x = torch.zeros(batch_shape, requires_grad=True)
    y = module(x)
    y.sum().backward()
    for got, want in zip(ours, (y.detach(), x.grad, module.weight.grad, module.bias.grad)):
        assert_close(got, want.numpy())
    assert ours[3].shape == (8,) and not ours[3].any()


CUMSUM_IN_CHILD = """
def compute(case):
    shape, dim = case
    x = cr.zeros(shape, dtype=cr.float64, requires_grad=True)
    x.cumsum(dim).sum().backward()
    return x.grad.numpy()
"""


def test_cumsum_backward_over_an_empty_dim():
    cases = [(shape, dim) for shape in SHAPES for dim in range(len(shape))]
    for (shape, dim), ours in zip(cases, run_in_child(CUMSUM_IN_CHILD, cases)):
        x = torch.zeros(shape, dtype=torch.float64, requires_grad=True)
        x.cumsum(dim).sum().backward()
        assert_close(value_of(ours, (shape, dim)), x.grad.numpy())


# ---- matmul backward with a 0-size dim ---------------------------------------------------------------

# (batch of a, batch of b): equal, one side unbatched, broadcast against size-1 dims, empty batches.
BATCHES = [((2,), (2,)), ((2,), ()), ((), (2,)), ((0,), (0,)), ((0,), ()), ((2, 1), (3,)), ((1, 3), (2, 1)),
           ((2, 1), (0,)), ((1,), (0,))]
MATRICES = [(0, 3, 4), (5, 0, 4), (5, 3, 0), (0, 0, 0), (5, 3, 4)]  # (M, K, N)
MATMUL_SHAPES = [((*ba, m, k), (*bb, k, n)) for ba, bb in BATCHES for m, k, n in MATRICES]
MATMUL_SHAPES += [((0,), (0,)), ((3,), (3, 0)), ((0,), (0, 4)), ((2, 0), (0,)), ((2, 3, 0), (0,)), ((0,), (2, 0, 4)),
                  ((3,), (2, 3, 0)), ((2, 0, 3), (3,))]


@pytest.mark.parametrize("a_shape, b_shape", MATMUL_SHAPES, ids=str)
def test_matmul_backward_with_a_zero_size_dim_matches_pytorch(a_shape, b_shape):
    ta = torch.randn(a_shape, dtype=torch.float64, requires_grad=True)
    tb = torch.randn(b_shape, dtype=torch.float64, requires_grad=True)
    (ta @ tb).square().sum().backward()
    a = cr.tensor(ta.detach().numpy(), requires_grad=True)
    b = cr.tensor(tb.detach().numpy(), requires_grad=True)
    out = a @ b
    out.square().sum().backward()
    assert tuple(out.shape) == tuple((ta @ tb).shape)
    assert_close(a.grad, ta.grad.numpy(), rtol=1e-10, atol=1e-12)
    assert_close(b.grad, tb.grad.numpy(), rtol=1e-10, atol=1e-12)
