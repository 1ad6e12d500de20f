"""matmul, mm, bmm, dot, outer and mv against NumPy (and PyTorch for the 1-D and batch rules):
every rank combination, non-contiguous operands, broadcast batches, int64, empty dims, bad input."""
import numpy as np
import pytest

import chainrule as cr
from conftest import assert_close, requires_torch, torch

F32 = dict(rtol=1e-4, atol=1e-5)
F64 = dict(rtol=1e-12, atol=1e-12)

# (a shape, b shape) pairs covering PyTorch's matmul rules.
SHAPES = [
    ((5,), (5,)),                    # dot -> 0-d
    ((3, 5), (5,)),                  # mv
    ((5,), (5, 4)),                  # vector @ matrix
    ((3, 5), (5, 4)),                # mm
    ((2, 3, 5), (2, 5, 4)),          # bmm
    ((2, 3, 5), (5, 4)),             # batch on the left only (folded into one gemm)
    ((3, 5), (2, 5, 4)),             # batch on the right only
    ((5,), (2, 5, 4)),               # vector @ batch
    ((2, 3, 5), (5,)),               # batch @ vector
    ((2, 1, 3, 5), (1, 4, 5, 6)),    # broadcast batch dims -> (2, 4, 3, 6)
    ((4, 1, 2, 3, 5), (3, 1, 5, 2)), # batch ranks differ
    ((1, 3, 5), (1, 1, 5, 4)),       # size-1 batches only
]


def rand(shape, dtype=np.float32):
    return np.random.uniform(-1, 1, shape).astype(dtype)


@pytest.mark.parametrize("a_shape,b_shape", SHAPES)
@pytest.mark.parametrize("dtype,tol", [(np.float32, F32), (np.float64, F64)])
def test_matmul_matches_numpy(a_shape, b_shape, dtype, tol):
    a, b = rand(a_shape, dtype), rand(b_shape, dtype)
    out = cr.tensor(a) @ cr.tensor(b)
    assert out.dtype == (cr.float32 if dtype == np.float32 else cr.float64)
    assert_close(out, a @ b, **tol)
    assert_close(cr.matmul(cr.tensor(a), cr.tensor(b)), a @ b, **tol)
    assert_close(cr.tensor(a).matmul(cr.tensor(b)), a @ b, **tol)


@pytest.mark.parametrize("a_shape,b_shape", SHAPES)
def test_matmul_int64_is_exact(a_shape, b_shape):
    a = np.random.randint(-50, 50, a_shape).astype(np.int64)
    b = np.random.randint(-50, 50, b_shape).astype(np.int64)
    out = cr.tensor(a) @ cr.tensor(b)
    assert out.dtype == cr.int64
    np.testing.assert_array_equal(out.numpy(), a @ b)


def strided_views(shape):
    """(name, NumPy view) pairs of non-contiguous arrays of `shape` (at least 2-D); cr.from_numpy
    keeps their strides."""
    batch, rows, cols = tuple(shape[:-2]), shape[-2], shape[-1]
    yield "transposed", rand(batch + (cols, rows)).swapaxes(-1, -2)  # strides (1, s): read transposed
    yield "row-padded", rand(batch + (rows, cols + 3))[..., 1:cols + 1]  # row stride > cols
    yield "column-stepped", rand(batch + (rows, 2 * cols))[..., ::2]  # neither layout: copied
    yield "row-stepped", rand(batch + (2 * rows, cols))[..., ::2, :]
    yield "both-stepped", rand(batch + (cols * 2, rows * 3)).swapaxes(-1, -2)[..., ::3, ::2]


@pytest.mark.parametrize("shape_a,shape_b", [((6, 7), (7, 5)), ((3, 6, 7), (3, 7, 5)), ((1, 7), (7, 1)),
                                             ((4, 6, 7), (7, 5)), ((6, 7), (2, 7, 5))])
def test_non_contiguous_operands(shape_a, shape_b):
    for name_a, na in strided_views(shape_a):
        for name_b, nb in strided_views(shape_b):
            ta, tb = cr.from_numpy(na), cr.from_numpy(nb)
            assert not ta.is_contiguous() or 1 in shape_a
            try:
                assert_close(ta @ tb, na @ nb, **F32)
            except AssertionError as e:
                raise AssertionError(f"{name_a} @ {name_b}: {e}") from None


def test_strided_vectors():
    x, y, m = rand(12), rand(15), rand((4, 10))
    assert_close(cr.from_numpy(x[::3]) @ cr.from_numpy(x[1::3]), x[::3] @ x[1::3], **F32)  # dot, no copies
    assert_close(cr.from_numpy(m[:, ::2]) @ cr.from_numpy(y[::3]), m[:, ::2] @ y[::3], **F32)
    assert_close(cr.from_numpy(x[::3]) @ cr.from_numpy(m), x[::3] @ m, **F32)
    mt = rand((10, 4)).T
    assert_close(cr.from_numpy(x[::3]) @ cr.from_numpy(mt), x[::3] @ mt, **F32)
    assert_close(cr.from_numpy(mt.T[::2]) @ cr.from_numpy(x[::3]), mt.T[::2] @ x[::3], **F32)


