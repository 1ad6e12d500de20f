"""Backward of the indexing family: getitem (basic and advanced), setitem / index_put_ in a graph,
gather/scatter/scatter_add, index_select/index_add, masked_fill/masked_select, take, cat/stack and
the splitting views. Each check_op line runs gradcheck + gradgradcheck and, with PyTorch, compares
forward and backward for contiguous and transposed inputs."""
import numpy as np
import pytest

import chainrule as cr
from conftest import check_op, requires_torch, torch


def index_pair(values, dtype=None):
    """The same constant index as a chainrule tensor and (with PyTorch) a torch tensor."""
    a = np.asarray(values, dtype=dtype)
    return cr.tensor(a), (torch.tensor(a) if torch is not None else None)


# --- getitem ---------------------------------------------------------------------------------

ROWS, T_ROWS = index_pair([0, -1, 2, 0])  # duplicates and a negative index
MASK, T_MASK = index_pair(np.array([[1, 0, 1, 1], [0, 0, 0, 0], [1, 1, 0, 1]], dtype=bool))
R2, T_R2 = index_pair([[0], [2], [2]])  # broadcasts against C2 to (3, 2)
C2, T_C2 = index_pair([[1, -1]])
ALL, T_ALL = index_pair(np.ones((2, 4), dtype=bool))
SET_ROWS, T_SET_ROWS = index_pair([1, -1])  # no duplicates: an overwritten copy would get no gradient


def test_getitem_advanced_with_duplicate_and_negative_indices():
    check_op(lambda x: x[ROWS], [(3, 4)], torch_fn=lambda x: x[T_ROWS])
    check_op(lambda x: x[:, ROWS[:3]], [(3, 4)], torch_fn=lambda x: x[:, T_ROWS[:3]])


def test_getitem_broadcast_index_tensors():
    check_op(lambda x: x[R2, C2], [(3, 4)], torch_fn=lambda x: x[T_R2, T_C2])


def test_getitem_bool_mask():
    check_op(lambda x: x[MASK], [(3, 4)], torch_fn=lambda x: x[T_MASK])
    check_op(lambda x: x[ALL], [(2, 4)], torch_fn=lambda x: x[T_ALL])


def test_getitem_mixed_basic_and_advanced():
    check_op(lambda x: x[1:, [0, 0, 2]], [(3, 4)], torch_fn=lambda x: x[1:, [0, 0, 2]])
    check_op(lambda x: x[..., None, [1, 0, 1]], [(3, 4)], torch_fn=lambda x: x[..., None, [1, 0, 1]])
    # non-adjacent index tensors: the indexed dims move to the front
    check_op(lambda x: x[[0, 1], :, [3, -1]], [(2, 3, 4)], torch_fn=lambda x: x[[0, 1], :, [3, -1]])


def test_getitem_basic_views():
    check_op(lambda x: x[1, ::2], [(3, 4)], torch_fn=lambda x: x[1, ::2])
    check_op(lambda x: x[None, -1:, 1:3], [(3, 4)], torch_fn=lambda x: x[None, -1:, 1:3])


# --- setitem / index_put_ in a graph ---------------------------------------------------------

def assign(key, accumulate=False):
    """f(x, v) = (x * 1) with [key] = v (or += v), for chainrule and torch alike."""
    def run(x, v, key):
        y = x * 1
        if accumulate:
            y.index_put_(key, v, accumulate=True)
        else:
            y[key] = v
        return y * 2
    return run


def test_setitem_in_a_graph_matches_pytorch():
    f = assign(None)
    cases = [  # (key, torch key, value shape)
        ((SET_ROWS,), (T_SET_ROWS,), (2, 4)),
        ((SET_ROWS,), (T_SET_ROWS,), (4,)),  # value broadcast over the indexed rows
        ((MASK,), (T_MASK,), (6,)),
        ((slice(1, None), slice(None, None, 2)), (slice(1, None), slice(None, None, 2)), (2, 2)),
        ((0,), (0,), (1,)),
        ((R2[:2], C2), (T_R2[:2], T_C2), (1, 2)),
    ]
    for key, tkey, vshape in cases:
        check_op(lambda x, v: f(x, v, key if len(key) > 1 else key[0]), [(3, 4), vshape],
                 torch_fn=lambda x, v: f(x, v, tkey if len(tkey) > 1 else tkey[0]))


