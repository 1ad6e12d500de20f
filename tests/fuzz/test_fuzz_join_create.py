"""Fuzz: joining and splitting (cat, stack, hstack, vstack, split, chunk, unbind) with mismatched
shapes and dtypes, and creation ops (zeros, ones, empty, full, arange, linspace, logspace, eye,
*_like) with odd, empty, negative and huge sizes, against PyTorch."""
from hypothesis import given
from hypothesis import strategies as st

from conftest import requires_torch
from fuzz_harness import FUZZ_SETTINGS, Case, check, tolerances
from fuzz_strategies import DTYPES, HUGE_SIZES, dims, shapes, sizes, tensors
from fuzz_worker import D

pytestmark = requires_torch


@st.composite
def join_cases(draw):
    name = draw(st.sampled_from(["cat", "stack", "hstack", "vstack", "concat"]))
    first = draw(tensors())
    shape = list(first.array.shape)
    parts = [first]
    for _ in range(draw(st.integers(0, 3))):
        other = list(shape)
        if other and draw(st.booleans()):  # another length along one dim (valid for cat along it)
            other[draw(st.integers(0, len(other) - 1))] = draw(st.integers(0, 3))
        if draw(st.integers(0, 6)) == 0:
            other = list(draw(shapes()))
        parts.append(draw(tensors(shape=other)))
    dim = draw(dims(len(shape) + (name == "stack")))
    return Case("fn", name, (parts,) if name in ("hstack", "vstack") else (parts, dim))


@FUZZ_SETTINGS
@given(case=join_cases())
def test_join(case):
    check(case)


@FUZZ_SETTINGS
@given(data=st.data())
def test_split(data):
    x = data.draw(tensors())
    n = x.array.ndim
    dim = data.draw(dims(n))
    name = data.draw(st.sampled_from(["split", "chunk", "unbind"]))
    if name == "unbind":
        check(Case("fn", name, (x, dim)))
        return
    amount = data.draw(st.one_of(sizes(), st.lists(st.integers(-1, 4), max_size=4)) if name == "split" else sizes())
    check(Case("fn", name, (x, amount, dim)))


# Small sizes (0 included), negative ones and huge ones (past int32, past memory, past int64
# products): the workers' address-space limit makes a giant allocation fail at once.
FACTORY_SIZES = st.one_of(st.integers(0, 7), st.integers(0, 7), st.sampled_from(HUGE_SIZES))


@st.composite
def creation_cases(draw):
    name = draw(st.sampled_from(["zeros", "ones", "empty", "full", "arange", "linspace", "logspace", "eye",
                                 "zeros_like", "ones_like", "full_like"]))
    dtype = draw(st.one_of(st.none(), st.sampled_from(DTYPES)))
    kwargs = {} if dtype is None else {"dtype": D(dtype)}
    size = tuple(draw(st.lists(FACTORY_SIZES, max_size=4)))
    number = st.sampled_from([0, 1, -3, 2.5, 0.1, -0.0, True, float("nan"), float("inf"), 1e30, 2**62])
    if name in ("zeros", "ones", "empty"):
        args = size if draw(st.booleans()) else (size,)
        then = (("size", ()),) if name == "empty" else ()  # empty's values are whatever was in memory
        return Case("fn", name, args, kwargs, then)
    if name == "full":
        return Case("fn", name, (size, draw(number)), kwargs)
    if name == "arange":
        floats = [0.5, -1.5, 0.1, float("nan"), 1e30]
        bound = st.one_of(st.integers(-6, 6), st.sampled_from(floats), st.sampled_from(HUGE_SIZES))
        args = tuple(draw(st.lists(bound, min_size=1, max_size=3)))
        return Case("fn", name, args, kwargs)
    if name in ("linspace", "logspace"):
        return Case("fn", name, (draw(number), draw(number), draw(FACTORY_SIZES)), kwargs)
    if name == "eye":
        return Case("fn", name, tuple(draw(st.lists(FACTORY_SIZES, min_size=1, max_size=2))), kwargs)
    like = draw(tensors(shape=size if all(0 <= d <= 7 for d in size) else ()))  # made here, so small
    args = (like, draw(number)) if name == "full_like" else (like,)
    return Case("fn", name, args, kwargs)


@FUZZ_SETTINGS
@given(case=creation_cases())
def test_creation(case):
    dtype = case.kwargs.get("dtype")
    check(case, *tolerances(dtype.name if dtype else "float32"))

