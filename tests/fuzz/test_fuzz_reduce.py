"""Fuzz: reductions and scans (sum, mean, prod, var, std, amax, amin, argmax, argmin, max/min with
a dim, all, any, logsumexp, norm, count_nonzero, median, cumsum, cumprod) over dims in and out of
range, tuples of dims, keepdim, empty dims, NaN/inf and non-contiguous inputs, against PyTorch."""
from hypothesis import given
from hypothesis import strategies as st

from conftest import requires_torch
from fuzz_harness import FUZZ_SETTINGS, Case, check, tolerances
from fuzz_strategies import dims, shapes, tensors
from fuzz_worker import D

pytestmark = requires_torch

# Values whose sums do not depend on the summation order (halves, normals, NaN/inf), and for the
# order-free reductions also values that overflow.
ORDER_FREE = {"amax", "amin", "argmax", "argmin", "all", "any", "max", "min", "count_nonzero"}
SUMMING_KINDS = ["small", "normal", "special"]
TUPLE_DIMS = {"sum", "mean", "var", "std", "amax", "amin", "logsumexp", "all", "any", "count_nonzero", "norm"}
KEEPDIM = {"sum", "mean", "prod", "var", "std", "amax", "amin", "argmax", "argmin", "all", "any", "logsumexp", "max",
           "min", "median", "norm"}
REDUCTIONS = sorted(ORDER_FREE | TUPLE_DIMS | KEEPDIM)


@st.composite
def dim_args(draw, name, ndim):
    """dim as PyTorch takes it for `name`: None, an int, or a tuple of ints (repeats included)."""
    choices = [dims(ndim)]
    if name != "logsumexp":
        choices.append(st.none())
    if name in TUPLE_DIMS:  # logsumexp over (): PyTorch raises, chainrule reduces (open, in the report)
        choices.append(st.lists(dims(ndim), min_size=name == "logsumexp", max_size=3).map(tuple))
    return draw(st.one_of(*choices))


@FUZZ_SETTINGS
@given(name=st.sampled_from(REDUCTIONS), data=st.data())
def test_reduction(name, data):
    x = data.draw(tensors() if name in ORDER_FREE else tensors(kinds=SUMMING_KINDS))
    ndim = x.array.ndim
    dim = data.draw(dim_args(name, ndim))
    kwargs = {}
    if dim is not None:
        kwargs["dim"] = dim
        if name in KEEPDIM and data.draw(st.booleans()):
            kwargs["keepdim"] = True
    if name in ("var", "std") and data.draw(st.booleans()):
        kwargs["correction"] = data.draw(st.sampled_from([0, 1, 2, 0.5]))
    if name in ("sum", "prod") and data.draw(st.integers(0, 3)) == 0:
        kwargs["dtype"] = D(data.draw(st.sampled_from(["float64", "int64", "float32"])))
    check(Case("method", name, (x,), kwargs), *tolerances(x.array.dtype.name))


@FUZZ_SETTINGS
@given(name=st.sampled_from(["cumsum", "cumprod"]), data=st.data())
def test_scan(name, data):
    x = data.draw(tensors(kinds=SUMMING_KINDS))
    dim = data.draw(dims(x.array.ndim))
    kwargs = {"dtype": D(data.draw(st.sampled_from(["float64", "int64"])))} if data.draw(st.booleans()) else {}
    check(Case("method", name, (x, dim), kwargs), *tolerances(x.array.dtype.name))


@FUZZ_SETTINGS
@given(shape=shapes(min_dims=1, max_side=9), data=st.data())
def test_reduction_of_a_zero_stride_input(shape, data):
    """An expanded (stride-0) input, reduced: the sum of 2**k copies, never a read past the buffer."""
    x = data.draw(tensors(shape=(1,) * len(shape), kinds=SUMMING_KINDS))
    name = data.draw(st.sampled_from(["sum", "mean", "amax", "prod", "var"]))
    dim = data.draw(dim_args(name, len(shape)))
    check(Case("method", "expand", (x, *shape), then=((name, () if dim is None else (dim,)),)),
          *tolerances(x.array.dtype.name))
