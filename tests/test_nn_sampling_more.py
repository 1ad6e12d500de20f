"""affine_grid/grid_sample, max_unpool1d/2d and embedding_bag (composed in Python): gradcheck in float64
and values/gradients against PyTorch (check_op), the EmbeddingBag and MaxUnpool layers against torch.nn,
and PyTorch's errors."""
import warnings

import numpy as np
import pytest

import chainrule as cr
import chainrule.nn as nn
import chainrule.nn.functional as F
from conftest import assert_same_error, check_op, requires_torch, torch
from module_parity import load_from_torch

TF = torch.nn.functional if torch is not None else None
RNG = np.random.default_rng(11)


@requires_torch
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("size", [(2, 3, 4, 5), (2, 1, 1, 3)])
def test_affine_grid(align_corners, size):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the unit-size grid warning, both libraries
        check_op(lambda t: F.affine_grid(t, size, align_corners), [(2, 2, 3)],
                 lambda t: TF.affine_grid(t, size, align_corners))


@requires_torch
@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample(mode, padding_mode, align_corners):
    # grid values spread over about [-2, 2] reach outside the image (and reflect more than once); the
    # check_op seed keeps them off the kinks
    def ours(x, g):
        return F.grid_sample(x, g * 0.8, mode, padding_mode, align_corners)

    def theirs(x, g):
        return TF.grid_sample(x, g * 0.8, mode, padding_mode, align_corners)
    check_op(ours, [(2, 3, 4, 5), (2, 3, 2, 2)], theirs, gradgrad=False)


@requires_torch
def test_spatial_transformer_step():
    """The tutorial's stn(): affine_grid of a predicted theta, grid_sample of the image, gradients to theta."""
    x, theta = RNG.standard_normal((2, 1, 6, 6)), RNG.standard_normal((2, 2, 3)) * 0.3 + [[1, 0, 0], [0, 1, 0]]
    results = []
    for lib, f in ((cr, F), (torch, TF)):
        t = lib.tensor(theta, requires_grad=True)
        out = f.grid_sample(lib.tensor(x), f.affine_grid(t, (2, 1, 6, 6), align_corners=False), align_corners=False)
        (out * out).sum().backward()
        results.append((out.detach().numpy(), t.grad.numpy()))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-9, atol=1e-12)


@requires_torch
@pytest.mark.parametrize("dtype", ["float32"])
def test_spatial_transformer_at_its_identity_initialisation(dtype):
    # The tutorial starts theta at the identity: every grid point is a pixel centre, on a kink of
    # bilinear interpolation, so the gradient to theta takes PyTorch's side only from PyTorch's grid
    # bit for bit (linspace, then * (W - 1) / W); an ulp off gave a different gradient. (float64's
    # grids agree too, but its sampling still takes other sides at some kinks: not yet matched.)
    x = RNG.standard_normal((2, 3, 28, 20))
    results = []
    for lib, f in ((cr, F), (torch, TF)):
        theta = lib.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]] * 2, dtype=getattr(lib, dtype), requires_grad=True)
        grid = f.affine_grid(theta, (2, 3, 28, 20), align_corners=False)
        f.grid_sample(lib.tensor(x, dtype=getattr(lib, dtype)), grid, align_corners=False).sum().backward()
        results.append((grid.detach().numpy(), theta.grad.numpy()))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-4 if dtype == "float32" else 1e-10)


