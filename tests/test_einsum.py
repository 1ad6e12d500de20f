"""chainrule.einsum against torch.einsum: explicit and implicit outputs, ellipsis, broadcasting,
repeated labels (traces, diagonals), several operands, the sublist form; gradcheck and errors."""
import numpy as np
import pytest

import chainrule as cr
from conftest import check_op, requires_torch, torch

CASES = [
    ("ij->ji", [(2, 3)]), ("ii->i", [(3, 3)]), ("ii", [(3, 3)]), ("ij->", [(2, 3)]), ("iij->ij", [(3, 3, 2)]),
    ("iji->j", [(2, 3, 2)]), ("...", [(2, 3)]), ("i...->...", [(2, 3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]), ("i,i", [(3,), (3,)]), ("i,j->ij", [(2,), (3,)]), ("i,i->i", [(3,), (3,)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]), ("...ij,...jk->...ik", [(5, 2, 3), (1, 3, 4)]),
    ("ab...,b->a...", [(2, 3, 4, 5), (3,)]), ("...j,j", [(4, 5, 3), (3,)]), ("ij,ij->ij", [(2, 3), (1, 3)]),
    ("bhqd,bhkd->bhqk", [(2, 3, 4, 5), (2, 3, 6, 5)]), ("ij,kl->ijkl", [(2, 3), (4, 5)]),
    ("bn,anm,bm->ba", [(2, 3), (4, 3, 5), (2, 5)]), ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    ("b i d, b j d -> b i j", [(2, 3, 4), (2, 5, 4)]),
]


@requires_torch
@pytest.mark.parametrize("equation,shapes", CASES)
def test_einsum_matches_pytorch_with_gradients(equation, shapes):
    check_op(lambda *ops: cr.einsum(equation, *ops), shapes, torch_fn=lambda *ops: torch.einsum(equation, *ops))


@requires_torch
def test_einsum_sublist_and_list_forms():
    a, b = np.random.default_rng(0).standard_normal((2, 3)), np.random.default_rng(1).standard_normal(3)
    ours = cr.einsum(cr.tensor(a), [0, 1], cr.tensor(b), [1], [0])
    theirs = torch.einsum(torch.tensor(a), [0, 1], torch.tensor(b), [1], [0])
    np.testing.assert_allclose(ours.numpy(), theirs.numpy())
    np.testing.assert_allclose(cr.einsum("ij,j", [cr.tensor(a), cr.tensor(b)]).numpy(), theirs.numpy())


def test_einsum_errors():
    with pytest.raises(RuntimeError, match="subscript j has size 4 for operand 1"):
        cr.einsum("ij,jk->ik", cr.ones(2, 3), cr.ones(4, 4))
    with pytest.raises(RuntimeError, match="output subscript k does not appear"):
        cr.einsum("ij->ik", cr.ones(2, 3))
    with pytest.raises(RuntimeError, match="number of subscripts"):
        cr.einsum("ijk", cr.ones(2, 3))
    with pytest.raises(ValueError, match="operands"):
        cr.einsum("ij,jk", cr.ones(2, 3))
    with pytest.raises(ValueError, match="equation string"):
        cr.einsum("ij")
