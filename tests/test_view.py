"""View ops (view, reshape, transpose, permute, squeeze, expand, narrow, select, as_strided, ...)
against NumPy: values, shapes, strides, contiguity, memory sharing, and the errors on bad dims."""
import numpy as np
import pytest

import chainrule as cr
from conftest import assert_close, requires_torch, torch


def arange_tensor(*shape):
    n = int(np.prod(shape))
    return cr.arange(n, dtype=cr.float32).reshape(shape), np.arange(n, dtype=np.float32).reshape(shape)


def shares_memory(view, base):
    """Writing through the view changes the base: the two share storage."""
    before = base.numpy().copy()
    view.add_(100)
    changed = not np.array_equal(base.numpy(), before)
    view.sub_(100)
    return changed and view._storage_id() == base._storage_id()


@pytest.mark.parametrize("src, dst", [
    ((2, 3, 4), (6, 4)), ((2, 3, 4), (-1,)), ((2, 3, 4), (4, -1)), ((24,), (2, 3, 2, 2)), ((2, 3), (3, 2)),
    ((1,), ()), ((), (1, 1)), ((0, 3), (3, 0)), ((0, 3), (-1, 3)), ((2, 1, 3), (2, 3)),
])
def test_view_and_reshape_contiguous(src, dst):
    t, a = arange_tensor(*src)
    for op in ("view", "reshape"):
        v = getattr(t, op)(*dst) if dst else getattr(t, op)(dst)
        assert_close(v, a.reshape(dst))
        assert v.is_contiguous() or v.numel() == 0  # zero-size: see test_zero_size_tensors_are_contiguous
        if v.numel():
            assert shares_memory(v, t)


def test_zero_size_tensors_are_contiguous():
    assert cr.zeros(2, 0, 4).is_contiguous()
    assert cr.zeros(0, 3).view(3, 0).is_contiguous()


def test_view_of_non_contiguous_raises_and_reshape_copies():
    t, a = arange_tensor(3, 4)
    tt = t.t()
    assert not tt.is_contiguous()
    with pytest.raises(RuntimeError, match="view"):
        tt.view(12)
    r = tt.reshape(12)
    assert_close(r, a.T.reshape(12))
    assert r._storage_id() != t._storage_id()  # a copy
    assert_close(tt.view(4, 3), a.T)  # same shape is always viewable
    assert_close(t.narrow(1, 0, 2).reshape(-1), a[:, :2].reshape(-1))


def test_view_bad_shapes():
    t, _ = arange_tensor(2, 3)
    with pytest.raises(ValueError, match="view"):
        t.view(4, 2)
    with pytest.raises(ValueError, match="reshape"):
        t.reshape(-1, -1)
    with pytest.raises(ValueError, match="reshape"):
        t.reshape(-2, 3)
    with pytest.raises(ValueError, match="view"):
        cr.zeros(0, 3).view(-1, 0)
    with pytest.raises(TypeError):
        t.view(2.0, 3)


def test_view_as_and_reshape_as():
    t, a = arange_tensor(2, 6)
    other = cr.zeros(3, 4)
    assert_close(t.view_as(other), a.reshape(3, 4))
    assert_close(t.reshape_as(other), a.reshape(3, 4))


@pytest.mark.parametrize("shape, d0, d1", [((2, 3), 0, 1), ((2, 3, 4), 0, 2), ((2, 3, 4), -1, 1), ((5,), 0, 0), ((2, 3), 1, 1)])
def test_transpose(shape, d0, d1):
    t, a = arange_tensor(*shape)
    v = t.transpose(d0, d1)
    assert_close(v, np.swapaxes(a, d0, d1))
    assert_close(cr.transpose(t, d0, d1), np.swapaxes(a, d0, d1))
    assert_close(t.swapaxes(d0, d1), np.swapaxes(a, d0, d1))
    assert v.is_contiguous() == np.swapaxes(a, d0, d1).flags.c_contiguous or shape[d0] == 1 or shape[d1] == 1
    assert shares_memory(v, t)
    with pytest.raises(IndexError, match="transpose"):
        t.transpose(0, len(shape))


