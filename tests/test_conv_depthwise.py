"""The direct depthwise convolution kernels (cpu/conv_depthwise.cpp), taken when groups ==
in_channels > 1 for any channel multiplier: conv2d, conv1d and conv_transpose2d forward and both
gradients against PyTorch over sweeps of kernel size, stride, padding, dilation and multiplier, in
float32 and float64; gradcheck + gradgradcheck in float64 (the double backward runs the depthwise
primitives again)."""
import numpy as np
import pytest

import chainrule as cr
import chainrule.nn.functional as F
from conftest import assert_close, check_op, requires_torch, torch

if torch is not None:
    import torch.nn.functional as TF

# x shape, multiplier, kernel, stride, padding, dilation
SWEEP_2D = [
    ((2, 3, 9, 11), 1, 3, 1, 1, 1),
    ((2, 3, 9, 11), 2, 3, 1, 1, 1),
    ((2, 4, 12, 10), 1, 5, 2, 2, 1),
    ((1, 3, 10, 9), 2, (2, 5), (2, 1), (0, 3), (1, 2)),
    ((2, 2, 8, 8), 1, 3, 1, 2, 3),
    ((1, 4, 7, 7), 3, 7, 3, 4, 1),   # the kernel overhangs the input on every side
    ((2, 2, 5, 6), 1, 1, 1, 0, 1),   # 1x1
    ((2, 3, 6, 8), 2, 3, 2, 2, 3),
    ((3, 5, 4, 13), 1, (1, 3), (1, 3), (0, 0), (1, 1)),  # the last columns are never read
]


def kernel_hw(kernel):
    return (kernel, kernel) if isinstance(kernel, int) else kernel


def rand(*shape, dtype=np.float64):
    return np.random.standard_normal(shape).astype(dtype)


def test_depthwise_path_is_taken_only_for_depthwise_shapes():
    assert F.conv2d_algorithm(cr.zeros(2, 8, 8, 8), cr.zeros(8, 1, 3, 3), groups=8) == "depthwise"
    assert F.conv2d_algorithm(cr.zeros(2, 8, 8, 8), cr.zeros(16, 1, 5, 5), stride=2, groups=8) == "depthwise"
    assert F.conv2d_algorithm(cr.zeros(2, 8, 8, 8), cr.zeros(8, 2, 3, 3), groups=4) != "depthwise"
    assert F.conv2d_algorithm(cr.zeros(2, 1, 8, 8), cr.zeros(4, 1, 3, 3), groups=1) != "depthwise"


def compare_with_torch(ours_fn, theirs_fn, arrays, rtol, atol):
    """Output and every input's gradient for one random output gradient."""
    ours = [cr.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, ty = ours_fn(F, *ours), theirs_fn(TF, *theirs)
    assert_close(y.detach(), ty.detach().numpy(), rtol=rtol, atol=atol)
    g = rand(*ty.shape, dtype=arrays[0].dtype)
    y.backward(cr.tensor(g))
    ty.backward(torch.tensor(g))
    for a, b in zip(ours, theirs):
        assert_close(a.grad, b.grad.numpy(), rtol=rtol, atol=atol * 10)


@requires_torch
@pytest.mark.parametrize("dtype,rtol,atol", [(np.float32, 1e-4, 1e-4), (np.float64, 1e-10, 1e-10)])
@pytest.mark.parametrize("xs,mult,kernel,stride,padding,dilation", SWEEP_2D)
def test_depthwise_conv2d_matches_torch(xs, mult, kernel, stride, padding, dilation, dtype, rtol, atol):
    c = xs[1]
    w = rand(c * mult, 1, *kernel_hw(kernel), dtype=dtype)
    arrays = [rand(*xs, dtype=dtype), w, rand(c * mult, dtype=dtype)]
    assert F.conv2d_algorithm(cr.tensor(arrays[0]), cr.tensor(arrays[1]), stride, padding, dilation, c) == "depthwise"
    def f(F_, x, w, b):
        return F_.conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation, groups=c)
    compare_with_torch(f, f, arrays, rtol, atol)


