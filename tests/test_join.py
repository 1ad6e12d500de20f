"""Joining and splitting: cat/stack/hstack/vstack against NumPy (dtype promotion against PyTorch),
split/chunk/unbind as views, and the error messages for mismatched inputs."""
import numpy as np
import pytest

import chainrule as cr
from conftest import assert_close, requires_torch, torch


def strided_pair(shape, rng):
    """A non-contiguous chainrule tensor (a transposed copy) and the NumPy array with its values."""
    a = rng.standard_normal(shape)
    return cr.tensor(np.ascontiguousarray(a.T)).T, a


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cat_matches_numpy_for_random_shapes(dim):
    rng = np.random.default_rng(dim + 5)
    for _ in range(5):
        base = list(rng.integers(1, 4, size=3))
        pairs = []
        for k in range(3):
            shape = list(base)
            shape[dim] = int(rng.integers(0, 4))
            pairs.append(strided_pair(tuple(shape), rng) if k % 2 else (cr.tensor(a := rng.standard_normal(shape)), a))
        got = cr.cat([t for t, _ in pairs], dim=dim)
        assert_close(got, np.concatenate([a for _, a in pairs], axis=dim))
        assert got.is_contiguous()


@requires_torch
def test_cat_promotes_dtypes_and_skips_legacy_empty_like_torch():
    parts = [np.zeros((2, 3), np.float32), np.arange(3, dtype=np.int64).reshape(1, 3), np.ones((1, 3), bool)]
    got = cr.cat([cr.tensor(p) for p in parts] + [cr.zeros(0, dtype=cr.float64)])
    want = torch.cat([torch.from_numpy(p) for p in parts] + [torch.zeros(0, dtype=torch.float64)])
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
    assert_close(got, want.numpy())
    ints = cr.cat([cr.tensor([1, 2]), cr.tensor([True])])
    assert ints.dtype == cr.int64 and ints.tolist() == [1, 2, 1]
    assert cr.cat([cr.zeros(0), cr.zeros(0)]).shape == (0,)


def test_cat_errors_name_the_tensor_and_dim():
    with pytest.raises(ValueError, match=r"cat: sizes must match except in dim 0: tensor 1 has size 4 in dim 1"):
        cr.cat([cr.zeros(2, 3), cr.zeros(2, 4)])
    with pytest.raises(ValueError, match="cat: tensor 1 has 1 dims"):
        cr.cat([cr.zeros(2, 3), cr.zeros(3)])
    with pytest.raises(ValueError, match="cat: zero-dimensional"):
        cr.cat([cr.zeros(()), cr.zeros(())])
    with pytest.raises(ValueError, match="cat: expected a non-empty list"):
        cr.cat([])
    with pytest.raises(TypeError, match="cat: expected a list or tuple of tensors, but element 1"):
        cr.cat([cr.zeros(2), 3])
    with pytest.raises(IndexError, match="cat"):
        cr.cat([cr.zeros(2, 3)], dim=2)


@requires_torch
@pytest.mark.parametrize("op", ["cat", "concat", "stack", "hstack", "vstack"])
@pytest.mark.parametrize("position", [0, 1])
def test_none_in_the_list_is_pytorchs_type_error_not_a_crash(op, position):
    # torchattacks' JSMA starts from adv_images = None and relies on `try: torch.cat((adv_images, x))` raising
    ours, theirs = [cr.ones(2)], [torch.ones(2)]
    ours.insert(position, None)
    theirs.insert(position, None)
    with pytest.raises(TypeError, match=rf"element {position}"):
        getattr(torch, op)(theirs)
    with pytest.raises(TypeError, match=rf"{op if op != 'concat' else 'cat'}: .*element {position} is a NoneType"):
        getattr(cr, op)(ours)


@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_stack_matches_numpy(dim):
    rng = np.random.default_rng(1)
    pairs = [strided_pair((2, 3), rng) for _ in range(3)]
    assert_close(cr.stack([t for t, _ in pairs], dim), np.stack([a for _, a in pairs], axis=dim))
    with pytest.raises(ValueError, match="stack: expected each tensor to be equal size"):
        cr.stack([cr.zeros(2, 3), cr.zeros(3, 2)])


def test_hstack_vstack_match_numpy():
    a, b = np.arange(3.0), np.arange(3.0, 6.0)
    m = np.arange(6.0).reshape(2, 3)
    assert_close(cr.hstack([cr.tensor(a), cr.tensor(b)]), np.hstack([a, b]))
    assert_close(cr.hstack([cr.tensor(m), cr.tensor(m)]), np.hstack([m, m]))
    assert_close(cr.vstack([cr.tensor(a), cr.tensor(m)]), np.vstack([a, m]))
    assert_close(cr.concat([cr.tensor(m), cr.tensor(m)], dim=1), np.concatenate([m, m], 1))


def test_split_returns_views():
    x = cr.tensor(np.arange(20.0).reshape(4, 5))
    parts = x.split(2, dim=1)
    assert isinstance(parts, tuple) and [p.shape[1] for p in parts] == [2, 2, 1]
    assert all(p._storage_id() == x._storage_id() for p in parts)
    for got, want in zip(parts, np.split(np.arange(20.0).reshape(4, 5), [2, 4], axis=1)):
        assert_close(got, want)
    sections = cr.split(x, [1, 3], 0)
    assert [p.shape for p in sections] == [(1, 5), (3, 5)]
    assert len(cr.arange(20).split([1] * 20)) == 20
    parts[0].fill_(-1.0)
    assert x.numpy()[:, :2].min() == -1
    with pytest.raises(ValueError, match="split: section sizes add up to 3 but dim 0 has size 4"):
        x.split([1, 2])
    with pytest.raises(ValueError, match="split: split_size must be positive"):
        x.split(0)
    with pytest.raises(TypeError, match="split"):
        x.split("a")


@requires_torch
@pytest.mark.parametrize("n,chunks", [(5, 3), (6, 4), (6, 6), (2, 5), (0, 3)])
def test_chunk_matches_torch(n, chunks):
    a = np.arange(float(n * 2)).reshape(n, 2)
    got = cr.tensor(a).reshape(n, 2).chunk(chunks)
    want = torch.from_numpy(a).chunk(chunks)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert_close(g, w.numpy())


def test_unbind_and_errors():
    x = cr.tensor(np.arange(6.0).reshape(2, 3)).t()
    rows = x.unbind(1)
    assert len(rows) == 2 and rows[1].tolist() == [3, 4, 5]
    assert len(cr.unbind(x)) == 3
    with pytest.raises(ValueError, match="chunk: chunks must be positive"):
        x.chunk(0)
    with pytest.raises(IndexError, match="unbind"):
        x.unbind(2)