def test_transpose_strides_and_contiguity():
    t, _ = arange_tensor(2, 3, 4)
    assert t.stride() == (12, 4, 1) and t.is_contiguous()
    v = t.transpose(0, 2)
    assert v.stride() == (1, 4, 12) and not v.is_contiguous()
    c = v.contiguous()
    assert c.is_contiguous() and c.stride() == (6, 2, 1)
    assert_close(c, v.numpy())
    assert t.contiguous() is t or t.contiguous()._storage_id() == t._storage_id()


@pytest.mark.parametrize("shape, dims", [((2, 3, 4), (2, 0, 1)), ((2, 3, 4), (-1, -2, -3)), ((5,), (0,)), ((), ()),
                                         ((1, 2, 1, 3), (3, 1, 0, 2))])
def test_permute(shape, dims):
    t, a = arange_tensor(*shape)
    assert_close(t.permute(*dims) if dims else t.permute(()), np.transpose(a, dims))
    assert_close(cr.permute(t, dims), np.transpose(a, dims))


def test_permute_bad_dims():
    t, _ = arange_tensor(2, 3, 4)
    with pytest.raises(ValueError, match="permute"):
        t.permute(0, 1)
    with pytest.raises(ValueError, match="permute"):
        t.permute(0, 1, 1)
    with pytest.raises(IndexError, match="permute"):
        t.permute(0, 1, 3)


def test_t_T_mT():
    t, a = arange_tensor(3, 4)
    assert_close(t.t(), a.T)
    assert_close(cr.t(t), a.T)
    assert_close(t.T, a.T)
    v, va = arange_tensor(5)
    assert_close(v.t(), va)
    b, ba = arange_tensor(2, 3, 4)
    assert_close(b.T, ba.T)
    assert_close(b.mT, np.swapaxes(ba, -1, -2))
    with pytest.raises(ValueError, match="t"):
        b.t()
    with pytest.raises(ValueError, match="mT"):
        v.mT


@pytest.mark.parametrize("shape, dim", [((1, 3, 1), None), ((1, 3, 1), 0), ((1, 3, 1), -1), ((1, 3, 1), 1), ((), None),
                                        ((1,), 0), ((), 0), ((2, 1, 0), 1)])
def test_squeeze(shape, dim):
    t, a = arange_tensor(*shape)
    want = np.squeeze(a) if dim is None else (np.squeeze(a, dim) if a.ndim and a.shape[dim] == 1 else a)
    assert_close(t.squeeze(dim) if dim is not None else t.squeeze(), want)
    assert_close(cr.squeeze(t, dim), want)


@pytest.mark.parametrize("shape, dim", [((2, 3), 0), ((2, 3), 2), ((2, 3), -1), ((2, 3), -3), ((), 0), ((), -1), ((0,), 1)])
def test_unsqueeze(shape, dim):
    t, a = arange_tensor(*shape)
    u = t.unsqueeze(dim)
    assert_close(u, np.expand_dims(a, dim))
    assert u.is_contiguous()
    assert_close(cr.unsqueeze(t, dim), np.expand_dims(a, dim))


def test_squeeze_unsqueeze_bad_dims():
    t, _ = arange_tensor(2, 3)
    with pytest.raises(IndexError, match="unsqueeze"):
        t.unsqueeze(3)
    with pytest.raises(IndexError, match="unsqueeze"):
        t.unsqueeze(-4)
    with pytest.raises(IndexError, match="squeeze"):
        t.squeeze(2)


def test_unsqueeze_of_non_contiguous_shares_memory():
    t, a = arange_tensor(3, 4)
    u = t.t().unsqueeze(1)
    assert_close(u, a.T[:, None, :])
    assert shares_memory(u, t)


