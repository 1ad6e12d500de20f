"""chainrule.linalg's composed functions (python/chainrule/linalg.py) against PyTorch: the norms that
need singular values (matrix_norm 'nuc', 2, -2; cond), multi_dot, vecdot, cross, diagonal,
matrix_power, vander, matmul; values and gradients in float32/float64 and float64 gradcheck; and
that chainrule.linalg and chainrule offer PyTorch's linear-algebra names."""
import math

import numpy as np
import pytest

import chainrule as cr
from conftest import requires_torch, torch
from linalg_cases import DTYPES, requires_scipy, check_against_torch, check_gradcheck, matrix

pytestmark = [requires_torch, requires_scipy]

SQUARE, WIDE = matrix((2, 4, 4)), matrix((2, 3, 5), seed=3)
VECTORS = matrix((2, 4, 3), seed=8)

CASES = [
    ("matrix_norm nuc", lambda lib: lambda A: lib.linalg.matrix_norm(A, "nuc"), [WIDE]),
    ("matrix_norm 2", lambda lib: lambda A: lib.linalg.matrix_norm(A, 2), [WIDE]),
    ("matrix_norm -2 keepdim", lambda lib: lambda A: lib.linalg.matrix_norm(A, -2, keepdim=True), [WIDE]),
    ("matrix_norm nuc dims", lambda lib: lambda A: lib.linalg.matrix_norm(A, "nuc", dim=(0, 2)), [WIDE]),
    ("matrix_norm 2 dims keepdim", lambda lib: lambda A: lib.linalg.matrix_norm(A, 2, dim=(2, 0), keepdim=True),
     [WIDE]),
    ("norm nuc", lambda lib: lambda A: lib.linalg.norm(A[0], "nuc"), [WIDE]),
    ("cond", lambda lib: lib.linalg.cond, [WIDE]),
    ("cond -2", lambda lib: lambda A: lib.linalg.cond(A, -2), [SQUARE]),
    ("cond fro", lambda lib: lambda A: lib.linalg.cond(A, "fro"), [SQUARE]),
    ("cond nuc", lambda lib: lambda A: lib.linalg.cond(A, "nuc"), [SQUARE]),
    ("cond inf", lambda lib: lambda A: lib.linalg.cond(A, math.inf), [SQUARE]),
    ("cond 1", lambda lib: lambda A: lib.linalg.cond(A, 1), [SQUARE]),
    ("multi_dot", lambda lib: lambda A, B: lib.linalg.multi_dot([A[0], A[1], B[0], B[1].mT]), [SQUARE, VECTORS]),
    ("multi_dot vectors", lambda lib: lambda A, B: lib.linalg.multi_dot([A[0, 0], A[1], B[0], A[0, :, 0]]),
     [SQUARE, SQUARE]),
    ("vecdot", lambda lib: lambda x, y: lib.linalg.vecdot(x, y), [VECTORS, VECTORS[0]]),
    ("vecdot dim", lambda lib: lambda x, y: lib.linalg.vecdot(x, y, dim=1), [VECTORS, VECTORS[1]]),
    ("cross", lambda lib: lambda x, y: lib.linalg.cross(x, y.flip(0)), [VECTORS, VECTORS]),
    ("cross dim", lambda lib: lambda x, y: lib.linalg.cross(x.mT, y.mT, dim=1), [VECTORS, VECTORS[:, ::-1].copy()]),
    ("diagonal", lambda lib: lambda A: lib.linalg.diagonal(A, offset=1), [WIDE]),
    ("diagonal dims", lambda lib: lambda A: lib.linalg.diagonal(A, offset=-1, dim1=0, dim2=2), [WIDE]),
    ("matrix_power 3", lambda lib: lambda A: lib.linalg.matrix_power(A, 3), [SQUARE]),
    ("matrix_power -3", lambda lib: lambda A: lib.linalg.matrix_power(A, -3), [SQUARE]),
    ("torch matrix_power -1", lambda lib: lambda A: lib.matrix_power(A, -1), [SQUARE]),
    ("vander", lambda lib: lib.linalg.vander, [VECTORS]),
    ("vander N", lambda lib: lambda x: lib.linalg.vander(x, N=5), [VECTORS]),
    ("matmul", lambda lib: lambda A, B: lib.linalg.matmul(A, B), [SQUARE, np.swapaxes(SQUARE, -1, -2)]),
]
# PyTorch 2.13's backward of these fails (its linalg.inv_ex output is modified in place); gradcheck
# still checks ours.
NO_PYTORCH_GRADIENT = {"cond fro", "cond inf", "cond 1"}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name, op, arrays", CASES, ids=[n for n, _, _ in CASES])
def test_composed_functions_match_pytorch(name, op, arrays, dtype):
    check_against_torch(op(cr), op(torch), arrays, dtype, grad=name not in NO_PYTORCH_GRADIENT)