def test_index_put_accumulate_with_duplicates():
    f = assign(None, accumulate=True)
    check_op(lambda x, v: f(x, v, (ROWS,)), [(3, 4), (4, 4)], torch_fn=lambda x, v: f(x, v, (T_ROWS,)))
    check_op(lambda x, v: f(x, v, (R2, C2)), [(3, 4), (3, 2)], torch_fn=lambda x, v: f(x, v, (T_R2, T_C2)))


def test_setitem_into_a_tensor_without_grad_sends_gradient_to_the_value():
    v = cr.tensor(np.arange(3.0), requires_grad=True)
    buf = cr.zeros(3, 4, dtype=cr.float64)
    buf[ROWS[:3], 1] = v
    assert buf.requires_grad and buf.grad_fn is not None
    (buf * cr.tensor(np.arange(12.0).reshape(3, 4))).sum().backward()
    # rows 0, 2 and 2 again: each copy of the duplicate gets the gradient, as in PyTorch
    np.testing.assert_allclose(v.grad.numpy(), [1.0, 9.0, 9.0])


@requires_torch
def test_setitem_chain_matches_pytorch():
    a = np.random.default_rng(3).standard_normal((3, 4))
    x = cr.tensor(a, requires_grad=True)
    tx = torch.tensor(a, requires_grad=True)
    for t, s, mask in ((x, cr, MASK), (tx, torch, T_MASK)):
        y = t * 2  # (not y = t.sin(): unary nodes also save their output, which setitem then changes)
        y[mask] = y[mask] * 3
        y[:, 0] = t[:, 1]
        y[1] = y[1] + t[2]
        (y * y).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)


# --- gather / scatter ------------------------------------------------------------------------

G_IDX, T_G_IDX = index_pair([[0, 3], [2, 2], [1, 0]])
S_IDX, T_S_IDX = index_pair([[0, 2], [3, 1]])  # no duplicate per row: scatter is deterministic


def test_gather():
    check_op(lambda x: x.gather(1, G_IDX), [(3, 4)], torch_fn=lambda x: x.gather(1, T_G_IDX))
    check_op(lambda x: cr.gather(x, -2, G_IDX[:2] % 3), [(3, 4)], torch_fn=lambda x: torch.gather(x, -2, T_G_IDX[:2] % 3))


def test_scatter():
    check_op(lambda x, s: x.scatter(1, S_IDX, s), [(3, 4), (2, 2)], torch_fn=lambda x, s: x.scatter(1, T_S_IDX, s))
    check_op(lambda x: x.scatter(1, S_IDX, value=2.5), [(3, 4)], torch_fn=lambda x: x.scatter(1, T_S_IDX, 2.5))


def test_scatter_from_a_larger_src_gives_its_unread_part_zero_gradient():
    check_op(lambda x, s: x.scatter(1, S_IDX, s), [(3, 4), (3, 3)])
    x = cr.zeros(3, 4, dtype=cr.float64)
    s = cr.ones(3, 3, dtype=cr.float64, requires_grad=True)
    x.scatter(1, S_IDX, s).sum().backward()
    want = np.zeros((3, 3))
    want[:2, :2] = 1
    np.testing.assert_allclose(s.grad.numpy(), want)


def test_scatter_add_with_duplicates():
    check_op(lambda x, s: x.scatter_add(1, G_IDX, s), [(3, 4), (3, 2)],
             torch_fn=lambda x, s: x.scatter_add(1, T_G_IDX, s))
    check_op(lambda x, s: cr.scatter_add(x, 0, G_IDX % 3, s), [(3, 4), (3, 2)],
             torch_fn=lambda x, s: torch.scatter_add(x, 0, T_G_IDX % 3, s))


# --- index_select / index_add / take ---------------------------------------------------------

SEL, T_SEL = index_pair([2, 0, 2])


