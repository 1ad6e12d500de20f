"""Cases the fuzz suite found, pinned through the same harness (child process, PyTorch oracle):
FIXED ones must keep passing. A defect left open goes in OPEN as a strict xfail, checked with
check(case, allow_known=False), so that its fix XPASSes and fails until the case moves to FIXED
and the fuzz strategy that kept it out (with a comment pointing here) is widened again. Where
PyTorch itself is wrong (an overflow inside it, a kernel that ignores strides), chainrule's answer
is checked against the right one instead (the tests at the end)."""
import chainrule as cr
import numpy as np
import pytest

from conftest import assert_close, requires_torch, torch
from fuzz_harness import Case, check, check_raises
from fuzz_worker import BACKWARD, D, T

pytestmark = requires_torch


def t(values, dtype="float32", layout="contiguous"):
    return T(np.array(values, dtype=dtype), layout)


FIXED = {
    # addmm/baddbmm/addmv broadcast `input` to the product's shape; a larger input was a larger
    # result ([2] + [0, 2, 1] gave [0, 2, 2]) where PyTorch raises.
    "baddbmm input larger than the product": Case("fn", "baddbmm", (t([1.0, 2.0]), t(np.ones((0, 2, 3))),
                                                                     t(np.ones((0, 3, 1))))),
    "addmm input larger than the product": Case("fn", "addmm", (t(np.ones((3, 3))), t(np.ones((2, 2))),
                                                                 t(np.ones((2, 3))))),
    # instance_norm of an empty batch raised "cat: expected a non-empty list of tensors".
    "instance_norm of an empty batch": Case("F", "instance_norm", (t(np.ones((0, 2, 3))), None, None, t([1.0, 2.0]),
                                                                   t([0.0, 1.0]))),
    # instance_norm with no spatial element (a 0-size dim) raised "Expected more than 1 spatial element".
    "instance_norm of an empty plane": Case("F", "instance_norm", (t(np.ones((4, 5, 0, 4))),)),
    # cross_entropy with class probabilities ignored ignore_index (PyTorch: RuntimeError).
    "cross_entropy probabilities with ignore_index": Case("F", "cross_entropy", (t(np.ones((2, 3))), t(np.ones((2, 3)))),
                                                          {"ignore_index": 0}),
    # logspace in int64 used the float bounds (logspace(0.5, 2.5, 3) gave [3, 31, 316], PyTorch
    # [1, 10, 100]) and wrote NaN/inf/1e30 exponents as INT64_MIN (PyTorch: RuntimeError).
    "logspace(0.5, 2.5, 3, int64)": Case("fn", "logspace", (0.5, 2.5, 3), {"dtype": D("int64")}),
    "logspace(1e30, 1, 1, int64)": Case("fn", "logspace", (1e30, 1, 1), {"dtype": D("int64")}),
    # Issue 15 defect 8: NaN semantics (a NaN bound gives NaN; hardshrink/softshrink keep NaN;
    # floor_divide(inf, 2) is NaN, as in PyTorch).
    "clamp(min=nan)": Case("fn", "clamp", (t([1.0, -3.0]), float("nan"))),
    "hardshrink(nan)": Case("F", "hardshrink", (t([1.0, float("nan")]),)),
    "softshrink(nan)": Case("F", "softshrink", (t([1.0, float("nan")]),)),
    "floor_divide(inf, 2)": Case("fn", "floor_divide", (t([float("inf"), -float("inf")]), 2)),
    # In-place floor_divide_/remainder_ of a large float32 divided twice (1.7e38 // 1.037 gave
    # 1.58e38, PyTorch 1.64e38): binary_kernel_with_rare_case now reads before it writes.
    "floor_divide_(1.7e38)": Case("method", "floor_divide_", (t([1.7014117331926443e+38, 3.0]), t(1.0367525815963745))),
    "remainder_(1.7e38)": Case("method", "remainder_", (t([1.7014117331926443e+38, 3.0]), t(1.0367525815963745))),
    # x[0] = v with v of shape (1,) or (1, n): PyTorch's setitem drops v's leading 1s (chainrule
    # raised "shape mismatch").
    "x[0] = tensor([5])": Case("setitem", "setitem", (t(np.zeros(3)), 0, t([5.0]))),
    "x[0] = ones(1, 1, 3)": Case("setitem", "setitem", (t(np.zeros((2, 3))), 0, t(np.ones((1, 1, 3))))),
    "x[mask] = ones(1, 2)": Case("setitem", "setitem", (t(np.zeros((2, 3))), (slice(None), t([True, False, True], "bool")),
                                                         t(np.ones((1, 2))))),
    # index_select of a 0-d tensor is 0-d (was shape (1,)); only one index is allowed there.
    "index_select(0-d, 0, 0-d)": Case("fn", "index_select", (t(1.5), 0, t(0, "int64"))),
    "index_select(0-d, 0, [0, 0])": Case("fn", "index_select", (t(1.5), 0, t([0, 0], "int64"))),
    "logspace(0, inf, 1, int64)": Case("fn", "logspace", (0, float("inf"), 1), {"dtype": D("int64")}),
    # conv's stride/padding/dilation given as a 1-tuple stand for every dim, as in PyTorch (was a ValueError).
    "conv2d(dilation=(1,))": Case("F", "conv2d", (t(np.ones((1, 2, 5, 5))), t(np.ones((3, 2, 2, 2))), None),
                                  {"stride": (2,), "padding": (1,), "dilation": (1,)}),
    # Found by the fuzz and fixed by the lead and helpers the same day: a Python float past
    # float32's range written into float32 is a RuntimeError (was inf); an int64 arange of float
    # bounds truncates them first ([-1], was [-1, 0]); int64.pow_(-3) raises as pow does (was 0);
    # sign(nan) is 0.
    "full((2,), 1e300)": Case("fn", "full", ((2,), 1e300)),
    "masked_fill(1e300)": Case("method", "masked_fill", (t([0.5]), t([True], "bool"), 1e300)),
    "where(c, x, 1e300)": Case("fn", "where", (t(False, "bool"), t(0.5), 1e300)),
    "arange(-1.5, 0.5, int64)": Case("fn", "arange", (-1.5, 0.5), {"dtype": D("int64")}),
    "int64.pow_(-3)": Case("method", "pow_", (t([2, 3], "int64"), -3)),
    "sign(nan)": Case("fn", "sign", (t([float("nan"), -0.0]),)),
    # binary_cross_entropy checks its target is in [0, 1] (NaN and 1.5 gave a value; PyTorch raises).
    "binary_cross_entropy(target=nan)": Case("F", "binary_cross_entropy", (t([0.5]), t([float("nan")]))),
    "binary_cross_entropy(target=1.5)": Case("F", "binary_cross_entropy", (t([0.5]), t([1.5]))),
    # cross_entropy with class probabilities refuses only a non-negative ignore_index, as PyTorch.
    "cross_entropy probabilities with ignore_index=-1": Case("F", "cross_entropy", (t(np.ones((2, 3))),
                                                                                   t(np.ones((2, 3)))), {"ignore_index": -1}),
    # clamp with tensor bounds takes its result dtype over the three operands at once: a 0-d float64
    # input with float32 bounds of a dim is float32, as in PyTorch (two at a time gave float64).
    "clamp(0-d float64, int64, float32)": Case("fn", "clamp", (t(0.0, "float64"), t(np.zeros(2), "int64"), t(np.zeros(2)))),
    "clamp(0-d float64, None, float32)": Case("fn", "clamp", (t(0.0, "float64"), None, t(np.zeros(2)))),
    # Issue 15 defect 2: sizes that overflow segfaulted, had numel 0 or gave empty results.
    "zeros(2**62)": Case("fn", "zeros", (2**62,)),
    "eye(2**32, 2**32)": Case("fn", "eye", (2**32, 2**32)),
    "linspace(0, 1, 2**62)": Case("fn", "linspace", (0, 1, 2**62)),
    # An int64 linspace of float ends truncates them to int64 first, as PyTorch ([0, 1, 3], not
    # [0, 2, 3]); an end that int64 cannot hold raises.
    "linspace(0.5, 3.7, 3, int64)": Case("fn", "linspace", (0.5, 3.7, 3), {"dtype": D("int64")}),
    "linspace(1e30, 1, 5, int64)": Case("fn", "linspace", (1e30, 1, 5), {"dtype": D("int64")}),
    "zeros(2**32, 2**32)": Case("fn", "zeros", (2**32, 2**32)),
    "arange(0, 1e30)": Case("fn", "arange", (0.0, 1e30, 1.0)),
    "narrow(0, 2**63 - 2, 3)": Case("method", "narrow", (t(np.zeros(5)), 0, 2**63 - 2, 3)),
    # A slice step that overflows the view's stride (2 * 2**62): a RuntimeError, as PyTorch (it wrapped).
    "x[::2**62]": Case("getitem", "getitem", (t(np.ones((3, 2))), (slice(None, None, 2**62),))),
    # Gradients at NaN, as PyTorch: relu's passes through NaN (its mask is x <= 0); maximum/minimum
    # give it to both sides where either is NaN; amax/amin's is NaN for a NaN result (0 * g / 0).
    "relu'(nan)": Case("fn", "relu", (t([float("nan"), -1.0, 2.0], "float64"),), then=(BACKWARD,)),
    "maximum'(nan)": Case("fn", "maximum", (t([float("nan"), 1.0], "float64"), t([1.0, float("nan")], "float64")),
                          then=(BACKWARD,)),
    "amax'(nan)": Case("method", "amax", (t([float("nan"), -0.0], "float64"),), {"dim": 0}, then=(BACKWARD,)),
    # binary_cross_entropy's input gradient at 0 or 1 is (x - t) / max(x (1 - x), 1e-12), finite
    # (was NaN); its target gradient is -logit(x).
    "binary_cross_entropy'(1)": Case("F", "binary_cross_entropy", (t([1.0, 0.0], "float64"), t([0.5, 0.5], "float64")),
                                     {"reduction": "sum"}, then=(BACKWARD,)),
    # pow's base gradient is 0 where the exponent is 0 (was 0 * inf = NaN at 0 ** 0).
    "pow'(0, 0)": Case("fn", "pow", (t([0.0], "float64"), t([0.0], "float64")), then=(BACKWARD,)),
    # The median of an empty tensor is NaN in the graph (gradient zeros); the median of all
    # elements splits its gradient among ties (median(dim) picks one).
    "median'(empty)": Case("method", "median", (t(np.zeros((0, 3)), "float64"),), then=(BACKWARD,)),
    "median'(ties)": Case("method", "median", (t([0.0, 0.0, 1.0], "float64"),), then=(BACKWARD,)),
    # kl_div is xlogy(t, t) - t x, through the new xlogy op: its target gradient at 0 is NaN, as PyTorch.
    "kl_div'(target=0)": Case("F", "kl_div", (t([[-2.0, 2.0]], "float64"), t([[0.0, 1.5]], "float64")),
                              {"reduction": "sum"}, then=(BACKWARD,)),
    # An adaptive pool of an empty batch to a huge size returns the empty result (a MemoryError
    # from a window table before).
    "adaptive_avg_pool1d(empty, 2**40)": Case("F", "adaptive_avg_pool1d", (t(np.ones((0, 2, 3))), 2**40)),
    # Found by the widened fuzz: prod of a 0-d inf has gradient 1 (was inf / inf); smooth_l1 and
    # huber at an infinite difference have gradient +-1 (+-delta), NaN at NaN (was 0 * inf).
    "prod'(0-d inf)": Case("method", "prod", (t(float("inf"), "float64"),), then=(BACKWARD,)),
    "smooth_l1_loss'(inf)": Case("F", "smooth_l1_loss", (t([float("inf"), -float("inf"), float("nan"), 0.3], "float64"),
                                                         t([1.5, 1.5, 1.5, 1.5], "float64")), then=(BACKWARD,)),
    "huber_loss'(inf)": Case("F", "huber_loss", (t([float("inf"), -float("inf"), float("nan"), 0.3], "float64"),
                                                 t([1.5, 1.5, 1.5, 1.5], "float64")), {"delta": 0.5}, then=(BACKWARD,)),
    # Found by a 3000-example run: unfold of a 0-d tensor took dim 0 but not -1, and with size 0
    # gave shape (2, 0); PyTorch returns shape (size,) (no window dim) for dims 0 and -1.
    "0-d unfold(-1, 0, 1)": Case("method", "unfold", (t(1.5), -1, 0, 1)),
    "0-d unfold(0, 0, 1).sum(0)": Case("method", "unfold", (t(1.5), 0, 0, 1), then=(("sum", (0,)),)),
    "0-d unfold'(-1, 1, 1)": Case("method", "unfold", (t(1.5, "float64"), -1, 1, 1), then=(BACKWARD,)),
    # An int64 linspace reads its ends as PyTorch does: none for 0 steps, start alone for 1 (a NaN
    # end raised "cannot be converted to type int64_t" there).
    "linspace(0, nan, 0, int64)": Case("fn", "linspace", (0, float("nan"), 0), {"dtype": D("int64")}),
    "linspace(2.9, inf, 1, int64)": Case("fn", "linspace", (2.9, float("inf"), 1), {"dtype": D("int64")}),
    # atan2's gradients at (0, 0) are 0, as PyTorch's (were 0 / 0 = NaN).
    "atan2'(0, 0)": Case("fn", "atan2", (t(0.0), t(0.0)), then=(BACKWARD,)),
    # prod's gradient beside a zero is the product of the others, not out / x (NaN beside a NaN);
    # an inf-norm passes a NaN gradient to every element (g / count * mask).
    "prod'([nan, -0])": Case("method", "prod", (t([float("nan"), -0.0], "float64"),), then=(BACKWARD,)),
    "normalize'([inf, 2.46], p=inf)": Case("F", "normalize", (t([float("inf"), 2.46], "float64"),),
                                           {"p": float("inf"), "dim": 0}, then=(BACKWARD,)),
}

