"""Fuzz: the matmul family (matmul, mm, bmm, mv, dot, outer, linear, addmm, baddbmm) with 0-size
and mismatched dims, and convolution/pooling (conv1d/2d, conv_transpose1d/2d, max/avg pools,
adaptive pools) with random kernel, stride, padding, dilation and groups, invalid ones included,
against PyTorch. Values are halves, so that every sum is exact whatever its order."""
from hypothesis import given
from hypothesis import strategies as st

from conftest import requires_torch
from fuzz_harness import FUZZ_SETTINGS, Case, check, tolerances
from fuzz_strategies import FLOATS, HUGE_SIZES, dtypes, shapes, tensors

pytestmark = requires_torch

EXACT = ["small"]
MATMUL_RANKS = {"matmul": (1, 4, 1, 4), "mm": (2, 2, 2, 2), "bmm": (3, 3, 3, 3), "mv": (2, 2, 1, 1), "dot": (1, 1, 1, 1),
                "outer": (1, 1, 1, 1)}


@st.composite
def operand_shapes(draw, a_ranks, b_ranks):
    """Shapes for a @ b: mostly agreeing inner dims and broadcastable batches, sometimes not."""
    a = list(draw(shapes(min_dims=a_ranks[0], max_dims=a_ranks[1], max_side=4)))
    b = list(draw(shapes(min_dims=b_ranks[0], max_dims=b_ranks[1], max_side=4)))
    if draw(st.integers(0, 4)) > 0:
        if len(b) >= 2:
            b[-2] = a[-1]
        elif b:
            b[0] = a[-1]
        batch = min(len(a), len(b)) - 2
        for i in range(1, batch + 1):
            b[-2 - i] = draw(st.sampled_from([a[-2 - i], 1]))
    return tuple(a), tuple(b)


@FUZZ_SETTINGS
@given(name=st.sampled_from(sorted(MATMUL_RANKS)), dtype=dtypes, data=st.data())
def test_matmul_family(name, dtype, data):
    ranks = MATMUL_RANKS[name]
    a_shape, b_shape = data.draw(operand_shapes(ranks[:2], ranks[2:]))
    b_dtype = dtype if data.draw(st.integers(0, 5)) else data.draw(dtypes)  # mixed dtypes: PyTorch refuses
    a = data.draw(tensors(shape=a_shape, dtype=dtype, kinds=EXACT))
    b = data.draw(tensors(shape=b_shape, dtype=b_dtype, kinds=EXACT))
    check(Case("fn", name, (a, b)), *tolerances(dtype))


@FUZZ_SETTINGS
@given(name=st.sampled_from(["linear", "addmm", "baddbmm"]), dtype=st.sampled_from(FLOATS), data=st.data())
def test_matmul_with_bias(name, dtype, data):
    ranks = {"linear": ((1, 4), (2, 2)), "addmm": ((2, 2), (2, 2)), "baddbmm": ((3, 3), (3, 3))}[name]
    a_shape, b_shape = data.draw(operand_shapes(*ranks))
    out_features = b_shape[-1] if name != "linear" else b_shape[0]
    if name == "linear":  # weight is (out, in)
        b_shape = (b_shape[-1], a_shape[-1]) if data.draw(st.integers(0, 4)) else b_shape
        out_features = b_shape[0]
    bias_shape = data.draw(st.sampled_from([(out_features,), (), (1,), (out_features + 1,)]))
    a, b = (data.draw(tensors(shape=s, dtype=dtype, kinds=EXACT)) for s in (a_shape, b_shape))
    bias = data.draw(st.one_of(st.none(), tensors(shape=bias_shape, dtype=dtype, kinds=EXACT))) if name == "linear" \
        else data.draw(tensors(shape=bias_shape, dtype=dtype, kinds=EXACT))
    args = (a, b, bias) if name == "linear" else (bias, a, b)
    kwargs = {"beta": 0.5, "alpha": 2} if name != "linear" and data.draw(st.booleans()) else {}
    check(Case("F" if name == "linear" else "fn", name, args, kwargs), *tolerances(dtype))