def test_index_select_with_duplicates():
    check_op(lambda x: x.index_select(0, SEL), [(3, 4)], torch_fn=lambda x: x.index_select(0, T_SEL))
    check_op(lambda x: cr.index_select(x, -1, SEL), [(3, 4)], torch_fn=lambda x: torch.index_select(x, -1, T_SEL))


def test_index_add_with_duplicates_and_alpha():
    check_op(lambda x, s: x.index_add(1, SEL, s, alpha=2), [(3, 4), (3, 3)],
             torch_fn=lambda x, s: x.index_add(1, T_SEL, s, alpha=2))
    check_op(lambda x, s: cr.index_add(x, 0, SEL, s), [(3, 4), (3, 4)],
             torch_fn=lambda x, s: torch.index_add(x, 0, T_SEL, s))


def test_take_with_duplicate_and_negative_indices():
    check_op(lambda x: x.take(G_IDX - 4), [(3, 4)], torch_fn=lambda x: x.take(T_G_IDX - 4))


# --- masked_fill / masked_select -------------------------------------------------------------

ROW_MASK, T_ROW_MASK = index_pair(np.array([True, False, False, True]))


def test_masked_fill():
    check_op(lambda x: x.masked_fill(MASK, 1.5), [(3, 4)], torch_fn=lambda x: x.masked_fill(T_MASK, 1.5))
    check_op(lambda x: x.masked_fill(ROW_MASK, -1.0), [(3, 4)], torch_fn=lambda x: x.masked_fill(T_ROW_MASK, -1.0))
    # the mask broadcasts self: self's gradient is summed back to its shape
    check_op(lambda x: cr.masked_fill(x, MASK, 0.0), [(3, 1)])


def test_masked_select():
    check_op(lambda x: x.masked_select(MASK), [(3, 4)], torch_fn=lambda x: x.masked_select(T_MASK))
    check_op(lambda x: cr.masked_select(x, ROW_MASK), [(3, 4)], torch_fn=lambda x: torch.masked_select(x, T_ROW_MASK))
    check_op(lambda x: cr.masked_select(x, MASK), [(4,)], torch_fn=lambda x: torch.masked_select(x, T_MASK))


# --- in-place variants in a graph ------------------------------------------------------------

def in_place(method, *args, **kwargs):
    def run(x, *tensors):
        y = x * 1
        getattr(y, method)(*args, *tensors, **kwargs)
        return y.sin()
    return run


def test_in_place_variants_in_a_graph_match_pytorch():
    check_op(lambda x, s: in_place("scatter_", 1, S_IDX)(x, s), [(3, 4), (2, 2)],
             torch_fn=lambda x, s: in_place("scatter_", 1, T_S_IDX)(x, s))
    check_op(lambda x: in_place("scatter_", 1, S_IDX, value=3.0)(x), [(3, 4)],
             torch_fn=lambda x: in_place("scatter_", 1, T_S_IDX, value=3.0)(x))
    check_op(lambda x, s: in_place("scatter_add_", 1, G_IDX)(x, s), [(3, 4), (3, 2)],
             torch_fn=lambda x, s: in_place("scatter_add_", 1, T_G_IDX)(x, s))
    check_op(lambda x, s: in_place("index_add_", 1, SEL)(x, s), [(3, 4), (3, 3)],
             torch_fn=lambda x, s: in_place("index_add_", 1, T_SEL)(x, s))
    check_op(lambda x: in_place("masked_fill_", MASK, 0.5)(x), [(3, 4)],
             torch_fn=lambda x: in_place("masked_fill_", T_MASK, 0.5)(x))


# --- cat / stack / splitting -----------------------------------------------------------------

def test_cat():
    check_op(lambda a, b, c: cr.cat([a, b, c], 1), [(3, 2), (3, 1), (3, 4)],
             torch_fn=lambda a, b, c: torch.cat([a, b, c], 1))
    check_op(lambda a, b: cr.cat([a, b], -2), [(1, 3), (2, 3)], torch_fn=lambda a, b: torch.cat([a, b], -2))


