"""None where an op takes a tensor is PyTorch's TypeError, not a crash: pybind11 handed the op a null
pointer for None, and exp(None), x.copy_(None), matmul(x, None) and the like segfaulted
(bindings/convert.h now refuses it). Arguments that may be None (a bias, an RNN's c0, a sorter) still
take it. Run in a child process, so that a regression fails these tests instead of the whole run."""
import pytest

from child_process import run_in_child, torch_outcome
from conftest import requires_torch, torch

CALLS = [
    "T.exp(None)", "T.log(None)", "T.relu(None)", "T.sigmoid(None)", "T.sum(None)", "T.mean(None)",
    "T.max(None)", "T.sort(None)", "T.where(None, 1.0, 2.0)", "T.zeros_like(None)", "T.ones_like(None)",
    "T.matmul(T.ones(2, 2), None)", "T.mm(None, T.ones(2, 2))", "T.ones(2).copy_(None)",
    "T.ones(2).expand_as(None)", "T.einsum('i,i->', T.ones(2), None)", "T.cat([T.ones(2), None])",
    "T.nn.functional.softmax(None, 0)", "T.nn.functional.conv2d(None, T.ones(1, 1, 1, 1))",
    "T.nn.functional.mse_loss(T.ones(2), None)", "T.ones(2).add_(None)",
    "T.gather(T.ones(2), 0, None)", "T.ones(2).masked_fill(None, 1.0)",
]

CHILD = """
T = cr
def compute(expr):
    eval(expr)
    return None
"""


@pytest.fixture(scope="module")
def outcomes():
    return dict(zip(CALLS, run_in_child(CHILD, CALLS)))


@requires_torch
@pytest.mark.parametrize("call", CALLS)
def test_none_for_a_tensor_is_an_exception_as_in_torch(call, outcomes):
    theirs = torch_outcome(lambda: eval(call, {"T": torch}))
    assert outcomes[call][0] == theirs[0] == "error", (outcomes[call], theirs)
    assert outcomes[call][1] == theirs[1], (outcomes[call], theirs)


def test_arguments_that_may_be_none_still_take_it():
    import chainrule as cr
    x = cr.ones(3, 4)
    assert cr.nn.functional.linear(x, cr.ones(2, 4), None).shape == (3, 2)
    assert cr.nn.Linear(4, 2, bias=False)(x).shape == (3, 2)
    assert cr.nn.LSTM(4, 2, bias=False)(x.unsqueeze(1))[0].shape == (3, 1, 2)
    assert cr.searchsorted(cr.tensor([1.0, 2.0, 3.0]), cr.tensor([2.5]), sorter=None).tolist() == [2]
    weight = cr.ones(1, requires_grad=True)
    weight.grad = cr.ones(1)
    weight.grad = None
    assert weight.grad is None