# Fixed after they were pinned open: im2col's ceiling division, (a + b - 1) / b, overflowed int64
# for a stride b near 2**63, so conv1d of [1.5, 0.5] by [1.5] with stride 2**63 - 1 gave [0]
# (PyTorch [2.25]) and zero gradients (cpp/cpu/im2col.cpp now divides as (a - 1) / b + 1).
FIXED.update({
    "conv1d(stride=2**63 - 1)": Case("F", "conv1d", (t([[1.5, 0.5]], "float64"), t([[[1.5]]], "float64"), None),
                                     {"stride": 2**63 - 1}),
    "conv1d'(stride=2**63 - 1)": Case("F", "conv1d", (t([[1.5, 0.5]], "float64"), t([[[1.5]]], "float64"), None),
                                      {"stride": 2**63 - 1}, then=(BACKWARD,)),
})

# Found when uint8/int8 joined the strategies (fuzz_strategies.DTYPES).
FIXED.update({
    # A number operand of an op with a float result is taken whole: uint8 / 2**62 wrapped the
    # divisor to 0 in uint8 first and gave inf (PyTorch 4.3e-19).
    "div(uint8, 2**62)": Case("fn", "div", (t(2, "uint8"), 2**62)),
    # A uint8 or int8 tensor's integer exponent must fit its dtype (PyTorch raises; it wrapped).
    "pow(uint8, 2**62)": Case("fn", "pow", (t([0, 4, 3], "uint8"), 2**62)),
    # cumprod of integers multiplies in int64 (gave int8; of an empty uint8 tensor, NumPy's uint64).
    "cumprod(int8 0-d)": Case("method", "cumprod", (t(3, "int8"), 0)),
    "cumprod(empty uint8)": Case("method", "cumprod", (t(np.zeros((4, 0, 3)), "uint8"), 0)),
    # uint8/int8 ranges of float bounds: length from the bounds, values from the truncated start and
    # step ("step must be nonzero" was raised); linspace's ends must fit the dtype; logspace's one
    # value is a checked write (it wrapped, or raised Python's OverflowError).
    "arange(-2, -1, 0.1, int8)": Case("fn", "arange", (-2, -1, 0.1), {"dtype": D("int8")}),
    "arange(-1.5, 0.5, uint8)": Case("fn", "arange", (-1.5, 0.5), {"dtype": D("uint8")}),
    "linspace(-1.5, 300.5, 4, int8)": Case("fn", "linspace", (-1.5, 300.5, 4), {"dtype": D("int8")}),
    "logspace(2**62, 2**62, 1, int8)": Case("fn", "logspace", (2**62, 2**62, 1), {"dtype": D("int8")}),
    "logspace(2.5, 2.5, 1, int64)": Case("fn", "logspace", (2.5, 2.5, 1), {"dtype": D("int64")}),
    # clamp with tensor bounds computes in the result type of all three (a first max() in uint8
    # wrapped the int64 bound -3 to 253); any/all over dim=() of uint8 give uint8.
    "clamp(uint8, int64 -3, float32)": Case("fn", "clamp", (t([[3, 2, 0], [3, 3, 1]], "uint8"), t(-3, "int64"),
                                                           t(1.0275611877441406, "float32"))),
    "any(uint8, dim=())": Case("method", "any", (t([4, 0, 254, 3], "uint8"),), {"dim": ()}),
    # repeat expanded dim by dim in order, so a huge repeat before a 0 asked for 320 TiB; the dims
    # repeated 0 times go first now.
    "repeat(2**40, 0, 3)": Case("method", "repeat", (t(np.arange(40).reshape(4, 5, 2), "int64"), 2**40, 0, 3)),
    # The direct depthwise kernel pads each plane into a buffer: with padding 2**32 that was 128 GiB
    # (out of memory, where PyTorch returns). im2col takes such windows.
    "depthwise conv1d(padding=2**32)": Case("F", "conv1d", (t(np.zeros((3, 1)), "float64"),
                                                            t([[[-2.0]], [[1.0]], [[-2.0]]], "float64"), None),
                                            {"stride": (2**32,), "groups": 3, "padding": (2**32,)}),
})