def test_cat_skips_legacy_empty_inputs_and_gives_them_empty_gradients():
    a = cr.tensor(np.zeros(0), requires_grad=True)
    b = cr.tensor(np.ones((2, 3)), requires_grad=True)
    cr.cat([a, b, a], 1).sum().backward()
    assert tuple(a.grad.shape) == (0,)
    np.testing.assert_allclose(b.grad.numpy(), np.ones((2, 3)))


def test_cat_with_a_constant_input_gives_gradient_only_to_the_others():
    a = cr.tensor(np.ones((2, 2)), requires_grad=True)
    out = cr.cat([cr.zeros(1, 2, dtype=cr.float64), a, cr.zeros(1, 2, dtype=cr.float64)])
    assert out.grad_fn.name() == "CatBackward0"
    (out * cr.tensor(np.arange(8.0).reshape(4, 2))).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [[2, 3], [4, 5]])


def test_stack_hstack_vstack():
    check_op(lambda a, b: cr.stack([a, b], 1), [(3, 2), (3, 2)], torch_fn=lambda a, b: torch.stack([a, b], 1))
    check_op(lambda a, b: cr.stack([a, b], -1), [(3,), (3,)], torch_fn=lambda a, b: torch.stack([a, b], -1))
    check_op(lambda a, b: cr.hstack([a, b]), [(2, 3), (2, 1)], torch_fn=lambda a, b: torch.hstack([a, b]))
    check_op(lambda a, b: cr.vstack([a, b]), [(3,), (2, 3)], torch_fn=lambda a, b: torch.vstack([a, b]))


def test_split_chunk_unbind():
    check_op(lambda x: x.split(2, 1), [(3, 5)], torch_fn=lambda x: x.split(2, 1))
    check_op(lambda x: cr.split(x, [1, 2], 0), [(3, 4)], torch_fn=lambda x: torch.split(x, [1, 2], 0))
    check_op(lambda x: x.chunk(2, -1), [(3, 4)], torch_fn=lambda x: x.chunk(2, -1))
    check_op(lambda x: x.unbind(1), [(3, 4)], torch_fn=lambda x: x.unbind(1))


def test_a_piece_of_split_alone_gets_zeros_elsewhere():
    x = cr.tensor(np.ones((4, 2)), requires_grad=True)
    x.split(3)[1].sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0, 0], [0, 0], [0, 0], [1, 1]])


# --- no gradient / bad input -----------------------------------------------------------------

def test_nonzero_and_integer_results_have_no_gradient():
    x = cr.tensor(np.array([[0.0, 1.0], [2.0, 0.0]]), requires_grad=True)
    assert not x.nonzero().requires_grad
    assert all(not t.requires_grad for t in x.nonzero(as_tuple=True))
    assert x[x > 0].requires_grad  # the values picked by a mask do


def test_node_names():
    x = cr.tensor(np.ones((3, 4)), requires_grad=True)
    assert x[ROWS].grad_fn.name() == "IndexBackward0"
    assert x.index_select(0, SEL).grad_fn.name() == "IndexSelectBackward0"
    assert x.take(SEL).grad_fn.name() == "TakeBackward0"
    assert x.gather(1, G_IDX).grad_fn.name() == "GatherBackward0"
    assert x.scatter_add(1, G_IDX, x[:, :2]).grad_fn.name() == "ScatterAddBackward0"
    assert x.masked_fill(MASK, 0).grad_fn.name() == "MaskedFillBackward0"
    y = x * 1
    y[ROWS] = 0.0
    assert y.grad_fn.name() == "ViewBackward0"  # reshaped back from the flat IndexPutBackward0


def test_setitem_on_a_leaf_that_requires_grad_raises():
    x = cr.tensor(np.ones((3, 4)), requires_grad=True)
    with pytest.raises(RuntimeError, match="index_put_: a leaf tensor that requires grad"):
        x[0] = 1.0
    for call in (lambda: x.scatter_(1, S_IDX, value=1.0), lambda: x.index_add_(0, SEL, x[SEL]),
                 lambda: x.masked_fill_(MASK, 0.0), lambda: x.scatter_add_(1, G_IDX, x[:, :2])):
        with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
            call()
    with cr.no_grad():
        x[0] = 2.0
    assert x.grad_fn is None and x.detach().numpy()[0, 0] == 2.0


