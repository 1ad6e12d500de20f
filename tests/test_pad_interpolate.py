"""pad and interpolate (chainrule.nn.functional.pad_interpolate): gradcheck + gradgradcheck + PyTorch
parity (check_op) over pad modes and amounts (negative ones crop), interpolate modes, sizes, scale
factors, align_corners and recompute_scale_factor; float32 parity; bad input."""
import numpy as np
import pytest

import chainrule as cr
import chainrule.nn.functional as F
from conftest import assert_close, check_op, requires_torch, torch

if torch is not None:
    import torch.nn.functional as TF


def both(name, *args, **kwargs):
    ours = lambda x: getattr(F, name)(x, *args, **kwargs)
    theirs = (lambda x: getattr(TF, name)(x, *args, **kwargs)) if torch is not None else None
    return ours, theirs


@pytest.mark.parametrize("pad, shape", [
    ((1, 2), (2, 3, 4)), ((0, 0, 2, 1), (2, 3, 4)), ((1, 1, 1, 1, 1, 1), (2, 3, 4)),
    ((-1, 2), (3, 4)), ((-1, -2, 1, 0), (2, 3, 5)), ((2, -1, 0, 0, -1, 1), (2, 3, 4)), ((), (3, 4)),
])
@pytest.mark.parametrize("value", [None, 1.5])
def test_constant_pad(pad, shape, value):
    ours, theirs = both("pad", pad, mode="constant", value=value)
    check_op(ours, [shape], torch_fn=theirs)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("pad, shape", [
    ((1, 2), (2, 3, 4)), ((3, 0), (3, 4)), ((-1, 2), (2, 2, 5)),
    ((1, 2, 0, 1), (2, 2, 4, 5)), ((2, 1, 3, 3), (2, 4, 5)), ((0, -1, 1, -2), (1, 2, 4, 5)),
])
def test_non_constant_pad(mode, pad, shape):
    ours, theirs = both("pad", pad, mode=mode)
    check_op(ours, [shape], torch_fn=theirs)


@pytest.mark.parametrize("mode", ["replicate", "circular"])
def test_pad_up_to_the_limits(mode):
    ours, theirs = both("pad", (4, 3, 2, 1) if mode == "circular" else (6, 5, 7, 1), mode=mode)
    check_op(ours, [(1, 2, 3, 4)], torch_fn=theirs)


INTERP_1D = [
    dict(size=7, mode="nearest"), dict(size=3, mode="nearest"), dict(scale_factor=2.5, mode="nearest"),
    dict(scale_factor=0.6, mode="nearest"), dict(scale_factor=1.7, mode="nearest", recompute_scale_factor=True),
    dict(size=9, mode="linear"), dict(size=9, mode="linear", align_corners=True), dict(size=3, mode="linear"),
    dict(scale_factor=1.5, mode="linear"), dict(scale_factor=0.7, mode="linear", align_corners=True),
    dict(size=5, mode="linear"), dict(size=1, mode="linear", align_corners=True),
    dict(scale_factor=2.3, mode="linear", recompute_scale_factor=True),
]


@pytest.mark.parametrize("kwargs", INTERP_1D)
def test_interpolate_1d(kwargs):
    ours, theirs = both("interpolate", **kwargs)
    check_op(ours, [(2, 3, 5)], torch_fn=theirs)


INTERP_2D = [
    dict(size=(7, 5), mode="nearest"), dict(size=3, mode="nearest"), dict(scale_factor=2, mode="nearest"),
    dict(scale_factor=(1.5, 0.7), mode="nearest"), dict(scale_factor=(1.1, 2.2), mode="nearest"),
    dict(size=(7, 6), mode="bilinear"), dict(size=(7, 6), mode="bilinear", align_corners=True),
    dict(size=(2, 3), mode="bilinear"), dict(scale_factor=(2.2, 1.3), mode="bilinear"),
    dict(scale_factor=0.6, mode="bilinear", align_corners=True),
    dict(scale_factor=(1.7, 2.5), mode="bilinear", recompute_scale_factor=True),
]


