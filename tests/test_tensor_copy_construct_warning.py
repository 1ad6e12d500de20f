"""torch.tensor(a_tensor) and t.new_tensor(a_tensor) warn that detach().clone() is the way to copy a tensor,
at the caller's line, as PyTorch does (Yang Song's score-SDE tutorial calls torch.tensor(t) on its time
tensor); a list of tensors and as_tensor do not warn. Compared with torch."""
import warnings

import chainrule as cr
from conftest import requires_torch, torch

pytestmark = requires_torch


def caught_warnings(lib):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        x = lib.ones(2, dtype=lib.float64)
        copies = [lib.tensor(x), lib.tensor(x.requires_grad_()), lib.zeros(1).new_tensor(x, requires_grad=True)]
        lib.tensor([x.detach()[0], x.detach()[1]])
        lib.as_tensor(x)
    where = {w.filename for w in caught}
    return ([(w.category.__name__, str(w.message)) for w in caught], where,
            [(str(c.dtype).split(".")[-1], c.requires_grad, c.is_leaf) for c in copies])


def test_copy_constructing_from_a_tensor_warns_as_torch():
    ours, theirs = caught_warnings(cr), caught_warnings(torch)
    assert ours[0] == theirs[0] and len(ours[0]) == 3
    assert ours[1] == {__file__}  # the warning points at the caller's line
    assert ours[2] == theirs[2]
