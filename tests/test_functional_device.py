"""Functional composites whose helper tables (indices, masks, divisors, matrices, kernels) are made
on the input's device, run on the `device` fixture's device against PyTorch on the CPU: output and
the gradients of sum(out * r). On a GPU a table left on the CPU raises the mixed-device error."""
import contextlib

import numpy as np
import pytest

import chainrule as cr
import chainrule.nn.functional as F
from conftest import assert_close, requires_torch, torch
from host_reads import no_host_reads

pytestmark = requires_torch


def _compare(fn, arrays, device, integer_args=(), reads_host=False):
    """fn(lib, functional, *tensors, *integer_tensors), written once for chainrule and torch:
    chainrule on `device`, torch on the CPU, float64 inputs with gradients. Unless reads_host (an
    op whose layout depends on its arguments' values), chainrule's forward and backward run
    without a host read."""
    ours = [cr.tensor(a, device=device, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    our_ints = [cr.tensor(a, device=device) for a in integer_args]
    their_ints = [torch.tensor(a) for a in integer_args]
    want = fn(torch, torch.nn.functional, *theirs, *their_ints)
    weights = np.random.default_rng(9).standard_normal(tuple(want.shape))
    with contextlib.nullcontext() if reads_host else no_host_reads():
        out = fn(cr, F, *ours, *our_ints)
        (out * cr.tensor(weights, device=device)).sum().backward()
    assert out.device == device
    assert_close(out.detach().cpu(), want.detach().numpy(), rtol=1e-9, atol=1e-10)
    (want * torch.tensor(weights)).sum().backward()
    for o, t in zip(ours, theirs):
        assert_close(o.grad.cpu(), t.grad.numpy(), rtol=1e-9, atol=1e-10)


def _arrays(*shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s) for s in shapes]


def test_affine_grid_and_unfold_fold(device):
    _compare(lambda lib, f, theta: f.affine_grid(theta, [2, 3, 4, 5], align_corners=False), _arrays((2, 2, 3)), device)
    _compare(lambda lib, f, x: f.unfold(x, 2, padding=1, stride=2), _arrays((2, 3, 5, 4)), device)
    _compare(lambda lib, f, x: f.fold(x, (4, 5), 2), _arrays((2, 12, 12)), device)


def test_pdist(device):
    _compare(lambda lib, f, x: f.pdist(x), _arrays((5, 3)), device)
    _compare(lambda lib, f, x: f.pdist(x, 1), _arrays((4, 2)), device)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_three_dim_padding_by_index(device, mode):
    _compare(lambda lib, f, x: f.pad(x, (1, 2, 2, 1, 1, 1), mode=mode), _arrays((1, 2, 3, 4, 3)), device)


@pytest.mark.parametrize("mode, shape", [("bicubic", (1, 2, 4, 5)), ("trilinear", (1, 2, 3, 4, 3)),
                                         ("area", (1, 2, 5, 7))])
def test_interpolate_by_resampling_matrices(device, mode, shape):
    size = [7] * (len(shape) - 2) if mode != "area" else [3, 4]
    align = dict(align_corners=False) if mode != "area" else {}
    _compare(lambda lib, f, x: f.interpolate(x, size=size, mode=mode, **align), _arrays(shape), device)


def test_max_pool3d_with_indices_and_avg_pool3d(device):
    _compare(lambda lib, f, x: f.max_pool3d(x, 2, 2, 1, dilation=1, return_indices=True)[0],
             _arrays((1, 2, 5, 4, 5)), device)
    x = cr.tensor(_arrays((1, 2, 5, 4, 5))[0], device=device)
    _, indices = F.max_pool3d(x, 2, 2, 1, return_indices=True)
    _, want = torch.nn.functional.max_pool3d(torch.tensor(x.cpu().numpy()), 2, 2, 1, return_indices=True)
    assert_close(indices.cpu(), want.numpy())
    _compare(lambda lib, f, x: f.avg_pool3d(x, 3, 2, 1, count_include_pad=False), _arrays((1, 2, 5, 6, 5)), device)


@pytest.mark.parametrize("dims", [2, 3])
def test_fractional_max_pool_with_given_samples(device, dims):
    samples = np.random.default_rng(4).random((2, 3, dims))
    shape = (2, 3) + (9, 11, 8)[:dims]
    pool = lambda lib, f, x, s: getattr(f, f"fractional_max_pool{dims}d")(x, 2, output_size=(4,) * dims,
                                                                          _random_samples=s)
    x, = _arrays(shape)
    ours = cr.tensor(x, device=device, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    with no_host_reads():
        out = pool(cr, F, ours, cr.tensor(samples, device=device))
        out.sum().backward()
    want = pool(torch, torch.nn.functional, theirs, torch.tensor(samples))
    assert_close(out.detach().cpu(), want.detach().numpy())
    want.sum().backward()
    assert_close(ours.grad.cpu(), theirs.grad.numpy())


def test_fractional_max_pool_draws_its_samples_on_the_input_device(device):
    with no_host_reads():
        values, indices = F.fractional_max_pool2d(cr.randn(1, 2, 8, 8, device=device), 2, output_size=4,
                                                  return_indices=True)
    assert values.device == device and indices.device == device and tuple(values.shape) == (1, 2, 4, 4)


def test_max_unpool_and_its_invalid_index_error(device):
    x, = _arrays((1, 2, 4, 4))
    values, indices = torch.nn.functional.max_pool2d(torch.tensor(x), 2, return_indices=True)
    _compare(lambda lib, f, v, i: f.max_unpool2d(v, i, 2), [values.detach().numpy()], device,
             integer_args=[indices.numpy()], reads_host=True)  # the index check, as PyTorch's CPU
    bad = cr.tensor(indices.numpy(), device=device)
    bad[0, 0, 0, 0] = 99
    with pytest.raises(RuntimeError, match="Found an invalid max index: 99"):
        F.max_unpool2d(cr.tensor(values.detach().numpy(), device=device), bad, 2)


def test_embedding_max_norm_renormalizes_repeated_rows_once(device):
    weight = _arrays((6, 3))[0] * 3
    indices = np.array([[1, 4, 1], [4, 4, 0]])
    ours = cr.tensor(weight, device=device)
    theirs = torch.tensor(weight)
    with no_host_reads():
        out = F.embedding(cr.tensor(indices, device=device), ours, max_norm=1.5)
    want = torch.nn.functional.embedding(torch.tensor(indices), theirs, max_norm=1.5)
    assert_close(out.cpu(), want.numpy(), rtol=1e-12, atol=1e-12)
    assert_close(ours.cpu(), theirs.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_over_offsets_and_2d_input(device, mode):
    weight = _arrays((7, 3))
    flat, offsets = np.array([1, 2, 2, 6, 0, 3, 5]), np.array([0, 2, 2, 5])
    _compare(lambda lib, f, w, i, o: f.embedding_bag(i, w, o, mode=mode, padding_idx=2), weight, device,
             integer_args=[flat, offsets], reads_host=True)  # the offsets lay out the bags
    _compare(lambda lib, f, w, i: f.embedding_bag(i, w, mode=mode), weight, device,
             integer_args=[np.array([[1, 2, 3], [6, 6, 0]])])


def test_embedding_bag_per_sample_weights(device):
    _compare(lambda lib, f, w, s, i, o: f.embedding_bag(i, w, o, mode="sum", per_sample_weights=s,
                                                        include_last_offset=True),
             _arrays((7, 3), (5,)), device, integer_args=[np.array([1, 2, 6, 0, 3]), np.array([0, 2, 5])],
             reads_host=True)


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
def test_ctc_loss(device, reduction):
    logits, = _arrays((6, 2, 4))
    targets = np.array([[1, 2, 2], [3, 1, 0]])
    _compare(lambda lib, f, x, t: f.ctc_loss(x.log_softmax(2), t, [6, 0], [3, 2], reduction=reduction),
             [logits], device, integer_args=[targets], reads_host=True)  # lengths and targets lay out the states


def test_a_repeated_table_is_reused_on_its_device_and_owns_its_values(device):
    from chainrule.nn.functional._host_tables import _KEPT_BYTES, table_like
    like = cr.zeros(1, device=device)
    positions = np.arange(5, dtype=np.int64) * 7
    first = table_like(positions, like)
    again = table_like(positions.copy(), like)
    assert again is first and first.device == device
    positions[0] = 99  # the caller's array changing later does not change the kept table
    assert first.cpu().tolist() == [0, 7, 14, 21, 28]
    assert table_like(positions, like) is not first
    assert table_like(positions, like, cr.float64).dtype == cr.float64
    large = np.zeros(_KEPT_BYTES // 8 + 1, dtype=np.int64)
    assert table_like(large, like) is not table_like(large, like)
