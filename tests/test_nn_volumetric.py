"""3-d ops (functional/volumetric.py: conv3d and the 3-d pools, composed from their 2-d forms) and their
layers: gradcheck in float64, values and gradients against PyTorch, layer parity (repr, state_dict,
initialization bounds, forward, gradients) and PyTorch's errors."""
import numpy as np
import pytest

import chainrule as cr
import chainrule.nn as nn
import chainrule.nn.functional as F
from conftest import assert_same_error, check_op, requires_torch, torch
from module_parity import check_module_parity

TF = torch.nn.functional if torch is not None else None
RNG = np.random.default_rng(9)


@requires_torch
@pytest.mark.parametrize("kwargs", [dict(), dict(stride=(2, 1, 2), padding=(1, 0, 1), dilation=(1, 2, 1), groups=2),
                                    dict(padding="same", dilation=(2, 1, 1)), dict(padding="valid", stride=2)])
def test_conv3d(kwargs):
    check_op(lambda x, w, b: F.conv3d(x, w, b, **kwargs), [(2, 4, 5, 4, 5), (4, 4 // kwargs.get("groups", 1), 3, 2, 3),
                                                           (4,)],
             lambda x, w, b: TF.conv3d(x, w, b, **kwargs), gradgrad=False)


@requires_torch
@pytest.mark.parametrize("kwargs", [dict(), dict(stride=(2, 1, 2), padding=(1, 0, 1), output_padding=(1, 0, 1),
                                                 groups=2, dilation=(1, 2, 1)),
                                    dict(stride=3, padding=2, dilation=2, output_padding=2)])
def test_conv_transpose3d(kwargs):
    check_op(lambda x, w, b: F.conv_transpose3d(x, w, b, **kwargs), [(2, 4, 3, 4, 3), (4, 2, 3, 2, 3), (2 * kwargs.get(
        "groups", 1),)], lambda x, w, b: TF.conv_transpose3d(x, w, b, **kwargs), gradgrad=False)


@requires_torch
def test_conv_transpose3d_output_size_and_errors():
    ours, theirs = nn.ConvTranspose3d(2, 3, 3, stride=2), torch.nn.ConvTranspose3d(2, 3, 3, stride=2)
    assert repr(ours) == repr(theirs)
    assert ours(cr.zeros(1, 2, 3, 3, 3), output_size=[8, 7, 8]).shape == (1, 3, 8, 7, 8)
    with pytest.raises(RuntimeError, match="output padding must be smaller than either stride or dilation"):
        F.conv_transpose3d(cr.zeros(1, 2, 3, 3, 3), cr.zeros(2, 3, 2, 2, 2), output_padding=(1, 0, 0))
    lazy = nn.LazyConvTranspose3d(3, 2)
    lazy(cr.zeros(1, 4, 2, 2, 2))
    assert type(lazy) is nn.ConvTranspose3d and tuple(lazy.weight.shape) == (4, 3, 2, 2, 2)


@requires_torch
def test_conv3d_unbatched():
    check_op(lambda x, w: F.conv3d(x, w), [(2, 3, 3, 3), (3, 2, 2, 2, 2)], lambda x, w: TF.conv3d(x, w), gradgrad=False)


@requires_torch
@pytest.mark.parametrize("args", [(2,), (3, 2, 1), ((2, 3, 2), (2, 2, 1), (1, 1, 0), (2, 1, 1), True)])
def test_max_pool3d(args):
    check_op(lambda x: F.max_pool3d(x, *args), [(2, 2, 5, 6, 5)], lambda x: TF.max_pool3d(x, *args), gradgrad=False)


@requires_torch
@pytest.mark.parametrize("args", [(2,), (3, 2, 1), ((2, 3, 2), (2, 2, 1), (1, 1, 0), (2, 1, 1), True)])
def test_max_pool3d_with_indices(args):
    x = RNG.standard_normal((2, 2, 5, 6, 7))
    values, indices = F.max_pool3d(cr.tensor(x), *args, return_indices=True)
    tvalues, tindices = TF.max_pool3d(torch.tensor(x), *args, return_indices=True)
    np.testing.assert_array_equal(values.numpy(), tvalues.numpy())
    np.testing.assert_array_equal(indices.numpy(), tindices.numpy())
    check_op(lambda v: F.max_pool3d_with_indices(v, *args)[0], [(2, 5, 6, 7)],
             lambda v: TF.max_pool3d_with_indices(v, *args)[0], gradgrad=False)


@requires_torch
@pytest.mark.parametrize("return_indices", [False, True])
@pytest.mark.parametrize("args", [(2,), (3, 2, 1), ((2, 3, 2), (2, 2, 1), (1, 1, 0), (2, 1, 1), True)])
def test_max_pool3d_of_integers(args, return_indices):  # padding is int64's minimum, not -inf
    x = RNG.integers(-50, 50, (2, 2, 5, 6, 7))
    ours = F.max_pool3d(cr.tensor(x), *args, return_indices=return_indices)
    theirs = TF.max_pool3d(torch.tensor(x), *args, return_indices=return_indices)
    for got, want in zip(ours, theirs) if return_indices else [(ours, theirs)]:
        assert got.dtype == cr.int64
        np.testing.assert_array_equal(got.numpy(), want.numpy())


@requires_torch
@pytest.mark.parametrize("size", [1, (2, 3, None), (3, 4, 5)])
def test_adaptive_max_pool3d_with_indices(size):
    x = RNG.standard_normal((2, 2, 5, 6, 7))
    values, indices = F.adaptive_max_pool3d(cr.tensor(x), size, return_indices=True)
    tvalues, tindices = TF.adaptive_max_pool3d(torch.tensor(x), size, return_indices=True)
    np.testing.assert_array_equal(values.numpy(), tvalues.numpy())
    np.testing.assert_array_equal(indices.numpy(), tindices.numpy())
    check_op(lambda v: F.adaptive_max_pool3d_with_indices(v, size)[0], [(2, 5, 6, 7)],
             lambda v: TF.adaptive_max_pool3d_with_indices(v, size)[0], gradgrad=False)


@requires_torch
def test_max_pool3d_indices_feed_max_unpool3d():
    x = RNG.standard_normal((1, 2, 4, 4, 4))
    ours = nn.MaxUnpool3d(2)(*nn.MaxPool3d(2, return_indices=True)(cr.tensor(x)))
    theirs = torch.nn.MaxUnpool3d(2)(*torch.nn.MaxPool3d(2, return_indices=True)(torch.tensor(x)))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    values, indices = nn.AdaptiveMaxPool3d(2, return_indices=True)(cr.tensor(x))
    tvalues, tindices = torch.nn.AdaptiveMaxPool3d(2, return_indices=True)(torch.tensor(x))
    np.testing.assert_array_equal(indices.numpy(), tindices.numpy())


@requires_torch
@pytest.mark.parametrize("ceil_mode", [False, True])
@pytest.mark.parametrize("count_include_pad", [True, False])
def test_avg_pool3d(ceil_mode, count_include_pad):
    check_op(lambda x: F.avg_pool3d(x, 3, 2, 1, ceil_mode, count_include_pad), [(2, 2, 5, 6, 5)],
             lambda x: TF.avg_pool3d(x, 3, 2, 1, ceil_mode, count_include_pad))
    check_op(lambda x: F.avg_pool3d(x, (2, 1, 2), divisor_override=3), [(2, 4, 3, 4)],
             lambda x: TF.avg_pool3d(x, (2, 1, 2), divisor_override=3))


@requires_torch
@pytest.mark.parametrize("size", [1, (2, 3, None), (3, 2, 4)])
def test_adaptive_pool3d(size):
    check_op(lambda x: F.adaptive_avg_pool3d(x, size), [(2, 2, 5, 6, 4)], lambda x: TF.adaptive_avg_pool3d(x, size))
    check_op(lambda x: F.adaptive_max_pool3d(x, size), [(2, 5, 6, 4)], lambda x: TF.adaptive_max_pool3d(x, size),
             gradgrad=False)


@requires_torch
def test_volumetric_errors():
    assert_same_error(lambda: F.conv3d(cr.zeros(1, 2, 4, 4, 4), cr.zeros(3, 3, 2, 2, 2)),
                      lambda: TF.conv3d(torch.zeros(1, 2, 4, 4, 4), torch.zeros(3, 3, 2, 2, 2)))
    assert_same_error(
        lambda: F.conv3d(cr.zeros(1, 2, 4, 4, 4), cr.zeros(3, 2, 2, 2, 2), padding="same", stride=2),
        lambda: TF.conv3d(torch.zeros(1, 2, 4, 4, 4), torch.zeros(3, 2, 2, 2, 2), padding="same", stride=2))
    assert_same_error(lambda: F.max_pool3d(cr.zeros(1, 1, 4, 4, 4), 2, padding=2),
                      lambda: TF.max_pool3d(torch.zeros(1, 1, 4, 4, 4), 2, padding=2))
    with pytest.raises(RuntimeError, match="4D or 5D"):
        F.avg_pool3d(cr.zeros(4, 4, 4), 2)


LAYERS = {
    "conv3d": (lambda n: n.Conv3d(2, 4, 3, padding=1), (2, 2, 4, 5, 4)),
    "conv3d_reflect": (lambda n: n.Conv3d(2, 3, 3, padding=1, padding_mode="reflect"), (1, 2, 3, 4, 4)),
    "conv3d_circular": (lambda n: n.Conv3d(2, 3, (1, 3, 3), padding="same", padding_mode="circular"), (1, 2, 3, 4, 4)),
    "conv3d_groups": (lambda n: n.Conv3d(4, 2, (1, 3, 2), stride=(1, 2, 1), groups=2, bias=False), (4, 3, 5, 4)),
    "conv_transpose3d": (lambda n: n.ConvTranspose3d(4, 2, (2, 3, 2), stride=2, padding=1, groups=2), (1, 4, 3, 3, 2)),
    "maxpool3d": (lambda n: n.MaxPool3d(2, ceil_mode=True), (1, 2, 5, 4, 5)),
    "avgpool3d": (lambda n: n.AvgPool3d((1, 2, 2), count_include_pad=False), (2, 2, 3, 4, 4)),
    "adaptive_avg3d": (lambda n: n.AdaptiveAvgPool3d((1, None, 2)), (2, 3, 3, 4, 5)),
    "adaptive_max3d": (lambda n: n.AdaptiveMaxPool3d(2), (2, 3, 4, 4, 4)),
    "lppool3d": (lambda n: n.LPPool3d(2, (2, 2, 1), ceil_mode=True), (2, 2, 3, 4, 3)),
}


@requires_torch
def test_max_unpool3d():
    x = torch.tensor(RNG.standard_normal((2, 2, 4, 4, 6)))
    values, indices = TF.max_pool3d(x, 2, return_indices=True)
    idx = indices.numpy()
    check_op(lambda v: F.max_unpool3d(v, cr.tensor(idx), 2), [tuple(values.shape)],
             lambda v: TF.max_unpool3d(v, torch.tensor(idx), 2))
    assert repr(nn.MaxUnpool3d(2)) == repr(torch.nn.MaxUnpool3d(2))
    ours = nn.MaxUnpool3d(2)(cr.tensor(values.numpy()), cr.tensor(idx), output_size=(5, 4, 6))
    np.testing.assert_array_equal(ours.numpy(), torch.nn.MaxUnpool3d(2)(values, indices, output_size=(5, 4, 6)).numpy())


@requires_torch
def test_lp_pool3d():
    check_op(lambda x: F.lp_pool3d(x, 2.0, 2), [(2, 2, 4, 4, 4)], lambda x: TF.lp_pool3d(x, 2.0, 2), gradgrad=False)


@requires_torch
@pytest.mark.parametrize("name", sorted(LAYERS))
def test_volumetric_layers(name):
    build, shape = LAYERS[name]
    ours, theirs = build(nn), build(torch.nn)
    assert repr(ours) == repr(theirs)
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == \
        {k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    if "conv" in name:
        fan_in = np.prod(ours.weight.shape[1:])
        for param in ours.parameters():
            assert 0 < np.abs(param.detach().numpy()).max() <= 1 / np.sqrt(fan_in)
    check_module_parity(ours, theirs, lambda m, x: m(x), [RNG.standard_normal(shape)])
