"""chainrule.nn.functional convolutions: conv1d, conv2d, conv_transpose1d, conv_transpose2d.

Forward against naive NumPy references over sweeps of stride, padding, dilation and groups;
gradcheck + gradgradcheck in float64 and PyTorch parity (forward and backward) via check_op;
double backward through a gradient penalty; bad input raising ValueError/TypeError.
"""
import numpy as np
import pytest

import chainrule as cr
import chainrule.nn.functional as F
from conftest import assert_close, check_op, requires_torch, torch

if torch is not None:
    import torch.nn.functional as TF


# ---- naive NumPy references ----------------------------------------------------------------

def ref_conv2d(x, w, b=None, stride=(1, 1), pad=((0, 0), (0, 0)), dilation=(1, 1), groups=1):
    """x (N, C, H, W), w (K, C/groups, kh, kw); pad ((top, bottom), (left, right)). Loops over taps."""
    k, cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0)) + tuple(pad))
    (sh, sw), (dh, dw) = stride, dilation
    oh = (xp.shape[2] - dh * (kh - 1) - 1) // sh + 1
    ow = (xp.shape[3] - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((x.shape[0], k, oh, ow), dtype=np.float64)
    kg = k // groups
    for g in range(groups):
        for i in range(kh):
            for j in range(kw):
                patch = xp[:, g * cg:(g + 1) * cg, i * dh:i * dh + sh * (oh - 1) + 1:sh,
                           j * dw:j * dw + sw * (ow - 1) + 1:sw]
                out[:, g * kg:(g + 1) * kg] += np.einsum("nchw,kc->nkhw", patch, w[g * kg:(g + 1) * kg, :, i, j])
    return out if b is None else out + b.reshape(1, -1, 1, 1)


def ref_conv_transpose2d(x, w, b=None, stride=(1, 1), padding=(0, 0), output_padding=(0, 0), groups=1,
                         dilation=(1, 1)):
    """x (N, C, H, W), w (C, K/groups, kh, kw): scatters every input pixel times the kernel, then crops."""
    n, c, h, wd = x.shape
    _, kg, kh, kw = w.shape
    (sh, sw), (dh, dw), (ph, pw) = stride, dilation, padding
    full = ((h - 1) * sh + dh * (kh - 1) + 1 + output_padding[0], (wd - 1) * sw + dw * (kw - 1) + 1 + output_padding[1])
    y = np.zeros((n, kg * groups) + full)
    cg = c // groups
    for g in range(groups):
        for i in range(kh):
            for j in range(kw):
                contrib = np.einsum("nchw,ck->nkhw", x[:, g * cg:(g + 1) * cg], w[g * cg:(g + 1) * cg, :, i, j])
                y[:, g * kg:(g + 1) * kg, i * dh:i * dh + sh * (h - 1) + 1:sh, j * dw:j * dw + sw * (wd - 1) + 1:sw] += contrib
    y = y[:, :, ph:full[0] - ph, pw:full[1] - pw]
    return y if b is None else y + b.reshape(1, -1, 1, 1)


def rand(*shape, dtype=np.float64):
    return np.random.standard_normal(shape).astype(dtype)


# ---- forward against the references --------------------------------------------------------

CONV2D_SWEEP = [  # (N, C, H, W), K, (kh, kw), stride, padding, dilation, groups
    ((2, 3, 7, 6), 4, (3, 3), (1, 1), (1, 1), (1, 1), 1),
    ((1, 4, 8, 9), 6, (3, 2), (2, 3), (0, 1), (1, 1), 2),
    ((2, 2, 9, 7), 3, (3, 3), (1, 2), (2, 0), (2, 2), 1),
    ((3, 6, 5, 5), 6, (3, 3), (1, 1), (1, 1), (1, 1), 6),   # depthwise
    ((2, 5, 4, 6), 7, (1, 1), (1, 1), (0, 0), (1, 1), 1),   # pointwise: no im2col
    ((2, 4, 6, 6), 4, (1, 1), (2, 2), (1, 1), (1, 1), 2),   # 1x1 strided/padded: the general path
    ((1, 1, 5, 5), 2, (5, 5), (1, 1), (0, 0), (1, 1), 1),   # kernel as large as the input
]


@pytest.mark.parametrize("dtype,tol", [(np.float32, 1e-4), (np.float64, 1e-10)])
@pytest.mark.parametrize("case", CONV2D_SWEEP)
def test_conv2d_matches_reference(case, dtype, tol):
    shape, k, (kh, kw), stride, padding, dilation, groups = case
    x, w, b = rand(*shape, dtype=dtype), rand(k, shape[1] // groups, kh, kw, dtype=dtype), rand(k, dtype=dtype)
    got = F.conv2d(cr.tensor(x), cr.tensor(w), cr.tensor(b), stride, padding, dilation, groups)
    pad = tuple((p, p) for p in padding)
    assert got.dtype == (cr.float32 if dtype == np.float32 else cr.float64)
    assert_close(got, ref_conv2d(x.astype(np.float64), w, b, stride, pad, dilation, groups), rtol=tol, atol=tol)


@pytest.mark.parametrize("kernel,dilation", [(3, 1), (4, 1), (2, 3), (4, 2)])
def test_padding_same_and_valid(kernel, dilation):
    x, w = rand(2, 3, 7, 8), rand(4, 3, kernel, kernel)
    total = dilation * (kernel - 1)
    pad = ((total // 2, total - total // 2),) * 2  # an odd total puts the extra one after
    got = F.conv2d(cr.tensor(x), cr.tensor(w), padding="same", dilation=dilation)
    assert tuple(got.shape) == (2, 4, 7, 8)
    assert_close(got, ref_conv2d(x, w, dilation=(dilation, dilation), pad=pad), rtol=1e-10, atol=1e-10)
    assert_close(F.conv2d(cr.tensor(x), cr.tensor(w), padding="valid", dilation=dilation),
                 ref_conv2d(x, w, dilation=(dilation, dilation)), rtol=1e-10, atol=1e-10)


def test_conv1d_and_unbatched():
    x, w, b = rand(2, 3, 11), rand(5, 3, 3), rand(5)
    want = ref_conv2d(x[:, :, None], w[:, :, None], b, (1, 2), ((0, 0), (1, 1)), (1, 2))[:, :, 0]
    assert_close(F.conv1d(cr.tensor(x), cr.tensor(w), cr.tensor(b), stride=2, padding=1, dilation=2), want,
                 rtol=1e-10, atol=1e-10)
    assert_close(F.conv1d(cr.tensor(x[0]), cr.tensor(w), cr.tensor(b), stride=2, padding=1, dilation=2), want[0],
                 rtol=1e-10, atol=1e-10)
    x2, w2 = rand(3, 6, 5), rand(4, 3, 2, 2)
    assert_close(F.conv2d(cr.tensor(x2), cr.tensor(w2)), ref_conv2d(x2[None], w2)[0], rtol=1e-10, atol=1e-10)


def test_non_contiguous_inputs():
    x, w = rand(2, 3, 6, 5), rand(4, 3, 3, 2)
    xt = cr.tensor(np.ascontiguousarray(x.transpose(0, 1, 3, 2))).transpose(2, 3)
    wt = cr.tensor(np.ascontiguousarray(w.transpose(1, 0, 2, 3))).transpose(0, 1)
    assert not xt.is_contiguous() and not wt.is_contiguous()
    assert_close(F.conv2d(xt, wt, padding=1), ref_conv2d(x, w, pad=((1, 1), (1, 1))), rtol=1e-10, atol=1e-10)
    strided = cr.tensor(rand(2, 6, 12, 5))[:, ::2, ::2]
    assert_close(F.conv2d(strided, cr.tensor(w)), ref_conv2d(strided.numpy(), w), rtol=1e-10, atol=1e-10)


CONV_TRANSPOSE_SWEEP = [  # (N, C, H, W), K/groups, (kh, kw), stride, padding, output_padding, groups, dilation
    ((2, 3, 4, 5), 2, (3, 3), (1, 1), (0, 0), (0, 0), 1, (1, 1)),
    ((1, 4, 3, 4), 3, (3, 2), (2, 3), (1, 0), (1, 2), 2, (1, 1)),
    ((2, 2, 5, 3), 2, (2, 3), (2, 1), (1, 1), (0, 0), 1, (2, 2)),
    ((2, 2, 3, 3), 1, (3, 3), (1, 1), (1, 1), (1, 1), 1, (2, 2)),  # output_padding < dilation
    ((2, 4, 3, 3), 1, (3, 3), (2, 2), (1, 1), (1, 1), 4, (1, 1)),  # depthwise
]


@pytest.mark.parametrize("case", CONV_TRANSPOSE_SWEEP)
def test_conv_transpose2d_matches_reference(case):
    shape, kg, kernel, stride, padding, output_padding, groups, dilation = case
    x, w, b = rand(*shape), rand(shape[1], kg, *kernel), rand(kg * groups)
    got = F.conv_transpose2d(cr.tensor(x), cr.tensor(w), cr.tensor(b), stride, padding, output_padding, groups,
                             dilation)
    want = ref_conv_transpose2d(x, w, b, stride, padding, output_padding, groups, dilation)
    assert_close(got, want, rtol=1e-10, atol=1e-10)


def test_conv_transpose1d_and_unbatched():
    x, w = rand(2, 3, 6), rand(3, 2, 3)
    want = ref_conv_transpose2d(x[:, :, None], w[:, :, None], stride=(1, 2), padding=(0, 1), output_padding=(0, 1))
    assert_close(F.conv_transpose1d(cr.tensor(x), cr.tensor(w), stride=2, padding=1, output_padding=1),
                 want[:, :, 0], rtol=1e-10, atol=1e-10)
    assert_close(F.conv_transpose2d(cr.tensor(x[0][:, None]), cr.tensor(w[:, :, None])),
                 ref_conv_transpose2d(x[:1, :, None], w[:, :, None])[0], rtol=1e-10, atol=1e-10)


def test_empty_batch_and_float32_grad():
    out = F.conv2d(cr.zeros(0, 3, 5, 5), cr.zeros(4, 3, 3, 3))
    assert tuple(out.shape) == (0, 4, 3, 3)
    x = cr.tensor(rand(2, 3, 5, 5, dtype=np.float32), requires_grad=True)
    w = cr.tensor(rand(4, 3, 3, 3, dtype=np.float32), requires_grad=True)
    F.conv2d(x, w, padding=1).sum().backward()
    assert x.grad.dtype == cr.float32 and tuple(w.grad.shape) == (4, 3, 3, 3)


# ---- gradients: gradcheck + gradgradcheck (float64) and PyTorch parity -----------------------

GRAD_SWEEP = [  # x shape, w shape, stride, padding, dilation, groups
    ((2, 2, 5, 4), (3, 2, 3, 2), 1, 1, 1, 1),
    ((1, 4, 5, 6), (4, 2, 2, 3), (2, 1), (0, 1), 1, 2),
    ((2, 2, 6, 5), (2, 1, 2, 2), 1, 1, (2, 1), 2),  # depthwise, dilated
    ((2, 3, 3, 4), (2, 3, 1, 1), 1, 0, 1, 1),       # pointwise
    ((1, 2, 5, 5), (2, 2, 3, 3), 2, 2, 2, 1),      # padding as large as the dilated kernel's reach
    ((3, 4, 3, 2), (2, 4, 3, 2), 1, 0, 1, 1),       # the kernel covers the input: a fully connected layer
    ((2, 3, 4, 4), (1, 3, 4, 4), 2, 0, 1, 1),       # the same with one output channel and a stride
]


@pytest.mark.parametrize("xs,ws,stride,padding,dilation,groups", GRAD_SWEEP)
def test_conv2d_gradients(xs, ws, stride, padding, dilation, groups):
    def run(f):
        return lambda x, w, b: f(x, w, b, stride, padding, dilation, groups)
    check_op(run(F.conv2d), [xs, ws, (ws[0],)], torch_fn=run(TF.conv2d) if torch else None)


@pytest.mark.filterwarnings("ignore:Using padding='same'")  # PyTorch notes its padded copy
@pytest.mark.parametrize("padding", ["same", "valid"])
def test_conv2d_padding_modes_gradients(padding):
    f = lambda F_: lambda x, w: F_.conv2d(x, w, padding=padding, dilation=(1, 2))  # noqa: E731
    check_op(f(F), [(1, 2, 4, 5), (2, 2, 2, 2)], torch_fn=f(TF) if torch else None)


@pytest.mark.parametrize("stride,padding,dilation,groups", [(1, 0, 1, 1), (2, 1, 1, 2), (1, "same", 2, 1)])
def test_conv1d_gradients(stride, padding, dilation, groups):
    f = lambda F_: lambda x, w, b: F_.conv1d(x, w, b, stride, padding, dilation, groups)  # noqa: E731
    check_op(f(F), [(2, 2, 7), (4, 2 // groups, 3), (4,)], torch_fn=f(TF) if torch else None)


@pytest.mark.parametrize("xs,ws,stride,padding,output_padding,groups,dilation", [
    ((2, 2, 3, 4), (2, 3, 3, 2), 1, 0, 0, 1, 1),
    ((1, 4, 3, 3), (4, 1, 2, 3), (2, 1), (1, 0), (1, 0), 2, 1),
    ((1, 2, 3, 3), (2, 2, 2, 2), 1, 1, 1, 1, 2),
    ((3, 5, 1, 1), (5, 2, 4, 4), 1, 0, 0, 1, 1),  # 1x1 -> 4x4, a DCGAN generator's first layer
])
def test_conv_transpose2d_gradients(xs, ws, stride, padding, output_padding, groups, dilation):
    f = lambda F_: lambda x, w, b: F_.conv_transpose2d(x, w, b, stride, padding, output_padding, groups,  # noqa: E731
                                                       dilation)
    check_op(f(F), [xs, ws, (ws[1] * groups,)], torch_fn=f(TF) if torch else None)


def test_conv_transpose1d_gradients():
    f = lambda F_: lambda x, w: F_.conv_transpose1d(x, w, stride=2, padding=1, output_padding=1)  # noqa: E731
    check_op(f(F), [(2, 3, 4), (3, 2, 3)], torch_fn=f(TF) if torch else None)


def test_grad_fn_names():
    x = cr.tensor(rand(1, 2, 4, 4), requires_grad=True)
    w = cr.tensor(rand(3, 2, 3, 3), requires_grad=True)
    assert F.conv2d(x, w).grad_fn.name() == "ConvolutionBackward0"
    assert F.conv_transpose2d(x, cr.tensor(rand(2, 3, 3, 3))).grad_fn.name() == "ConvolutionTransposeBackward0"


@requires_torch
def test_gradient_penalty_double_backward_matches_torch():
    """WGAN-GP: the penalty (|d D(x) / dx| - 1)^2 through a two-layer conv critic, differentiated
    w.r.t. the weights: needs the double backward of conv and of its transposed gradients."""
    x, w1, w2 = rand(2, 2, 6, 6), rand(3, 2, 3, 3), rand(1, 3, 2, 2)

    def penalty(lib, F_, x, w1, w2):
        h = F_.conv2d(x, w1, stride=1, padding=1)
        out = F_.conv2d(h * h, w2, stride=2).sum()
        (g,) = lib.autograd.grad(out, x, create_graph=True)
        return ((g * g).sum() - 1.0) ** 2

    ours = [cr.tensor(a, requires_grad=True) for a in (x, w1, w2)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w1, w2)]
    p, tp = penalty(cr, F, *ours), penalty(torch, TF, *theirs)
    p.backward()
    tp.backward()
    assert_close(p.detach(), tp.detach().numpy(), rtol=1e-10, atol=1e-10)
    for a, b in zip(ours[1:], theirs[1:]):
        assert_close(a.grad, b.grad.numpy(), rtol=1e-9, atol=1e-10)


# ---- the Winograd path (3x3, stride 1, enough tiles): each case asserts it is taken -------------

WINOGRAD_SWEEP = [  # x shape, w shape, padding, groups
    ((8, 2, 8, 8), (2, 2, 3, 3), 1, 1),     # 128 tiles, whole ones
    ((3, 1, 16, 15), (1, 1, 3, 3), 0, 1),   # odd output width: partial tiles on the right
    ((8, 4, 8, 7), (4, 2, 3, 3), 2, 2),     # groups; padding 2 (the input gradient reads unshifted)
    ((4, 2, 12, 12), (3, 2, 3, 3), 3, 1),   # padding 3: the input gradient starts inside gy
]


def winograd_taken(xs, ws, padding, groups):
    return F.conv2d_algorithm(cr.zeros(*xs), cr.zeros(*ws), padding=padding, groups=groups) == "winograd"


@pytest.mark.parametrize("xs,ws,padding,groups", WINOGRAD_SWEEP)
def test_winograd_matches_reference(xs, ws, padding, groups):
    assert winograd_taken(xs, ws, padding, groups)
    for dtype, tol in [(np.float32, 1e-4), (np.float64, 1e-10)]:
        x, w, b = rand(*xs, dtype=dtype), rand(*ws, dtype=dtype), rand(ws[0], dtype=dtype)
        got = F.conv2d(cr.tensor(x), cr.tensor(w), cr.tensor(b), padding=padding, groups=groups)
        pad = ((padding, padding), (padding, padding))
        assert_close(got, ref_conv2d(x.astype(np.float64), w, b, pad=pad, groups=groups), rtol=tol, atol=tol)


@pytest.mark.parametrize("xs,ws,padding,groups", WINOGRAD_SWEEP[:3])
def test_winograd_gradients(xs, ws, padding, groups):
    """gradcheck + gradgradcheck (the double backward runs the Winograd primitives again) and
    PyTorch parity of the output and all three gradients."""
    assert winograd_taken(xs, ws, padding, groups)
    f = lambda F_: lambda x, w, b: F_.conv2d(x, w, b, padding=padding, groups=groups)  # noqa: E731
    check_op(f(F), [xs, ws, (ws[0],)], torch_fn=f(TF) if torch else None)


@requires_torch
@pytest.mark.parametrize("dtype,rtol,atol", [(np.float32, 1e-4, 1e-4), (np.float64, 1e-10, 1e-9)])
def test_winograd_layers_match_torch(dtype, rtol, atol):
    """Layer-sized shapes (many blocks of tile rows, split across threads), conv2d and the stride-1
    conv_transpose2d (which runs the Winograd input-gradient kernel), forward and backward."""
    xs, ws = (6, 32, 26, 26), (48, 32, 3, 3)
    assert winograd_taken(xs, ws, 1, 1)
    x, w, b = rand(*xs, dtype=dtype), rand(*ws, dtype=dtype), rand(ws[0], dtype=dtype)
    ours = [cr.tensor(a, requires_grad=True) for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    y, ty = F.conv2d(*ours, padding=1), TF.conv2d(*theirs, padding=1)
    assert_close(y.detach(), ty.detach().numpy(), rtol=rtol, atol=atol)
    g = rand(*ty.shape, dtype=dtype)
    y.backward(cr.tensor(g))
    ty.backward(torch.tensor(g))
    for a, t_ in zip(ours, theirs):
        assert_close(a.grad, t_.grad.numpy(), rtol=rtol, atol=atol * 100)  # sums over 6 * 26 * 26 positions
    gx = F.conv_transpose2d(cr.tensor(g), cr.tensor(w), padding=1)
    assert_close(gx, TF.conv_transpose2d(torch.tensor(g), torch.tensor(w), padding=1).numpy(), rtol=rtol, atol=atol)


@requires_torch
@pytest.mark.parametrize("where,index", [("input", (3, 1, 4, 5)), ("weight", (1, 2, 0, 2)), ("grad", (2, 3, 6, 1))])
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_winograd_non_finite_values_match_torch(where, index, value):
    """The tile transforms would turn one infinity into inf - inf = NaN where the direct sum is
    +-inf; such calls are recomputed the direct way, so NaN and +-inf land in the output and both
    gradients exactly where PyTorch puts them."""
    xs, ws = (8, 4, 8, 8), (4, 4, 3, 3)
    assert winograd_taken(xs, ws, 1, 1)
    arrays = {"input": rand(*xs), "weight": rand(*ws), "grad": rand(8, 4, 8, 8)}
    arrays[where][index] = value
    ours = [cr.tensor(arrays[k], requires_grad=True) for k in ("input", "weight")]
    theirs = [torch.tensor(arrays[k], requires_grad=True) for k in ("input", "weight")]
    y, ty = F.conv2d(*ours, padding=1), TF.conv2d(*theirs, padding=1)
    y.backward(cr.tensor(arrays["grad"]))
    ty.backward(torch.tensor(arrays["grad"]))
    assert_close(y.detach(), ty.detach().numpy(), rtol=1e-10, atol=1e-10)  # NaN and inf positions must agree
    for a, b in zip(ours, theirs):
        assert_close(a.grad, b.grad.numpy(), rtol=1e-10, atol=1e-9)


def test_conv2d_algorithm():
    assert F.conv2d_algorithm(cr.zeros(32, 64, 32, 32), cr.zeros(64, 64, 3, 3), padding=1) == "winograd"
    assert F.conv2d_algorithm(cr.zeros(64, 1, 28, 28), cr.zeros(32, 1, 3, 3), padding=1) == "im2col"
    assert F.conv2d_algorithm(cr.zeros(32, 64, 32, 32), cr.zeros(64, 64, 3, 3), stride=2) == "im2col"
    assert F.conv2d_algorithm(cr.zeros(8, 16, 8, 8), cr.zeros(32, 16, 1, 1)) == "gemm"
    assert F.conv2d_algorithm(cr.zeros(64, 32, 32), cr.zeros(64, 64, 3, 3), padding="same") == "winograd"  # unbatched
    with pytest.raises(ValueError, match=r"conv2d: expected input with 3 channels"):
        F.conv2d_algorithm(cr.zeros(1, 4, 8, 8), cr.zeros(2, 3, 3, 3))


# ---- bad input -----------------------------------------------------------------------------

def t(*shape, dtype=cr.float32):
    return cr.zeros(*shape, dtype=dtype)


@pytest.mark.parametrize("call,error,match", [
    (lambda: F.conv2d(t(8, 4, 16, 16), t(0, 4, 3, 3)), ValueError,
     r"conv2d: expected a weight with at least 1 element in every dim, got weight of shape \(0, 4, 3, 3\)"),
    (lambda: F.conv2d(t(8, 0, 16, 16), t(4, 0, 3, 3)), ValueError, r"conv2d: expected a weight with at least 1"),
    (lambda: F.conv_transpose2d(t(2, 3, 5, 5), t(3, 0, 3, 3)), ValueError, r"conv_transpose2d: expected a weight"),
    (lambda: F.conv2d(t(8, 4, 32, 32), t(16, 3, 3, 3)), ValueError,
     r"conv2d: expected input with 3 channels \(weight \(16, 3, 3, 3\), groups=1\), got input \(8, 4, 32, 32\)"),
    (lambda: F.conv2d(t(1, 3, 4, 4), t(2, 3, 5, 5)), ValueError, r"conv2d: kernel size .* larger than the padded"),
    (lambda: F.conv2d(t(1, 3, 4, 4), t(2, 3, 3, 3), dilation=2), ValueError, "conv2d: kernel size"),
    (lambda: F.conv2d(t(1, 3, 4, 4), t(2, 3, 3, 3), stride=0), ValueError, "conv2d: stride must be positive"),
    (lambda: F.conv2d(t(1, 3, 4, 4), t(2, 3, 3, 3), dilation=(1, -1)), ValueError, "conv2d: dilation"),
    (lambda: F.conv2d(t(1, 3, 4, 4), t(2, 3, 3, 3), padding=-1), ValueError, "conv2d: padding must be non-negative"),
    (lambda: F.conv2d(t(1, 4, 4, 4), t(3, 2, 3, 3), groups=2), ValueError, "conv2d: groups=2 must divide"),
    (lambda: F.conv2d(t(1, 3, 4, 4), t(3, 1, 3, 3), groups=3, stride=(1, 1)), None, None),
    (lambda: F.conv2d(t(1, 3, 4, 4), t(2, 3, 3, 3), groups=0), ValueError, "conv2d: groups must be positive"),
    (lambda: F.conv2d(t(3, 4, 4, 4, 1), t(2, 4, 3, 3)), ValueError, r"conv2d: expected a 3-D \(unbatched\) or 4-D"),
    (lambda: F.conv2d(t(1, 3, 4, 4), t(2, 3, 3)), ValueError, "conv2d: expected a 4-D weight"),
    (lambda: F.conv1d(t(1, 3, 4, 4), t(2, 3, 3)), ValueError, "conv1d: expected a 2-D"),
    (lambda: F.conv2d(t(1, 3, 8, 8), t(2, 3, 3, 3), stride=2, padding="same"), ValueError,
     "conv2d: padding='same' is not supported for strided"),
    (lambda: F.conv2d(t(1, 3, 8, 8), t(2, 3, 3, 3), padding="full"), ValueError, "conv2d: padding must be 'same'"),
    (lambda: F.conv2d(t(1, 3, 8, 8), t(2, 3, 3, 3), stride=(1, 1, 1)), ValueError, "conv2d: stride must be"),
    (lambda: F.conv2d(t(1, 3, 8, 8), t(2, 3, 3, 3), stride=(1.5, 1)), TypeError, "conv2d: stride must be"),
    (lambda: F.conv2d(t(1, 3, 8, 8), t(2, 3, 3, 3, dtype=cr.float64)), TypeError, "conv2d: input dtype float32"),
    (lambda: F.conv2d(t(1, 3, 8, 8), t(2, 3, 3, 3), t(2, dtype=cr.float64)), TypeError, "conv2d: input dtype"),
    (lambda: F.conv2d(t(1, 3, 8, 8), t(2, 3, 3, 3), t(3)), ValueError, r"conv2d: expected bias of shape \(2\)"),
    (lambda: F.conv2d(t(1, 3, 8, 8, dtype=cr.int64), t(2, 3, 3, 3, dtype=cr.int64)), TypeError,
     "conv2d: expected a float32 or float64 input"),
    (lambda: F.conv2d(t(1, 3, 8, 8, dtype=cr.bool), t(2, 3, 3, 3, dtype=cr.bool)), TypeError, "conv2d"),
    (lambda: F.conv2d(t(1, 3, 8, 8), t(2, 3, 3, 3), bias=3), TypeError, "conv2d: bias must be a Tensor"),
    (lambda: F.conv_transpose2d(t(1, 3, 4, 4), t(4, 2, 3, 3)), ValueError,
     r"conv_transpose2d: expected input with 4 channels \(weight \(4, 2, 3, 3\), groups=1\), got input \(1, 3, 4, 4\)"),
    (lambda: F.conv_transpose2d(t(1, 3, 4, 4), t(3, 2, 3, 3), output_padding=1), ValueError,
     "conv_transpose2d: output_padding must be smaller"),
    (lambda: F.conv_transpose2d(t(1, 3, 1, 1), t(3, 2, 1, 1), padding=1), ValueError,
     "conv_transpose2d: the output size"),
    (lambda: F.conv_transpose2d(t(1, 3, 4, 4), t(3, 2, 3, 3), groups=2), ValueError, "conv_transpose2d: groups=2"),
    (lambda: F.conv_transpose1d(t(1, 3, 4), t(3, 2, 3), stride=-1), ValueError, "conv_transpose1d: stride"),
])
def test_bad_input(call, error, match):
    if error is None:
        call()  # a valid depthwise call among the invalid ones
        return
    with pytest.raises(error, match=match):
        call()


@requires_torch
@pytest.mark.parametrize("xs,ws", [((70, 2, 5, 5), (3, 2, 3, 3)),     # blocks of samples, a shorter last one
                                   ((5, 8, 20, 20), (16, 8, 3, 3))])  # enough work to split across threads
def test_large_batches_match_torch(xs, ws):
    x, w = rand(*xs), rand(*ws)
    ours = [cr.tensor(a, requires_grad=True) for a in (x, w)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w)]
    y, ty = F.conv2d(*ours, padding=1, stride=(1, 2)), TF.conv2d(*theirs, padding=1, stride=(1, 2))
    assert_close(y.detach(), ty.detach().numpy(), rtol=1e-10, atol=1e-10)
    g = rand(*ty.shape)
    y.backward(cr.tensor(g))
    ty.backward(torch.tensor(g))
    for a, b in zip(ours, theirs):
        assert_close(a.grad, b.grad.numpy(), rtol=1e-10, atol=1e-9)
    gx = F.conv_transpose2d(cr.tensor(g), cr.tensor(w), padding=1, stride=(1, 2), output_padding=(0, xs[3] % 2 == 0))
    assert_close(gx, TF.conv_transpose2d(torch.tensor(g), torch.tensor(w), padding=1, stride=(1, 2),
                                         output_padding=(0, int(xs[3] % 2 == 0))).numpy(), rtol=1e-10, atol=1e-9)