# Found when the fuzz suite ran 1000 examples after float16 elementwise loops learned to read and
# write 16-bit elements.
FIXED.update({
    # A number past float32's range is inf in a float16 where (PyTorch), not float32's overflow error.
    "where(float16, 1e300)": Case("fn", "where", (t(False, "bool"), t(1.5, "float16"), 1e300)),
})

# Open defects, each a strict xfail until fixed (none at present).
OPEN = {}


@pytest.mark.parametrize("case", FIXED.values(), ids=FIXED.keys())
def test_fixed(case):
    check(case)


@pytest.mark.xfail(strict=True, reason="an open defect: see the comment on OPEN")
@pytest.mark.parametrize("case", OPEN.values(), ids=OPEN.keys())
def test_open(case):
    check(case, allow_known=False)


def test_sum_of_an_overflowing_expand_raises():
    """expand to 2**64 elements, then sum (defect 2: it returned 0.0). PyTorch would sum for hours,
    so chainrule alone is asked."""
    check_raises(Case("method", "expand", (t([1.0]), 2**32, 2**32), then=(("sum", ()),)))


# Where PyTorch's own answer is wrong (fuzz_known_differences.PYTORCH_WRONG), chainrule's is
# checked against the right one here.
@pytest.mark.parametrize("n", range(1, 6))
def test_slice_step_near_int64_max(n):
    """x[::2**63 - 1] is x[:1], as in Python and NumPy (PyTorch's slice length wraps for n >= 2)."""
    values = np.arange(n, dtype=np.float32) + 1
    assert_close(cr.tensor(values)[::2**63 - 1], values[::2**63 - 1])
    x = cr.tensor(values)
    x[::2**63 - 2] = 0
    expected = values.copy()
    expected[::2**63 - 2] = 0
    assert_close(x, expected)