@requires_torch
def test_grid_sample_and_affine_grid_errors():
    x, g = cr.zeros(1, 2, 3, 3), cr.zeros(1, 2, 2, 2)
    tx, tg = torch.zeros(1, 2, 3, 3), torch.zeros(1, 2, 2, 2)
    for kwargs in [dict(mode="cubic"), dict(padding_mode="wrap")]:
        assert_same_error(lambda: F.grid_sample(x, g, **kwargs), lambda: TF.grid_sample(tx, tg, **kwargs))
    assert_same_error(lambda: F.grid_sample(x, cr.zeros(2, 2, 2, 2), align_corners=True),
                      lambda: TF.grid_sample(tx, torch.zeros(2, 2, 2, 2), align_corners=True))
    assert_same_error(lambda: F.grid_sample(x, cr.zeros(1, 2, 2, 3), align_corners=True),
                      lambda: TF.grid_sample(tx, torch.zeros(1, 2, 2, 3), align_corners=True))
    with pytest.raises(NotImplementedError, match="5-D"):
        F.grid_sample(cr.zeros(1, 2, 3, 3, 3), cr.zeros(1, 2, 2, 2, 3), align_corners=True)
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        F.grid_sample(x, g)
    with pytest.raises(ValueError, match=r"shape Nx2x3 for size \(1, 1, 2, 2\). Got chainrule.Size\(\[1, 3, 3\]\)"):
        F.affine_grid(cr.zeros(1, 3, 3), (1, 1, 2, 2), False)
    assert_same_error(lambda: F.affine_grid(cr.zeros(1, 2, 3), (1, 1, 2), False),
                      lambda: TF.affine_grid(torch.zeros(1, 2, 3), (1, 1, 2), False))
    assert_same_error(lambda: F.affine_grid(cr.zeros(1, 2, 3), (1, 1, 0, 2), False),
                      lambda: TF.affine_grid(torch.zeros(1, 2, 3), (1, 1, 0, 2), False))


def _pooled(shape, kernel, stride=None, dims=2):
    x = torch.tensor(RNG.standard_normal(shape))
    pool = TF.max_pool2d if dims == 2 else TF.max_pool1d
    values, indices = pool(x, kernel, stride, return_indices=True)
    return values, indices


@requires_torch
@pytest.mark.parametrize("shape, kernel, stride, output_size", [
    ((2, 3, 4, 6), 2, None, None), ((1, 2, 6, 7), 3, 3, (6, 7)), ((2, 4, 4), 2, None, [1, 2, 4, 4])])
def test_max_unpool2d(shape, kernel, stride, output_size):
    values, indices = _pooled(shape, kernel, stride)
    idx = indices.numpy()
    check_op(lambda v: F.max_unpool2d(v, cr.tensor(idx), kernel, stride, output_size=output_size),
             [tuple(values.shape)],
             lambda v: TF.max_unpool2d(v, torch.tensor(idx), kernel, stride, output_size=output_size))


@requires_torch
def test_max_unpool1d():
    values, indices = _pooled((2, 3, 7), 2, dims=1)
    idx = indices.numpy()
    check_op(lambda v: F.max_unpool1d(v, cr.tensor(idx), 2, output_size=[7]), [tuple(values.shape)],
             lambda v: TF.max_unpool1d(v, torch.tensor(idx), 2, output_size=[7]))


@requires_torch
def test_max_unpool_errors():
    values, indices = _pooled((1, 1, 4, 4), 2)
    v, i = cr.tensor(values.numpy()), cr.tensor(indices.numpy())
    # which invalid index ATen names depends on its parallel loop: only the message's start is compared
    assert_same_error(lambda: F.max_unpool2d(v, i + 100, 2),
                      lambda: TF.max_unpool2d(values, indices + 100, 2), prefix=27)
    assert_same_error(lambda: F.max_unpool2d(v, i.double(), 2), lambda: TF.max_unpool2d(values, indices.double(), 2),
                      prefix=40)  # the dtype is spelled chainrule.float64, not Double
    cases = [((v, i[..., :1], 2), (values, indices[..., :1], 2), {}),
             ((v, i, 2), (values, indices, 2), dict(output_size=(9, 4))),
             ((v, i, 2), (values, indices, 2), dict(output_size=(4,)))]
    for ours, theirs, kwargs in cases:
        assert_same_error(lambda: F.max_unpool2d(*ours, **kwargs), lambda: TF.max_unpool2d(*theirs, **kwargs))