@pytest.mark.parametrize("shape, target", [((3, 1), (3, 4)), ((1,), (2, 3)), ((3, 1), (-1, 5)), ((), (2, 2)),
                                           ((2, 1, 1), (4, 2, 3, 0)), ((1, 3), (1, 3))])
def test_expand(shape, target):
    t, a = arange_tensor(*shape)
    e = t.expand(*target)
    want_shape = tuple(s if s != -1 else shape[i - (len(target) - len(shape))] for i, s in enumerate(target))
    assert_close(e, np.broadcast_to(a, want_shape))
    assert all(st == 0 for st, n, m in zip(e.stride()[len(target) - len(shape):], shape, want_shape[len(target) - len(shape):])
               if n != m)
    assert_close(t.expand_as(cr.zeros(*want_shape)), np.broadcast_to(a, want_shape))


def test_expand_bad_shapes():
    t, _ = arange_tensor(3, 2)
    with pytest.raises(ValueError, match="expand"):
        t.expand(3, 4)
    with pytest.raises(ValueError, match="expand"):
        t.expand(2)
    with pytest.raises(ValueError, match="expand"):
        t.expand(-1, 3, 2)


def test_expanded_tensor_shares_memory_and_copies_on_contiguous():
    t, a = arange_tensor(1, 3)
    e = t.expand(4, 3)
    t.add_(1)
    assert_close(e, np.broadcast_to(a + 1, (4, 3)))
    c = e.contiguous()
    assert c.is_contiguous() and c.stride() == (3, 1)
    assert_close(c, np.broadcast_to(a + 1, (4, 3)))


@pytest.mark.parametrize("shape, start, end", [((2, 3, 4), 0, -1), ((2, 3, 4), 1, 2), ((2, 3, 4), 0, 0), ((), 0, -1),
                                               ((5,), 0, 0), ((2, 0, 3), 0, 1)])
def test_flatten(shape, start, end):
    t, a = arange_tensor(*shape)
    f = t.flatten(start, end)
    if a.ndim == 0:
        want = a.reshape(1)
    else:
        s, e = start % a.ndim, end % a.ndim
        want = a.reshape(a.shape[:s] + (-1 if a.size else int(np.prod(a.shape[s:e + 1])),) + a.shape[e + 1:])
    assert_close(f, want)
    assert_close(cr.flatten(t, start, end), want)


def test_flatten_non_contiguous_and_errors():
    t, a = arange_tensor(2, 3, 4)
    assert_close(t.transpose(0, 2).flatten(), a.transpose(2, 1, 0).reshape(-1))
    with pytest.raises(ValueError, match="flatten"):
        t.flatten(2, 0)
    with pytest.raises(IndexError, match="flatten"):
        t.flatten(0, 3)