@pytest.mark.parametrize("padding, expected", [(2**31, [[0.25]]), (2**32, [[0.25, 0.25 + 1.5 * 1.5]])])
def test_conv_output_size_past_int32(padding, expected):
    """conv1d of [1.5] by kernel [1.5, 0.5] (dilation 2), bias 0.25, stride 2**32: by the formula
    (1 + 2p - 2 - 1) // 2**32 + 1, one window all padding (the bias) for p = 2**31, and a second
    one starting at the input (0.25 + 1.5 * 1.5) for p = 2**32 (PyTorch: empty, and one window)."""
    x, w, b = (cr.tensor(v, dtype=cr.float64) for v in ([[1.5]], [[[1.5, 0.5]]], [0.25]))
    assert_close(cr.nn.functional.conv1d(x, w, b, stride=2**32, padding=padding, dilation=2), expected)


@pytest.mark.parametrize("shape", [(2, 2), (5, 2), (2, 2, 1)])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_gradient_with_a_strided_weight(shape, training):
    """PyTorch's CPU batch_norm backward over one-element planes reads a non-contiguous weight as
    if contiguous; with a contiguous weight its gradients are the reference for chainrule's strided one."""
    x, grad = (np.random.default_rng(seed).standard_normal(shape) for seed in (0, 1))
    stats = lambda lib: (None, None) if training else (lib.zeros(2, dtype=lib.float64), lib.ones(2, dtype=lib.float64))

    def input_gradient(lib, weight):
        leaf = lib.tensor(x, requires_grad=True)
        out = lib.nn.functional.batch_norm(leaf, *stats(lib), weight, None, training=training)
        (out * lib.tensor(grad)).sum().backward()
        return leaf.grad.numpy()

    strided = cr.tensor([1.5, 1.5, 0.5, 0.5], dtype=cr.float64, requires_grad=True)[::2]
    assert_close(input_gradient(cr, strided), input_gradient(torch, torch.tensor([1.5, 0.5], dtype=torch.float64)),
                 rtol=1e-10, atol=1e-12)


def test_arange_with_a_length_past_int64():
    """PyTorch's length (end - start + step - 1) // step wraps for a step near 2**63 (an empty
    result); the range holds two values."""
    assert cr.arange(-4, 2**63 - 1, 2**63 - 1).tolist() == [-4, 2**63 - 5]