@requires_torch
def test_max_unpool2d_layer_inverts_max_pool():
    x = RNG.standard_normal((2, 2, 4, 4))
    pool, unpool = nn.MaxPool2d(2, return_indices=True), nn.MaxUnpool2d(2)
    tpool, tunpool = torch.nn.MaxPool2d(2, return_indices=True), torch.nn.MaxUnpool2d(2)
    assert repr(unpool) == repr(tunpool) and repr(nn.MaxUnpool1d(3, 1, 1)) == repr(torch.nn.MaxUnpool1d(3, 1, 1))
    ours = unpool(*pool(cr.tensor(x)), output_size=(2, 2, 4, 4))
    np.testing.assert_array_equal(ours.numpy(), tunpool(*tpool(torch.tensor(x)), output_size=(2, 2, 4, 4)).numpy())


BAG_CASES = {
    "offsets": (np.array([1, 2, 4, 5, 4, 3, 0]), np.array([0, 2, 2, 5]), {}),
    "padding_idx": (np.array([1, 2, 4, 5, 4, 3, 0]), np.array([0, 2, 2, 5]), dict(padding_idx=4)),
    "include_last_offset": (np.array([1, 2, 4, 5, 4, 3, 0]), np.array([0, 2, 2, 5, 6]), dict(include_last_offset=True)),
    "2d": (np.array([[1, 2, 3], [4, 4, 0]]), None, dict(padding_idx=-2)),
}


@requires_torch
@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("case", sorted(BAG_CASES))
def test_embedding_bag(mode, case):
    indices, offsets, kwargs = BAG_CASES[case]

    def bag(lib, f):
        return lambda w: f.embedding_bag(lib.tensor(indices), w, None if offsets is None else lib.tensor(offsets),
                                         mode=mode, **kwargs)
    check_op(bag(cr, F), [(6, 3)], bag(torch, TF))


@requires_torch
def test_embedding_bag_per_sample_weights():
    indices, offsets = np.array([1, 2, 4, 5, 4, 3, 0]), np.array([0, 2, 2, 5])
    check_op(lambda w, s: F.embedding_bag(cr.tensor(indices), w, cr.tensor(offsets), mode="sum", per_sample_weights=s),
             [(6, 3), (7,)],
             lambda w, s: TF.embedding_bag(torch.tensor(indices), w, torch.tensor(offsets), mode="sum",
                                           per_sample_weights=s))


@requires_torch
def test_embedding_bag_errors():
    w, tw = cr.zeros(5, 3), torch.zeros(5, 3)
    cases = [
        ((cr.tensor([1, 2, 3]), w, cr.tensor([1, 2])), (torch.tensor([1, 2, 3]), tw, torch.tensor([1, 2])), {}),
        ((cr.tensor([1, 2, 3]), w, cr.tensor([0, 5])), (torch.tensor([1, 2, 3]), tw, torch.tensor([0, 5])), {}),
        ((cr.tensor([1, 2, 3]), w, cr.tensor([0, 2])), (torch.tensor([1, 2, 3]), tw, torch.tensor([0, 2])),
         dict(padding_idx=7)),
        ((cr.tensor([1, 2, 3]), w, cr.tensor([0, 2])), (torch.tensor([1, 2, 3]), tw, torch.tensor([0, 2])),
         dict(mode="foo")),
        ((cr.tensor([1, 2, 3]), w, cr.tensor([0, 2])), (torch.tensor([1, 2, 3]), tw, torch.tensor([0, 2])),
         dict(mode="mean", per_sample_weights="x")),
        ((cr.tensor([1, 2, 3]), w), (torch.tensor([1, 2, 3]), tw), {}),
        ((cr.tensor([[1, 2, 3]]), w, cr.tensor([0])), (torch.tensor([[1, 2, 3]]), tw, torch.tensor([0])), {}),
    ]
    for ours, theirs, kwargs in cases:
        if kwargs.get("per_sample_weights") == "x":
            kwargs = dict(kwargs)
            ours_kwargs = dict(kwargs, per_sample_weights=cr.ones(3))
            theirs_kwargs = dict(kwargs, per_sample_weights=torch.ones(3))
        else:
            ours_kwargs = theirs_kwargs = kwargs
        # PyTorch appends a stray "[ torch.LongTensor{} ]" to some of these messages
        assert_same_error(lambda: F.embedding_bag(*ours, **ours_kwargs),
                          lambda: TF.embedding_bag(*theirs, **theirs_kwargs),
                          prefix=100)
    with pytest.raises(RuntimeError, match="non-decreasing"):
        F.embedding_bag(cr.tensor([1, 2, 3]), w, cr.tensor([0, 2, 1]))