def spatial(draw, dims_count, low, high, huge=HUGE_SIZES):
    """An int or a tuple of ints for a conv/pool parameter (sometimes the wrong tuple length, sometimes
    huge: past int32, past memory, past int64 products)."""
    value = st.one_of(*[st.integers(low, high)] * 7, st.sampled_from(huge))
    if draw(st.booleans()):
        return draw(value)
    return tuple(draw(st.lists(value, min_size=dims_count - (draw(st.integers(0, 5)) == 0), max_size=dims_count)))


@st.composite
def conv_cases(draw):
    name = draw(st.sampled_from(["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d"]))
    nd = 1 if name.endswith("1d") else 2
    groups = draw(st.sampled_from([1, 1, 2, 3, 0]))
    in_ch = draw(st.integers(0, 2)) * max(groups, 1) + draw(st.sampled_from([0, 0, 1]))  # sometimes indivisible
    out_ch = draw(st.integers(0, 2)) * max(groups, 1)
    batch_dims = draw(st.sampled_from([(), (draw(st.integers(0, 2)),)]))
    x_shape = (*batch_dims, in_ch, *draw(shapes(min_dims=nd, max_dims=nd, max_side=7)))
    transposed = "transpose" in name
    w_shape = (in_ch, out_ch // max(groups, 1)) if transposed else (out_ch, in_ch // max(groups, 1))
    w_shape += draw(shapes(min_dims=nd, max_dims=nd, max_side=4))
    x, w = (draw(tensors(shape=s, dtype="float64", kinds=EXACT)) for s in (x_shape, w_shape))
    bias_size = out_ch if draw(st.integers(0, 5)) else out_ch + 1
    bias = draw(st.one_of(st.none(), tensors(shape=(bias_size,), dtype="float64", kinds=EXACT)))
    kwargs = {"stride": spatial(draw, nd, 0, 3, HUGE_SIZES), "dilation": spatial(draw, nd, 0, 3), "groups": groups}
    if transposed:
        kwargs["padding"] = spatial(draw, nd, -1, 2)
        kwargs["output_padding"] = spatial(draw, nd, 0, 2)
    else:
        kwargs["padding"] = draw(st.one_of(st.sampled_from(["same", "valid"]), st.just(spatial(draw, nd, -1, 3))))
    return Case("F", name, (x, w, bias), kwargs)


@FUZZ_SETTINGS
@given(case=conv_cases())
def test_convolution(case):
    check(case, *tolerances("float64"))


@st.composite
def pool_cases(draw):
    name = draw(st.sampled_from(["max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d",
                                 "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d"]))
    nd = 1 if name.endswith("1d") else 2
    lead = draw(st.sampled_from([(), (2,), (1, 3), (0, 2), (2, 0)]))
    x = draw(tensors(shape=(*lead, *draw(shapes(min_dims=nd, max_dims=nd, max_side=7))), dtype="float32",
                     kinds=["small", "special"]))
    if name.startswith("adaptive"):
        size = st.one_of(st.integers(0, 5), st.integers(0, 5), st.sampled_from(HUGE_SIZES))
        size = st.one_of(size, st.just(None)) if nd == 2 else size
        output = draw(size) if draw(st.booleans()) else tuple(draw(st.lists(size, min_size=nd, max_size=nd)))
        kwargs = {"return_indices": True} if "max" in name and draw(st.booleans()) else {}
        return Case("F", name, (x, output), kwargs)
    stride = spatial(draw, nd, 0, 3) if draw(st.booleans()) else None
    kwargs = {"kernel_size": spatial(draw, nd, 0, 4), "stride": stride, "padding": spatial(draw, nd, -1, 2),
              "ceil_mode": draw(st.booleans())}
    if "max" in name:
        kwargs["dilation"] = spatial(draw, nd, 0, 3)
        kwargs["return_indices"] = draw(st.booleans())
    else:
        kwargs["count_include_pad"] = draw(st.booleans())
        if nd == 2 and draw(st.booleans()):
            kwargs["divisor_override"] = draw(st.integers(-1, 3))
    return Case("F", name, (x,), kwargs)


@FUZZ_SETTINGS
@given(case=pool_cases())
def test_pooling(case):
    check(case, *tolerances("float32"))
