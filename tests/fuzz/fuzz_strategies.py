"""Hypothesis strategies shared by the fuzz tests: shapes (with 0-size dims), dtypes, tensors with
awkward values (NaN, inf, -0.0, values that overflow) and layouts (transposed, strided), dims in and
out of range, and huge sizes. Values come from a drawn seed through NumPy, which keeps drawing fast.
"""
import numpy as np
from hypothesis import strategies as st

from fuzz_worker import T

# bfloat16 is left out: the workers pass values through NumPy, which has no bfloat16.
DTYPES = ["float32", "float64", "float16", "int64", "int32", "int16", "uint8", "int8", "bool"]
INTEGERS = ["int64", "int32", "int16", "uint8", "int8"]
FLOATS = ["float32", "float64", "float16"]
LAYOUTS = ["contiguous", "contiguous", "transposed", "strided"]
# Sizes no tensor can have: past int32, past any memory, past int64 products, negative.
HUGE_SIZES = [2**31, 2**32, 2**40, 2**62, 2**63 - 1, -1, -2, -(2**31)]
# Value kinds: "small" halves in [-2, 2] (ties, exact sums), "normal", "special" (NaN, inf, -0.0
# mixed in), "overflow" (values whose sums or products leave the dtype's range), "distinct"
# (no two equal: a stable order for sort/topk).
VALUE_KINDS = ["small", "normal", "special", "overflow"]

dtypes = st.sampled_from(DTYPES)


def shapes(min_dims=0, max_dims=4, max_side=5):
    return st.lists(st.integers(0, max_side), min_size=min_dims, max_size=max_dims).map(tuple)


def make_values(shape, dtype, kind, seed):
    """A NumPy array of `shape` and `dtype` whose values are of `kind` (see VALUE_KINDS)."""
    rng = np.random.default_rng(seed)
    if dtype == "bool":
        return rng.random(shape) < 0.5
    if kind == "distinct":
        n = int(np.prod(shape))
        values = rng.permutation(n) - n // 2
        if dtype in ("uint8", "int8"):  # as many distinct values as the dtype holds, then repeats
            values = values % 256 - (128 if dtype == "int8" else 0)
        return (values if dtype in INTEGERS else values * 0.5).reshape(shape).astype(dtype)
    if dtype in INTEGERS:
        info = np.iinfo(dtype)
        values = rng.integers(max(-4, info.min), 5, shape)
        if kind in ("special", "overflow"):
            extremes = np.array([0, -1, 2**62, -(2**62), 2**63 - 1, -(2**63)]) if dtype == "int64" else \
                np.array([0, 1, info.max, info.min, info.max - 1, info.max // 2 + 1])
            values = np.where(rng.random(shape) < 0.4, rng.choice(extremes, shape), values)
        return values.astype(dtype)
    if kind == "small":
        return (rng.integers(-4, 5, shape) / 2).astype(dtype)
    values = rng.standard_normal(shape) * 3
    if kind == "special":
        specials = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0])
        values = np.where(rng.random(shape) < 0.3, rng.choice(specials, shape), values)
    if kind == "overflow":
        big = float(np.finfo(dtype).max) / 2
        values = np.where(rng.random(shape) < 0.5, rng.choice([big, -big], shape), values)
    return values.astype(dtype)


@st.composite
def tensors(draw, shape=None, dtype=None, kinds=VALUE_KINDS, layouts=LAYOUTS):
    """A T placeholder: drawn (or given) shape and dtype, values of a drawn kind, a drawn layout."""
    shape = draw(shapes()) if shape is None else tuple(shape)
    dtype = draw(dtypes) if dtype is None else dtype
    kind = draw(st.sampled_from(kinds))
    return T(make_values(shape, dtype, kind, draw(st.integers(0, 2**32 - 1))), draw(st.sampled_from(layouts)))


def dims(ndim, allow_none=False):
    """A dim in range (mostly), negative or just out of range."""
    n = max(ndim, 1)
    dim = st.one_of(st.integers(-n, n - 1), st.integers(-n, n - 1), st.sampled_from([-n - 1, n, 2**40, -(2**63)]))
    return st.one_of(st.none(), dim) if allow_none else dim


@st.composite
def broadcast_partner(draw, shape):
    """A shape that mostly broadcasts with `shape` (dims set to 1, leading dims dropped or added)."""
    if draw(st.integers(0, 5)) == 0:
        return draw(shapes())
    other = [1 if draw(st.booleans()) else d for d in shape]
    other = other[draw(st.integers(0, len(other))):]
    return tuple(draw(shapes(max_dims=2)) + tuple(other)) if draw(st.integers(0, 3)) == 0 else tuple(other)


def sizes(max_side=5, huge=True):
    """One size: small (0 included) or, sometimes, huge or negative."""
    small = st.integers(0, max_side)
    return st.one_of(small, small, small, st.sampled_from(HUGE_SIZES)) if huge else small