def test_expanded_batch_is_served_in_place():
    a, b = rand((1, 3, 4)), rand((5, 4, 2))
    ta = cr.tensor(a).expand(5, 3, 4)  # stride-0 batch
    na = np.broadcast_to(a, (5, 3, 4))
    assert_close(ta @ cr.tensor(b), na @ b, **F32)
    assert_close(cr.tensor(b).transpose(1, 2) @ ta.transpose(1, 2), b.swapaxes(1, 2) @ na.swapaxes(1, 2), **F32)
    row = rand((1, 4))
    assert_close(cr.tensor(row).expand(3, 4) @ cr.tensor(b), np.broadcast_to(row, (3, 4)) @ b, **F32)


def test_batch_permuted_and_sliced():
    a = rand((4, 6, 5, 3)).transpose(1, 0, 3, 2)[::2]  # (3, 4, 3, 5)
    b = rand((6, 5, 4, 2)).transpose(0, 2, 1, 3)[::2]  # (3, 4, 5, 2)
    assert_close(cr.from_numpy(a) @ cr.from_numpy(b), a @ b, **F32)


def test_folded_batch_with_gaps_in_rows():
    b = rand((5, 4))
    a = rand((3, 8, 5))[:, ::2]  # the batch's rows do not collapse into one matrix
    assert_close(cr.from_numpy(a) @ cr.tensor(b), a @ b, **F32)
    big = rand((2, 3, 4, 5))[:, 1:]
    assert_close(cr.from_numpy(big) @ cr.tensor(b), big @ b, **F32)
    tall = rand((3, 4, 5))[:, 1:2]  # size-1 dims in the batch
    assert_close(cr.from_numpy(tall) @ cr.tensor(b), tall @ b, **F32)


@pytest.mark.parametrize("a_shape,b_shape", [((0, 3), (3, 4)), ((3, 0), (0, 4)), ((2, 0, 3), (3, 4)),
                                             ((0,), (0,)), ((3, 0), (0,)), ((2, 3, 0), (2, 0, 5)), ((4, 3), (3, 0))])
def test_empty_dims(a_shape, b_shape):
    a, b = rand(a_shape), rand(b_shape)
    out = cr.tensor(a) @ cr.tensor(b)
    assert_close(out, a @ b)  # K = 0 gives zeros


@pytest.mark.parametrize("batch,m,k,n", [(300, 8, 6, 7), (4, 70, 65, 80), (3, 70, 65, 80)])
def test_batched_paths(batch, m, k, n):  # many tiny products; a batch split across threads; one not split
    a, b = rand((batch, m, k), np.float64), rand((batch, k, n), np.float64)
    assert_close(cr.bmm(cr.tensor(a), cr.tensor(b)), a @ b, **F64)
    assert_close(cr.from_numpy(a.swapaxes(1, 2).copy()).transpose(1, 2) @ cr.tensor(b), a @ b, **F64)


def test_strict_forms():
    m, n, v, w = rand((3, 4)), rand((4, 5)), rand(4), rand(6)
    assert_close(cr.mm(cr.tensor(m), cr.tensor(n)), m @ n, **F32)
    assert_close(cr.tensor(m).mm(cr.tensor(n)), m @ n, **F32)
    assert_close(cr.mv(cr.tensor(m), cr.tensor(v)), m @ v, **F32)
    assert_close(cr.tensor(m).mv(cr.tensor(v)), m @ v, **F32)
    d = cr.dot(cr.tensor(v), cr.tensor(v))
    assert d.shape == () and abs(d.item() - float(v @ v)) < 1e-5
    assert_close(cr.tensor(v).dot(cr.tensor(v)), v @ v, **F32)
    assert_close(cr.outer(cr.tensor(v), cr.tensor(w)), np.outer(v, w), **F32)
    assert_close(cr.tensor(v).outer(cr.tensor(w)), np.outer(v, w), **F32)
    a, b = rand((2, 3, 4)), rand((2, 4, 5))
    assert_close(cr.bmm(cr.tensor(a), cr.tensor(b)), a @ b, **F32)
    assert_close(cr.tensor(a).bmm(cr.tensor(b)), a @ b, **F32)


def test_rmatmul_and_non_tensor_operand():
    m = cr.tensor(rand((3, 4)))
    assert m.__rmatmul__(cr.tensor(rand((2, 3)))).shape == (2, 4)
    with pytest.raises(TypeError):
        m @ 2