@requires_torch
@pytest.mark.parametrize("padding", [0, 2, "same"])
@pytest.mark.parametrize("mult", [1, 2])
def test_depthwise_conv1d_matches_torch(mult, padding):
    c = 4
    arrays = [rand(3, c, 17), rand(c * mult, 1, 4), rand(c * mult)]
    f = lambda F_, x, w, b: F_.conv1d(x, w, b, padding=padding, dilation=2, groups=c)  # noqa: E731
    compare_with_torch(f, f, arrays, 1e-10, 1e-10)


@requires_torch
@pytest.mark.parametrize("stride,padding,output_padding", [(1, 1, 0), (2, 1, 1)])
def test_depthwise_conv_transpose2d_matches_torch(stride, padding, output_padding):
    """A transposed convolution with groups == out_channels runs the depthwise input-gradient kernel."""
    c = 3
    arrays = [rand(2, c * 2, 6, 7), rand(c * 2, 1, 3, 3), rand(c)]
    f = lambda F_, x, w, b: F_.conv_transpose2d(x, w, b, stride=stride, padding=padding,  # noqa: E731
                                                output_padding=output_padding, groups=c)
    compare_with_torch(f, f, arrays, 1e-10, 1e-10)


@requires_torch
@pytest.mark.parametrize("dtype,rtol,atol", [(np.float32, 1e-4, 1e-3), (np.float64, 1e-10, 1e-9)])
def test_depthwise_layer_sized_matches_torch(dtype, rtol, atol):
    """A MobileNet-sized layer: planes split across threads, long sums in the weight gradient."""
    c = 32
    arrays = [rand(8, c, 28, 28, dtype=dtype), rand(c, 1, 3, 3, dtype=dtype), rand(c, dtype=dtype)]
    f = lambda F_, x, w, b: F_.conv2d(x, w, b, padding=1, groups=c)  # noqa: E731
    compare_with_torch(f, f, arrays, rtol, atol)


@pytest.mark.parametrize("xs,mult,kernel,stride,padding,dilation", [SWEEP_2D[1], SWEEP_2D[3], SWEEP_2D[7]])
def test_depthwise_gradcheck(xs, mult, kernel, stride, padding, dilation):
    c = xs[1]
    xs = (1,) + xs[1:]  # one sample keeps gradgradcheck quick
    f = lambda F_: lambda x, w, b: F_.conv2d(x, w, b, stride=stride, padding=padding,  # noqa: E731
                                             dilation=dilation, groups=c)
    check_op(f(F), [xs, (c * mult, 1) + kernel_hw(kernel), (c * mult,)], torch_fn=f(TF) if torch else None)


@requires_torch
@pytest.mark.parametrize("stride,mult", [(1, 1), (2, 1), (1, 2)])
@pytest.mark.parametrize("where,index", [("input", (1, 2, 0, 7)), ("input", (0, 1, 4, 3)), ("weight", (1, 0, 2, 2)),
                                         ("weight", (3, 0, 0, 1)), ("grad", (1, 3, 0, 0)), ("grad", (0, 2, 3, 1))])
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_depthwise_non_finite_values_match_torch(stride, mult, where, index, value):
    """Products with the padding's zeros are made (forward, weight gradient) or dropped (input
    gradient) as PyTorch makes them, and the stride-1 wide loops' extra columns never reach a
    result: NaN and +-inf land in the output and both gradients exactly where PyTorch puts them."""
    c = 4
    arrays = {"input": rand(2, c, 8, 8), "weight": rand(c * mult, 1, 3, 3)}
    arrays["grad"] = rand(2, c * mult, 8 // stride, 8 // stride)
    arrays[where][index] = value
    ours = [cr.tensor(arrays[k], requires_grad=True) for k in ("input", "weight")]
    theirs = [torch.tensor(arrays[k], requires_grad=True) for k in ("input", "weight")]
    y = F.conv2d(*ours, stride=stride, padding=1, groups=c)
    ty = TF.conv2d(*theirs, stride=stride, padding=1, groups=c)
    y.backward(cr.tensor(arrays["grad"]))
    ty.backward(torch.tensor(arrays["grad"]))
    assert_close(y.detach(), ty.detach().numpy(), rtol=1e-10, atol=1e-10)  # NaN and inf positions must agree
    for a, b in zip(ours, theirs):
        assert_close(a.grad, b.grad.numpy(), rtol=1e-10, atol=1e-10)