@requires_torch
@pytest.mark.parametrize("kwargs", [dict(), dict(mode="max", padding_idx=-1), dict(mode="sum", norm_type=1.0,
                                                                                   include_last_offset=True)])
def test_embedding_bag_layer(kwargs):
    ours, theirs = nn.EmbeddingBag(6, 3, **kwargs), torch.nn.EmbeddingBag(6, 3, **kwargs)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    if "padding_idx" in kwargs:
        assert not ours.weight[5].abs().sum().item()
    load_from_torch(ours, theirs)
    indices, offsets = [1, 2, 4, 5, 4, 3, 0], [0, 2, 2, 5]
    out = ours(cr.tensor(indices), cr.tensor(offsets))
    tout = theirs(torch.tensor(indices), torch.tensor(offsets))
    out.sum().backward()
    tout.sum().backward()
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-12)


def test_embedding_bag_from_pretrained_is_frozen():
    bag = nn.EmbeddingBag.from_pretrained(cr.ones(4, 2), mode="sum")
    assert not bag.weight.requires_grad
    np.testing.assert_array_equal(bag(cr.tensor([[0, 1, 2]])).numpy(), [[3.0, 3.0]])


@requires_torch
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kwargs", [dict(kernel_size=2, output_size=(5, 6)),
                                    dict(kernel_size=(3, 2), output_ratio=(0.5, 0.7)),
                                    dict(kernel_size=3, output_size=7)])
def test_fractional_max_pool2d_with_the_same_samples(dtype, kwargs):
    """The windows come from ATen's interval sequence (computed in the input's dtype): exact values and indices."""
    samples = RNG.random((2, 3, 2)).astype(dtype)
    x = RNG.standard_normal((2, 3, 9, 11)).astype(dtype)
    values, indices = F.fractional_max_pool2d(cr.tensor(x), return_indices=True, _random_samples=cr.tensor(samples),
                                              **kwargs)
    tvalues, tindices = TF.fractional_max_pool2d(torch.tensor(x), return_indices=True,
                                                 _random_samples=torch.tensor(samples), **kwargs)
    np.testing.assert_array_equal(values.numpy(), tvalues.numpy())
    np.testing.assert_array_equal(indices.numpy(), tindices.numpy())
    if dtype == np.float64:
        check_op(lambda v: F.fractional_max_pool2d(v, _random_samples=cr.tensor(samples), **kwargs), [(2, 3, 9, 11)],
                 lambda v: TF.fractional_max_pool2d(v, _random_samples=torch.tensor(samples), **kwargs), gradgrad=False)