@pytest.mark.parametrize("kwargs", INTERP_2D)
def test_interpolate_2d(kwargs):
    ours, theirs = both("interpolate", **kwargs)
    check_op(ours, [(2, 2, 4, 5)], torch_fn=theirs)


@requires_torch
@pytest.mark.parametrize("kwargs", [
    dict(scale_factor=1.7, mode="nearest"), dict(size=(37, 23), mode="nearest"), dict(size=(5, 3), mode="nearest"),
    dict(scale_factor=(1.05, 2.1), mode="nearest"),  # out == in copies, out == 2 * in halves (2-d only)
    dict(scale_factor=(3.1, 0.55), mode="bilinear"), dict(size=(40, 21), mode="bilinear", align_corners=True),
    dict(size=(40, 21), mode="bilinear", align_corners=False),
])
def test_interpolate_float32_parity(kwargs):
    a = np.random.default_rng(1).standard_normal((2, 3, 17, 13)).astype(np.float32)
    x = cr.tensor(a, requires_grad=True)
    tx = torch.tensor(a, requires_grad=True)
    y, ty = F.interpolate(x, **kwargs), TF.interpolate(tx, **kwargs)
    assert_close(y.detach(), ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    g = np.random.default_rng(2).standard_normal(tuple(ty.shape)).astype(np.float32)
    y.backward(cr.tensor(g))
    ty.backward(torch.tensor(g))
    assert_close(x.grad, tx.grad.numpy(), rtol=1e-4, atol=1e-5)


@requires_torch
def test_aliases_and_non_contiguous():
    a = np.random.default_rng(3).standard_normal((2, 3, 5, 6))
    x, tx = cr.tensor(a).transpose(0, 1), torch.tensor(a).transpose(0, 1)
    assert_close(F.upsample(x, size=(7, 8), mode="bilinear", align_corners=False),
                 TF.interpolate(tx, size=(7, 8), mode="bilinear").numpy())
    assert_close(F.upsample_nearest(x, scale_factor=2), TF.interpolate(tx, scale_factor=2).numpy())
    assert_close(F.upsample_bilinear(x, size=(4, 9)),
                 TF.interpolate(tx, size=(4, 9), mode="bilinear", align_corners=True).numpy())
    assert_close(F.pad(x[:, :, ::2], (1, 2, 2, 1), mode="reflect"),
                 TF.pad(tx[:, :, ::2], (1, 2, 2, 1), mode="reflect").numpy())
    assert tuple(F.interpolate(cr.zeros(0, 2, 3, 3), size=4).shape) == (0, 2, 4, 4)
    assert tuple(F.pad(cr.zeros(0, 2, 3), (1, 1), mode="reflect").shape) == (0, 2, 5)


@requires_torch
def test_nearest_1d_and_2d_index_rules_differ_like_pytorch():
    a = np.arange(7.0).reshape(1, 1, 7)
    for x in (a, a[:, :, None, :]):  # 1-d: floor(o / 1.1); 2-d: out == in copies
        assert_close(F.interpolate(cr.tensor(x), scale_factor=1.1), TF.interpolate(torch.tensor(x), scale_factor=1.1).numpy())


def test_constant_pad_keeps_dtype():
    x = cr.tensor([[1, 2], [3, 4]])
    got = F.pad(x, (1, 0, 0, 1), value=7)
    assert got.dtype == cr.int64
    np.testing.assert_array_equal(got.numpy(), [[7, 1, 2], [7, 3, 4], [7, 7, 7]])


@pytest.mark.parametrize("call, error, match", [
    (lambda: F.pad(cr.zeros(1, 4, 4), (1, 1, 1)), RuntimeError, "pad: padding length must be divisible by 2"),
    (lambda: F.pad(cr.zeros(4), (1, 1, 1, 1)), RuntimeError, "pad: padding .* has more than two entries per dim"),
    (lambda: F.pad(cr.zeros(1, 4), (-3, -2)), RuntimeError, "pad: padding .* crops 5 elements from dim 1"),
    (lambda: F.pad(cr.zeros(1, 1, 2), (0, 0, 1, -2)), RuntimeError, "pad: padding .* crops 2 elements from dim 1"),
    (lambda: F.pad(cr.zeros(1, 4), (4, 1), mode="reflect"), RuntimeError, r"pad: reflect padding \(4, 1\) must be less"),
    (lambda: F.pad(cr.zeros(1, 4), (5, 1), mode="circular"), RuntimeError, "pad: circular padding .* wrap around"),
    (lambda: F.pad(cr.zeros(1, 4), (-4, -1), mode="replicate"), RuntimeError, "pad: padding .* to a negative size"),
    (lambda: F.pad(cr.zeros(1, 4), (-3, -1), mode="reflect"), RuntimeError, "pad: padding .* leaves no elements"),
    (lambda: F.pad(cr.zeros(1, 0), (1, 1), mode="replicate"), RuntimeError, "pad: replicate padding needs a non-empty"),
    (lambda: F.pad(cr.zeros(1, 4), (1, 1), mode="reflect", value=1.0), RuntimeError, "doesn't take a value"),
    (lambda: F.pad(cr.zeros(1, 1, 4, 4), (1, 1), mode="reflect"), NotImplementedError, "pad: reflect padding of 2"),
    (lambda: F.pad(cr.zeros(4), (1, 1), mode="circular"), NotImplementedError, "pad: circular padding"),
    (lambda: F.pad(cr.zeros(4), (1, 1), mode="wrap"), NotImplementedError, "pad: unrecognised padding mode"),
    (lambda: F.interpolate(cr.zeros(1, 1, 4), size=3, scale_factor=2), ValueError, "only one of size or scale_factor"),
    (lambda: F.interpolate(cr.zeros(1, 1, 4)), ValueError, "either size or scale_factor"),
    (lambda: F.interpolate(cr.zeros(1, 1, 4), size=3, align_corners=True), ValueError, "align_corners option"),
    (lambda: F.interpolate(cr.zeros(1, 1, 4, 4), size=3, mode="linear"), NotImplementedError, "linear mode needs 3D"),
    (lambda: F.interpolate(cr.zeros(1, 4, 4), size=3, mode="bilinear"), NotImplementedError, "bilinear mode needs 4D"),
    (lambda: F.interpolate(cr.zeros(4, 4), size=3), NotImplementedError, "interpolate: got a 2-d input"),
    (lambda: F.interpolate(cr.zeros(1, 1, 4, 4), size=3, mode="nearest", antialias=True), ValueError,
     "Anti-alias option is restricted to bilinear, bicubic, and lanczos modes"),
    (lambda: F.interpolate(cr.zeros(1, 1, 4, 4), size=3, mode="lanczos"), ValueError,
     "Lanczos mode requires antialias"),
    (lambda: F.interpolate(cr.zeros(1, 1, 4, 4), size=3, mode="lanczos", antialias=True, align_corners=True),
     ValueError, "Lanczos mode does not support align_corners=True"),
    (lambda: F.interpolate(cr.zeros(1, 1, 4, 4), size=3, mode="trilinear"), NotImplementedError,
     "trilinear mode needs 5D"),
    (lambda: F.interpolate(cr.zeros(1, 1, 4, 4), size=(0, 2), mode="bicubic"), RuntimeError, "sizes should be greater"),
    (lambda: F.interpolate(cr.zeros(1, 1, 4, dtype=cr.int64), size=3, mode="area"), TypeError, "area.*float32"),
    (lambda: F.interpolate(cr.zeros(1, 1, 4), size=3, mode="area", align_corners=False), ValueError,
     "align_corners option"),
    (lambda: F.interpolate(cr.zeros(1, 1, 4, 4), size=0), RuntimeError, "upsample_nearest2d: input and output sizes"),
    (lambda: F.interpolate(cr.zeros(1, 1, 4), scale_factor=0.1, mode="linear"), RuntimeError, "upsample_linear1d"),
    (lambda: F.interpolate(cr.zeros(1, 1, 4, 4), size=(2, 3, 4)), ValueError, "interpolate: input and output must"),
    (lambda: F.interpolate(cr.zeros(1, 1, 4, dtype=cr.int64), size=3), TypeError, "upsample_nearest1d: expected a float"),
    (lambda: F.interpolate(cr.zeros(1, 1, 4), size=3, recompute_scale_factor=True), ValueError, "not meaningful"),
])
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


@requires_torch
@pytest.mark.parametrize("name", ["upsample", "upsample_nearest", "upsample_bilinear"])
def test_deprecated_upsample_functions_warn_as_torch(name):
    # aladdinpersson/L1aoXingyu-era code still calls F.upsample; PyTorch warns at the caller's line
    caught_warnings = []
    for functional in (F, torch.nn.functional):
        lib = cr if functional is F else torch
        with pytest.warns(UserWarning) as caught:
            getattr(functional, name)(lib.ones(1, 1, 2, 2), scale_factor=2)
        caught_warnings.append([(str(w.message), w.filename) for w in caught])
    assert caught_warnings[0] == caught_warnings[1]
    assert caught_warnings[0][0][1] == __file__


def _permuted_pair(shape, order, slices=()):
    """The same values in chainrule and PyTorch, as a permute(order) of a contiguous `shape` tensor, sliced."""
    values = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    ours, theirs = cr.tensor(values).permute(*order), torch.tensor(values).permute(*order)
    return ours[slices], theirs[slices]


@requires_torch
@pytest.mark.parametrize("shape, order, slices, mode", [
    ((1, 4, 4, 32), (0, 3, 1, 2), (), "bicubic"),        # DINO's position-embedding resize
    ((2, 3, 5, 6), (0, 3, 1, 2), (), "nearest"),
    ((2, 3, 5, 6), (0, 3, 1, 2), (), "bilinear"),
    ((2, 6, 6, 3), (0, 3, 1, 2), (slice(None), slice(None), slice(1, 5)), "area"),
    ((2, 1, 1, 3), (0, 3, 1, 2), (), "bilinear"),
    ((2, 1, 1, 1), (0, 3, 1, 2), (), "nearest"),         # ambiguous size-1 dims: the default layout
    ((3, 1, 4, 4), (0, 1, 2, 3), (), "nearest-exact"),
    ((2, 4, 5, 3), (0, 1, 3, 2), (), "bilinear"),        # a W/H swap is not channels-last
    ((1, 3, 4, 4, 2), (0, 4, 1, 2, 3), (), "trilinear"),
    ((1, 3, 4, 4, 2), (0, 4, 1, 2, 3), (), "nearest"),
])
def test_interpolate_keeps_a_channels_last_input_channels_last_like_pytorch(shape, order, slices, mode):
    ours, theirs = _permuted_pair(shape, order, slices)
    kwargs = dict(scale_factor=1.5, mode=mode)
    out, expected = F.interpolate(ours, **kwargs), TF.interpolate(theirs, **kwargs)
    # the strides of size-1 dims place nothing: compare the others
    assert [s for s, n in zip(out.stride(), out.shape) if n > 1] == \
        [s for s, n in zip(expected.stride(), expected.shape) if n > 1]
    assert_close(out, expected, atol=1e-5, rtol=1e-5)


@requires_torch
def test_dino_position_embedding_resize_views_its_nhwc_memory_like_pytorch():
    ours, theirs = _permuted_pair((1, 4, 4, 32), (0, 3, 1, 2))
    kwargs = dict(scale_factor=(2.1 / 4, 2.1 / 4), mode="bicubic")
    out = F.interpolate(ours, **kwargs).permute(0, 2, 3, 1).view(1, -1, 32)
    expected = TF.interpolate(theirs, **kwargs).permute(0, 2, 3, 1).view(1, -1, 32)
    assert_close(out, expected, atol=1e-5, rtol=1e-5)


def test_channels_last_output_backpropagates_to_the_input():
    source = cr.randn(1, 4, 4, 8, requires_grad=True)
    F.interpolate(source.permute(0, 3, 1, 2), scale_factor=0.5, mode="bilinear").sum().backward()
    assert source.grad.shape == (1, 4, 4, 8) and abs(source.grad.sum().item() - 4 * 8) < 1e-4