@pytest.mark.parametrize("name, op, arrays", CASES, ids=[n for n, _, _ in CASES])
def test_composed_functions_pass_gradcheck(name, op, arrays):
    check_gradcheck(op(cr), arrays)


def test_cond_of_a_non_square_matrix_in_a_norm_needing_the_inverse_is_refused():
    for lib in (cr, torch):
        with pytest.raises(RuntimeError, match="square"):
            lib.linalg.cond(lib.ones(2, 3), "fro")


def test_multi_dot_needs_two_tensors():
    for lib in (cr, torch):
        with pytest.raises(RuntimeError, match="at least 2 tensors"):
            lib.linalg.multi_dot([lib.ones(2, 2)])


def test_vander_needs_n_above_one():
    for lib in (cr, torch):
        with pytest.raises(RuntimeError, match="N must be greater than 1"):
            lib.linalg.vander(lib.ones(3), N=1)


TORCH_LINALG_LEFT_OUT = {"eig", "eigvals",  # complex results: chainrule has no complex dtype
                         "common_notes"}  # a docstring
TORCH_LEVEL = ["inverse", "det", "logdet", "slogdet", "cholesky", "cholesky_solve", "cholesky_inverse", "qr", "svd",
               "pinverse", "matrix_exp", "triangular_solve", "lu", "lu_solve", "lu_unpack", "matrix_power"]
METHODS = ["inverse", "det", "logdet", "slogdet", "cholesky", "cholesky_solve", "cholesky_inverse", "qr", "svd",
           "pinverse", "matrix_exp", "triangular_solve", "lu", "lu_solve", "matrix_power"]


def test_chainrule_has_pytorchs_linear_algebra_names():
    wanted = {n for n in dir(torch.linalg) if not n.startswith("_")} - TORCH_LINALG_LEFT_OUT
    assert sorted(n for n in wanted if not hasattr(cr.linalg, n)) == []
    assert [n for n in TORCH_LEVEL if not hasattr(cr, n)] == []
    assert [n for n in METHODS if not hasattr(cr.Tensor, n)] == []


def test_linalg_error_is_caught_as_pytorchs_is():
    with pytest.raises(cr.linalg.LinAlgError):
        cr.linalg.cholesky(-cr.eye(2))
    with pytest.raises(torch.linalg.LinAlgError):
        torch.linalg.cholesky(-torch.eye(2))


def test_a_rank_deficient_nuclear_norm_matches_pytorch():
    array = np.outer(np.arange(1.0, 4), np.arange(1.0, 5))
    check_against_torch(lambda A: cr.linalg.matrix_norm(A, "nuc"), lambda A: torch.linalg.matrix_norm(A, "nuc"),
                        [array], "float64", grad=False)


EMPTY_INPUT_FUNCTIONS = ["inv", "inv_ex", "det", "slogdet", "cholesky", "cholesky_ex", "qr", "svd", "svdvals", "eigh",
                         "eigvalsh", "pinv", "matrix_exp", "lu_factor", "lu_factor_ex", "lu", "matrix_rank"]


@pytest.mark.parametrize("shape", [(0, 3, 3), (2, 0, 0)], ids=["empty batch", "empty matrices"])
@pytest.mark.parametrize("name", EMPTY_INPUT_FUNCTIONS)
def test_empty_inputs_give_pytorchs_shapes(name, shape):
    def shapes(result):
        return [tuple(r.shape) for r in (result if isinstance(result, tuple) else [result])]
    ours, theirs = getattr(cr.linalg, name)(cr.tensor(np.zeros(shape))), getattr(torch.linalg, name)(torch.zeros(shape))
    assert shapes(ours) == shapes(theirs)