@requires_torch
def test_fractional_max_pool2d_layer_and_errors():
    samples = RNG.random((1, 2, 2))
    ours = nn.FractionalMaxPool2d(2, output_size=4, _random_samples=cr.tensor(samples))
    theirs = torch.nn.FractionalMaxPool2d(2, output_size=4, _random_samples=torch.tensor(samples))
    assert repr(ours) == repr(theirs) and list(ours.state_dict()) == list(theirs.state_dict()) == ["_random_samples"]
    x = RNG.standard_normal((2, 6, 6))
    np.testing.assert_array_equal(ours(cr.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy())
    random = nn.FractionalMaxPool2d(3, output_ratio=0.5)(cr.randn(2, 3, 10, 10))
    assert random.shape == (2, 3, 5, 5)
    x, tx = cr.zeros(1, 2, 6, 6), torch.zeros(1, 2, 6, 6)
    for kwargs in [dict(output_size=5, kernel_size=3), dict(output_size=6, kernel_size=2),
                   dict(output_size=5, kernel_size=2, _random_samples="3")]:
        if kwargs.get("_random_samples") == "3":
            ours_kwargs = dict(kwargs, _random_samples=cr.zeros(1, 2, 3))
            theirs_kwargs = dict(kwargs, _random_samples=torch.zeros(1, 2, 3))
        else:
            ours_kwargs = theirs_kwargs = kwargs
        assert_same_error(lambda: F.fractional_max_pool2d(x, **ours_kwargs),
                          lambda: TF.fractional_max_pool2d(tx, **theirs_kwargs))
    for kwargs in [dict(), dict(output_size=2, output_ratio=0.5), dict(output_ratio=1.5)]:
        assert_same_error(lambda: nn.FractionalMaxPool2d(2, **kwargs),
                          lambda: torch.nn.FractionalMaxPool2d(2, **kwargs))


@requires_torch
@pytest.mark.parametrize("kwargs", [dict(kernel_size=2, output_size=(4, 5, 6)),
                                    dict(kernel_size=(3, 2, 2), output_ratio=(0.5, 0.6, 0.7))])
def test_fractional_max_pool3d_with_the_same_samples(kwargs):
    samples = RNG.random((2, 3, 3))
    x = RNG.standard_normal((2, 3, 7, 8, 9))
    values, indices = F.fractional_max_pool3d(cr.tensor(x), return_indices=True, _random_samples=cr.tensor(samples),
                                              **kwargs)
    tvalues, tindices = TF.fractional_max_pool3d(torch.tensor(x), return_indices=True,
                                                 _random_samples=torch.tensor(samples), **kwargs)
    np.testing.assert_array_equal(values.numpy(), tvalues.numpy())
    np.testing.assert_array_equal(indices.numpy(), tindices.numpy())
    check_op(lambda v: F.fractional_max_pool3d(v, _random_samples=cr.tensor(samples), **kwargs), [(2, 3, 7, 8, 9)],
             lambda v: TF.fractional_max_pool3d(v, _random_samples=torch.tensor(samples), **kwargs), gradgrad=False)


@requires_torch
def test_fractional_max_pool3d_layer_and_errors():
    samples = RNG.random((1, 2, 3))
    ours = nn.FractionalMaxPool3d(2, output_size=3, _random_samples=cr.tensor(samples))
    theirs = torch.nn.FractionalMaxPool3d(2, output_size=3, _random_samples=torch.tensor(samples))
    assert repr(ours) == repr(theirs) and list(ours.state_dict()) == ["_random_samples"]
    x = RNG.standard_normal((2, 5, 5, 5))
    np.testing.assert_array_equal(ours(cr.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy())
    assert nn.FractionalMaxPool3d(2, output_ratio=0.5)(cr.randn(1, 2, 6, 6, 6)).shape == (1, 2, 3, 3, 3)
    x, tx = cr.zeros(1, 2, 6, 6, 6), torch.zeros(1, 2, 6, 6, 6)
    with pytest.raises(RuntimeError, match="pool time 3 too large relative to input time 6"):
        F.fractional_max_pool3d(x, 3, output_size=5)
    for kwargs in [dict(), dict(output_ratio=(0.5, 0.5, 1.5))]:
        assert_same_error(lambda: nn.FractionalMaxPool3d(2, **kwargs),
                          lambda: torch.nn.FractionalMaxPool3d(2, **kwargs))