@pytest.mark.parametrize("dim, sizes", [(1, (2, 3)), (-1, (3, -1)), (0, (1, 2)), (1, (6,))])
def test_unflatten(dim, sizes):
    t, a = arange_tensor(2, 6)
    u = t.unflatten(dim, sizes)
    d = dim % 2
    inner = a.shape[d]
    full = tuple(s if s != -1 else inner // -int(np.prod(sizes)) for s in sizes)
    assert_close(u, a.reshape(a.shape[:d] + full + a.shape[d + 1:]))
    assert_close(cr.unflatten(t, dim, sizes), u.numpy())
    with pytest.raises(ValueError, match="unflatten"):
        t.unflatten(1, (4, 2))


@pytest.mark.parametrize("dim, start, length", [(0, 0, 2), (1, 1, 2), (-1, 0, 0), (1, -2, 2), (0, 2, 1)])
def test_narrow(dim, start, length):
    t, a = arange_tensor(3, 4)
    n = t.narrow(dim, start, length)
    s = start % a.shape[dim] if start < 0 else start
    want = np.take(a, range(s, s + length), axis=dim)
    assert_close(n, want)
    assert_close(cr.narrow(t, dim, start, length), want)
    if n.numel():
        assert shares_memory(n, t)


def test_narrow_errors():
    t, _ = arange_tensor(3, 4)
    with pytest.raises(RuntimeError, match="narrow"):  # past the end: RuntimeError, as in PyTorch
        t.narrow(0, 2, 2)
    with pytest.raises(IndexError, match="narrow"):
        t.narrow(2, 0, 1)
    with pytest.raises(IndexError, match="narrow"):
        cr.tensor(1.0).narrow(0, 0, 1)
    with pytest.raises(RuntimeError, match="narrow"):
        t.narrow(1, 0, -1)
    with pytest.raises(IndexError, match="narrow"):  # a start out of range
        t.narrow(0, 4, 0)


@pytest.mark.parametrize("src, dst", [(0, 2), (2, 0), (-1, 0), (1, 1)])
def test_movedim(src, dst):
    t, a = arange_tensor(2, 3, 4)
    assert_close(t.movedim(src, dst), np.moveaxis(a, src, dst))
    assert_close(cr.movedim(t, src, dst), np.moveaxis(a, src, dst))
    with pytest.raises(IndexError, match="movedim"):
        t.movedim(3, 0)


@pytest.mark.parametrize("dim, index", [(0, 1), (1, -1), (-1, 2), (2, 0)])
def test_select(dim, index):
    t, a = arange_tensor(2, 3, 4)
    s = t.select(dim, index)
    assert_close(s, np.take(a, index, axis=dim))
    assert_close(cr.select(t, dim, index), np.take(a, index, axis=dim))
    assert shares_memory(s, t)


def test_select_errors():
    t, _ = arange_tensor(2, 3)
    with pytest.raises(IndexError, match="out of bounds"):
        t.select(0, 2)
    with pytest.raises(IndexError, match="out of bounds"):
        t.select(1, -4)
    with pytest.raises(IndexError, match="select"):
        t.select(2, 0)
    with pytest.raises(IndexError, match="select"):
        cr.tensor(1.0).select(0, 0)


def test_iteration_selects_rows():
    t, a = arange_tensor(3, 2)
    rows = list(t)
    assert len(rows) == 3
    for r, want in zip(rows, a):
        assert_close(r, want)
    with pytest.raises(TypeError):
        iter(cr.tensor(1.0))


def test_as_strided():
    t, a = arange_tensor(12)
    s = t.as_strided((3, 2), (4, 1), 1)
    assert_close(s, np.lib.stride_tricks.as_strided(a[1:], (3, 2), (16, 4)))
    assert shares_memory(s, t)
    w = t.as_strided((4, 3), (1, 1))  # overlapping windows
    assert_close(w, np.array([[i + j for j in range(3)] for i in range(4)], dtype=np.float32))
    with pytest.raises(RuntimeError, match="as_strided"):
        t.as_strided((4, 4), (4, 1))
    with pytest.raises(RuntimeError, match="as_strided"):
        t.as_strided((2,), (1,), 11)
    with pytest.raises(ValueError, match="as_strided"):
        t.as_strided((2, 2), (1,))
    with pytest.raises(ValueError, match="as_strided"):
        t.as_strided((2,), (-1,))


def test_chained_views_write_through():
    t, a = arange_tensor(4, 6)
    v = t.t().narrow(0, 1, 3).select(1, 2).unsqueeze(0).expand(2, 3)
    assert_close(v, np.broadcast_to(a.T[1:4, 2], (2, 3)))
    t.mul_(2)
    assert_close(v, np.broadcast_to(2 * a.T[1:4, 2], (2, 3)))
    s = t.narrow(1, 1, 3)
    s.zero_()
    a2 = 2 * a
    a2[:, 1:4] = 0
    assert_close(t, a2)
    assert t._version > 0


def test_detach_shares_memory():
    t = cr.ones(3, requires_grad=True)
    d = t.detach()
    assert not d.requires_grad and d._storage_id() == t._storage_id()


@requires_torch
@pytest.mark.parametrize("op, args", [
    ("transpose", (0, 2)), ("permute", (1, 2, 0)), ("narrow", (2, 1, 2)), ("select", (2, 1)), ("unsqueeze", (1,)),
    ("flatten", (1, 2)), ("movedim", (0, -1)), ("squeeze", ()),
])
def test_view_strides_match_torch(op, args):
    t = cr.arange(24, dtype=cr.float32).reshape(2, 3, 4).transpose(0, 1)
    ref = torch.arange(24, dtype=torch.float32).reshape(2, 3, 4).transpose(0, 1)
    got, want = getattr(t, op)(*args), getattr(ref, op)(*args)
    assert got.shape == tuple(want.shape)
    assert got.stride() == want.stride()
    assert got.storage_offset() == want.storage_offset()
    assert got.is_contiguous() == want.is_contiguous()


@requires_torch
@pytest.mark.parametrize("method, keyword, sizes", [
    ("view", "size", (3, 2)), ("reshape", "shape", (6,)), ("expand", "size", (2, 2, 3)),
    ("repeat", "repeats", (2, 1)), ("permute", "dims", (1, 0)), ("tile", "dims", (2,)), ("flip", "dims", (0,)),
    ("new_zeros", "size", (4,)), ("new_ones", "size", (1, 2)), ("new_empty", "size", (2,))])
def test_shape_methods_take_their_sizes_by_keyword_as_torch(method, keyword, sizes):
    ours = getattr(cr.arange(6.0).reshape(2, 3), method)(**{keyword: sizes})
    ref = getattr(torch.arange(6.0).reshape(2, 3), method)(**{keyword: sizes})
    assert ours.shape == ref.shape
    if method != "new_empty":
        assert_close(ours, ref.numpy())
    for lib in (torch, cr):
        with pytest.raises(TypeError, match=keyword):
            getattr(lib.zeros(2, 3), method)(*sizes, **{keyword: sizes})


@requires_torch
@pytest.mark.parametrize("method", ["repeat", "tile", "flip", "new_zeros", "new_ones", "new_empty"])
def test_shape_methods_without_sizes_are_type_errors_as_in_torch(method):
    for lib in (torch, cr):
        with pytest.raises(TypeError):
            getattr(lib.zeros(2, 3), method)()


@requires_torch
@pytest.mark.parametrize("fn, keyword, sizes", [("reshape", "shape", (3, 2)), ("permute", "dims", (1, 0)),
                                                ("tile", "dims", (2, 1))])
def test_shape_functions_take_their_sizes_by_keyword_as_torch(fn, keyword, sizes):
    ours = getattr(cr, fn)(input=cr.arange(6.0).reshape(2, 3), **{keyword: sizes})
    assert_close(ours, getattr(torch, fn)(input=torch.arange(6.0).reshape(2, 3), **{keyword: sizes}).numpy())


@requires_torch
@pytest.mark.parametrize("call", [
    "x.view(np.int64(2), 3)", "x.view(np.int32(2), -1)", "x.reshape(np.int64(3), 2)", "x.view(lib.tensor(2), 3)",
    "x.expand(np.int64(2), 6)", "x.repeat(np.int64(2))", "lib.zeros(np.int64(2), 3)", "lib.randn(np.int64(4))",
])
def test_sizes_given_as_numpy_ints_or_0d_int_tensors_as_torch(call):
    # cleanrl's c51.py: logits.view(len(x), self.n, n_atoms) with self.n a gymnasium Discrete.n (np.int64)
    shapes = [tuple(eval(call, {"np": np, "lib": lib, "x": lib.zeros(6)}).shape) for lib in (torch, cr)]
    assert shapes[0] == shapes[1]


@requires_torch
@pytest.mark.parametrize("size", [True, 2.0, np.float32(2.0)])
def test_a_bool_or_float_size_among_ints_is_a_type_error_as_torch(size):
    for lib in (torch, cr):
        with pytest.raises(TypeError):
            lib.zeros(6).view(size, -1)