def test_index_changed_in_place_after_forward_raises_at_backward():
    x = cr.tensor(np.ones((3, 4)), requires_grad=True)
    idx = cr.tensor([0, 2])
    y = x.gather(1, idx.expand(3, 2).contiguous())
    z = x[idx]
    idx[0] = 1
    y.sum().backward()  # gather saved its own contiguous copy
    with pytest.raises(RuntimeError, match="modified by an in-place operation: IndexBackward0"):
        z.sum().backward()


def test_bad_indices_still_raise_with_grad():
    x = cr.tensor(np.ones((3, 4)), requires_grad=True)
    with pytest.raises(IndexError, match="out of bounds"):
        x[cr.tensor([3])]
    y = x * 1
    with pytest.raises(IndexError, match="out of bounds"):
        y[cr.tensor([0, 5])] = 1.0
    with pytest.raises(ValueError, match="shape mismatch"):
        y[cr.tensor([0, 1])] = cr.ones(3, 4, dtype=cr.float64)
    with pytest.raises(IndexError, match="gather: index 5 is out of bounds"):
        x.gather(1, G_IDX + 2)
    with pytest.raises(ValueError, match="masked_fill_: mask of shape"):
        y.masked_fill_(cr.ones(2, 4, dtype=cr.bool), 0.0)
    np.testing.assert_allclose(y.detach().numpy(), np.ones((3, 4)))  # nothing was written


# --- layouts, 0-d tensors and dtypes ---------------------------------------------------------

def test_non_contiguous_index_tensors():
    idx_t, t_idx_t = index_pair([[0, 1, 2], [2, 2, 0]])
    check_op(lambda x: x[idx_t.t()], [(3, 4)], torch_fn=lambda x: x[t_idx_t.t()])
    check_op(lambda x: x.gather(0, idx_t.t()), [(3, 4)], torch_fn=lambda x: x.gather(0, t_idx_t.t()))
    check_op(lambda x: x.index_select(1, idx_t[:, ::2][1]), [(3, 4)],
             torch_fn=lambda x: x.index_select(1, t_idx_t[:, ::2][1]))


def test_zero_dim_inputs_and_indices():
    zero, t_zero = index_pair(0)
    check_op(lambda x: x.gather(0, zero), [()], torch_fn=lambda x: x.gather(0, t_zero))
    check_op(lambda x: x.index_select(0, zero), [(3, 4)], torch_fn=lambda x: x.index_select(0, t_zero))
    check_op(lambda x: x[True], [(3,)], torch_fn=lambda x: x[True])
    check_op(lambda x, s: x.scatter_add(0, zero, s), [(), ()], torch_fn=lambda x, s: x.scatter_add(0, t_zero, s))


def test_gradients_keep_each_inputs_dtype():
    x = cr.ones(3, 4, requires_grad=True)  # float32
    v = cr.tensor(np.arange(4.0), requires_grad=True)  # float64, cast on write
    y = x * 1
    y[SET_ROWS] = v
    y.sum().backward()
    assert x.grad.dtype == cr.float32 and v.grad.dtype == cr.float64
    np.testing.assert_allclose(v.grad.numpy(), np.full(4, 2.0))
    np.testing.assert_allclose(x.grad.numpy(), [[1] * 4, [0] * 4, [0] * 4])
    a, b = cr.ones(2, requires_grad=True), cr.ones(2, dtype=cr.float64, requires_grad=True)
    cr.cat([a, b]).sum().backward()
    assert a.grad.dtype == cr.float32 and b.grad.dtype == cr.float64


def test_masked_fill_with_a_value_tensor_that_requires_grad():
    check_op(lambda x, v: x.masked_fill(x > 0, v.sum()), [(3, 4), (2,)],
             torch_fn=lambda x, v: x.masked_fill(x > 0, v.sum()))