def test_shape_mismatch_names_op_and_shapes():
    a, b = cr.zeros(32, 784), cr.zeros(256, 10)
    with pytest.raises(ValueError, match=r"matmul: cannot multiply \(32, 784\) by \(256, 10\): inner dimensions 784 and 256 differ"):
        a @ b
    with pytest.raises(ValueError, match=r"matmul.*\(2, 3, 4\).*\(5, 4, 6\).*batch"):
        cr.zeros(2, 3, 4) @ cr.zeros(5, 4, 6)
    with pytest.raises(ValueError, match="dot"):
        cr.dot(cr.zeros(3), cr.zeros(4))
    with pytest.raises(ValueError, match="mv"):
        cr.mv(cr.zeros(3, 4), cr.zeros(5))


def test_rank_rules_of_strict_forms():
    with pytest.raises(ValueError, match="mm: expected a 2-D and a 2-D"):
        cr.mm(cr.zeros(2, 3, 4), cr.zeros(4, 5))
    with pytest.raises(ValueError, match="bmm: expected a 3-D"):
        cr.bmm(cr.zeros(3, 4), cr.zeros(4, 5))
    with pytest.raises(ValueError, match="bmm: .*batch sizes 2 and 3 differ"):
        cr.bmm(cr.zeros(2, 3, 4), cr.zeros(3, 4, 5))
    with pytest.raises(ValueError, match="dot"):
        cr.dot(cr.zeros(2, 2), cr.zeros(2, 2))
    with pytest.raises(ValueError, match="outer"):
        cr.outer(cr.zeros(2, 2), cr.zeros(2))
    with pytest.raises(ValueError, match="mv"):
        cr.mv(cr.zeros(2), cr.zeros(2))


def test_zero_dim_operands_are_rejected():
    with pytest.raises(ValueError, match="matmul: both arguments need to be at least 1-D, but they are 0-D and 2-D"):
        cr.zeros(()) @ cr.zeros(2, 2)
    with pytest.raises(ValueError, match="matmul"):
        cr.matmul(cr.zeros(3), cr.zeros(()))


def test_dtype_rules():
    with pytest.raises(RuntimeError, match="matmul: expected both operands to have the same dtype, got float32 and float64"):
        cr.zeros(2, 3) @ cr.zeros(3, 2, dtype=cr.float64)
    with pytest.raises(RuntimeError, match="mm"):
        cr.mm(cr.zeros(2, 3, dtype=cr.int64), cr.zeros(3, 2))
    with pytest.raises(TypeError, match="matmul: dtype bool"):
        cr.zeros(2, 3, dtype=cr.bool) @ cr.zeros(3, 2, dtype=cr.bool)


@requires_torch
@pytest.mark.parametrize("a_shape,b_shape", SHAPES)
def test_shapes_match_pytorch(a_shape, b_shape):
    a, b = rand(a_shape), rand(b_shape)
    want = torch.matmul(torch.from_numpy(a), torch.from_numpy(b))
    got = cr.tensor(a) @ cr.tensor(b)
    assert tuple(got.shape) == tuple(want.shape)
    assert_close(got, want.numpy(), **F32)


@requires_torch
def test_errors_where_pytorch_errors():
    cases = [((), (2, 2)), ((3,), (4,)), ((2, 3), (4, 5)), ((2, 3, 4), (5, 4, 6)), ((3, 4), (5,))]
    for a_shape, b_shape in cases:
        with pytest.raises(RuntimeError):
            torch.matmul(torch.zeros(a_shape), torch.zeros(b_shape))
        with pytest.raises(ValueError, match="matmul"):
            cr.matmul(cr.zeros(a_shape), cr.zeros(b_shape))
    with pytest.raises(RuntimeError):
        torch.zeros(2, 3) @ torch.zeros(3, 2, dtype=torch.float64)


@requires_torch
def test_outer_promotes_like_pytorch():
    v = np.arange(3)
    w = np.linspace(0, 1, 4, dtype=np.float32)
    want = torch.outer(torch.from_numpy(v), torch.from_numpy(w))
    got = cr.outer(cr.tensor(v), cr.tensor(w))
    assert str(want.dtype).split(".")[-1] == str(got.dtype).split(".")[-1]
    assert_close(got, want.numpy())


def test_dims_beyond_blas_int32_are_a_clear_error():
    big = 2**31  # stride-0 expansions: no memory behind them, and none is touched
    with pytest.raises(ValueError, match="dot: .*K=2147483648 exceed the 32-bit BLAS index limit"):
        cr.dot(cr.zeros(1).expand(big), cr.zeros(1).expand(big))
    with pytest.raises(ValueError, match="matmul: .*M=2147483648"):
        cr.zeros(1, 1).expand(big, 1) @ cr.zeros(1, 1)
