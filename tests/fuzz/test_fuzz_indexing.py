"""Fuzz: indexing (getitem/setitem with ints, slices with any step, None, ..., bool masks, int
tensors in and out of range, huge indices) and the gather family (index_select, gather, scatter,
scatter_add, index_add, take, take_along_dim, masked_select, masked_fill), against PyTorch.

Writes through repeated indices are order-dependent in PyTorch ("undefined which value wins"), so
a tensor of values is written only where indices cannot repeat; scalars are written anywhere."""
import chainrule as cr
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from conftest import requires_torch
from fuzz_harness import FUZZ_SETTINGS, Case, check
from fuzz_strategies import dims, shapes, tensors
from fuzz_worker import T

pytestmark = requires_torch

HUGE_INDICES = [2**31, 2**40, 2**62, -(2**40), 2**63 - 1, -(2**63)]
EXACT_KINDS = ["small", "special"]  # halves: sums in scatter_add/index_add are exact in any order


def int_tensor(shape, low, high, seed):
    return T(np.random.default_rng(seed).integers(low, high, shape).astype(np.int64), "contiguous")


@st.composite
def index_items(draw, size):
    """One item of an index for a dim of `size`: int, slice, None, ..., mask, int tensor, list."""
    bound = max(size, 1)
    kind = draw(st.sampled_from(["int", "int", "slice", "slice", "none", "ellipsis", "tensor", "mask", "list", "huge"]))
    if kind == "int":
        return draw(st.integers(-bound - 1, bound))
    if kind == "huge":
        return draw(st.sampled_from(HUGE_INDICES))
    if kind == "slice":
        ends = st.one_of(st.none(), st.integers(-bound - 2, bound + 2), st.sampled_from(HUGE_INDICES))
        # A step <= 0: PyTorch refuses; a huge one may overflow the view's stride (both raise).
        step = st.one_of(st.none(), st.integers(1, 3), st.sampled_from([-1, 0, 2**62, 2**63 - 1]))
        return slice(draw(ends), draw(ends), draw(step))
    if kind == "none":
        return None
    if kind == "ellipsis":
        return Ellipsis
    if kind == "mask":
        return T(np.random.default_rng(draw(st.integers(0, 99))).random(size) < 0.5, "contiguous")
    if kind == "list":
        return draw(st.lists(st.integers(-bound, bound - 1), min_size=0, max_size=3))
    return int_tensor(draw(shapes(max_dims=2, max_side=3)), -bound - 1, bound + 1, draw(st.integers(0, 99)))


@st.composite
def indices(draw, shape):
    items = [draw(index_items(shape[i] if i < len(shape) else 1))
             for i in range(draw(st.integers(1, max(len(shape), 1) + 1)))]
    if len(items) == 1 and draw(st.booleans()):
        return items[0]
    return tuple(items)


def can_repeat(index):
    """Whether an index can select one element twice (an int tensor or list does)."""
    items = index if isinstance(index, tuple) else (index,)
    return any(isinstance(i, list) or (isinstance(i, T) and i.array.dtype == np.int64) for i in items)


@FUZZ_SETTINGS
@given(data=st.data())
def test_getitem(data):
    x = data.draw(tensors())
    check(Case("getitem", "getitem", (x, data.draw(indices(x.array.shape)))))


@FUZZ_SETTINGS
@given(data=st.data())
def test_setitem(data):
    x = data.draw(tensors())
    index = data.draw(indices(x.array.shape))
    scalar = st.sampled_from([0, -2, 1.5, True, float("nan"), float("inf"), 2**62])
    value = data.draw(scalar if can_repeat(index) else st.one_of(scalar, tensors(shape=data.draw(shapes(max_dims=3)))))
    check(Case("setitem", "setitem", (x, index, value)))


@st.composite
def gather_cases(draw):
    name = draw(st.sampled_from(GATHER_OPS))
    x = draw(tensors(kinds=EXACT_KINDS))
    n, shape = x.array.ndim, x.array.shape
    dim = draw(dims(n))
    size = shape[dim % n] if n and -n <= dim < n else 1
    seed = draw(st.integers(0, 2**16))
    in_range = draw(st.integers(0, 4)) > 0
    low, high = (-size, size) if in_range else (-size - 3, size + 3)
    index_shape = draw(st.one_of(shapes(max_dims=1), st.just(shape), shapes(max_dims=n)))
    index = int_tensor(index_shape, low, max(high, low + 1), seed)
    if name in ("gather", "take_along_dim", "scatter_add", "scatter"):
        low, high = (0, max(size, 1)) if in_range else (-3, max(size, 1) + 3)
        index = int_tensor(index_shape if len(index_shape) == n else shape, low, high, seed)
    if name == "index_select":
        return Case("fn", name, (x, dim, index))
    if name in ("gather", "take_along_dim"):
        return Case("fn", name, (x, index, dim) if name == "take_along_dim" else (x, dim, index))
    if name == "take":
        return Case("fn", name, (x, int_tensor(index_shape, -x.array.size - 1, x.array.size + 1, seed)))
    if name == "scatter":  # a scalar value: the result does not depend on which repeat writes last
        return Case("method", name, (x, dim, index), {"value": draw(st.sampled_from([0.5, -1, 7]))})
    if name in ("scatter_add", "index_add"):
        source_shape = index.array.shape if name == "scatter_add" else None
        if name == "index_add":
            index = T(index.array.reshape(-1), "contiguous")
            source_shape = tuple(index.array.size if i == dim % max(n, 1) else d for i, d in enumerate(shape))
        source = draw(tensors(shape=source_shape, dtype=x.array.dtype.name, kinds=EXACT_KINDS))
        return Case("fn", name, (x, dim, index, source))
    if name == "masked_select":
        return Case("fn", name, (x, draw(tensors(shape=draw(st.sampled_from([shape, shape[1:], ()])), dtype="bool"))))
    mask = draw(tensors(shape=draw(st.sampled_from([shape, shape[1:], ()])), dtype="bool"))
    return Case("method", "masked_fill", (x, mask, draw(st.sampled_from([0, 1.5, float("nan"), True, 2**62]))))


GATHER_OPS = [name for name in ["index_select", "gather", "take_along_dim", "take", "scatter", "scatter_add",
                                "index_add", "masked_select", "masked_fill"] if hasattr(cr.Tensor, name)]


@FUZZ_SETTINGS
@given(case=gather_cases())
def test_gather_scatter_family(case):
    check(case)
