"""dropout, dropout1d/2d/3d, alpha_dropout and feature_alpha_dropout: the fraction zeroed, the
scaling, seed reproducibility (independent of the thread count), eval identity, gradients equal to
mask * scale (and differentiating again), in-place variants and bad input."""
import warnings

import numpy as np
import pytest

import chainrule as cr
import chainrule.nn.functional as F
from conftest import assert_close, check_op, requires_torch, torch

ALPHA = 1.7580993408473766


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_fraction_zeroed_and_scale(p):
    y = F.dropout(cr.ones(200_000), p).numpy()
    assert abs((y == 0).mean() - p) < 0.01
    np.testing.assert_allclose(np.unique(y[y != 0]), [1 / (1 - p)], rtol=1e-6)


def test_float64_and_non_contiguous():
    x = cr.ones(300, 400, dtype=cr.float64).transpose(0, 1)
    y = F.dropout(x, 0.25)
    assert y.dtype == cr.float64 and y.shape == (400, 300)
    assert set(np.unique(y.numpy())) == {0.0, 4 / 3}


def test_seed_reproduces_masks_whatever_the_thread_count():
    threads = cr.get_num_threads()
    x = cr.ones(100_003)
    try:
        cr.manual_seed(7)
        first = F.dropout(x).numpy()
        again = F.dropout(x).numpy()
        cr.set_num_threads(1)
        cr.manual_seed(7)
        single = F.dropout(x).numpy()
    finally:
        cr.set_num_threads(threads)
    np.testing.assert_array_equal(first, single)
    assert (first != again).any()


def test_identity_cases():
    x = cr.randn(5, 4)
    for y in (F.dropout(x, 0.5, training=False), F.dropout(x, 0.0), F.dropout2d(x.view(5, 4, 1, 1), 0.3, False),
              F.alpha_dropout(x, 0.5), F.alpha_dropout(x, 0.0, True)):
        assert_close(y.reshape(5, 4), x.numpy(), rtol=0, atol=0)
    assert_close(F.dropout(x, 1.0), np.zeros((5, 4), np.float32))
    assert_close(F.dropout(cr.zeros(0, 3), 0.5), np.zeros((0, 3), np.float32))


def test_gradient_is_mask_times_scale():
    x = cr.randn(50, 40, requires_grad=True)
    y = F.dropout(x, 0.3)
    y.sum().backward()
    kept = (y.detach().numpy() != 0)
    assert_close(x.grad, kept / 0.7, rtol=1e-6, atol=0)
    x.grad = None
    F.dropout(x, 1.0).sum().backward()
    assert_close(x.grad, np.zeros((50, 40), np.float32))


@pytest.mark.parametrize("name, shape", [("dropout", (3, 4)), ("dropout1d", (2, 3, 4)), ("dropout2d", (2, 3, 2, 2)),
                                         ("dropout3d", (2, 2, 1, 2, 2)), ("alpha_dropout", (3, 4)),
                                         ("feature_alpha_dropout", (2, 3, 2))])
def test_gradcheck_with_a_fixed_seed(name, shape):
    def fn(x):
        cr.manual_seed(11)
        return getattr(F, name)(x, 0.4, True)
    check_op(fn, [shape])


@pytest.mark.parametrize("name, shape, channel_dims", [("dropout1d", (20, 30, 8), 2), ("dropout1d", (30, 8), 1),
                                                       ("dropout2d", (10, 30, 3, 4), 2),
                                                       ("dropout3d", (10, 30, 2, 2, 2), 2),
                                                       ("dropout3d", (30, 2, 2, 2), 1)])
def test_whole_channels_are_zeroed(name, shape, channel_dims):
    y = getattr(F, name)(cr.ones(*shape), 0.5).numpy()
    per_channel = y.reshape(int(np.prod(shape[:channel_dims])), -1)
    assert ((per_channel == 0).all(1) | (per_channel == 2).all(1)).all()
    assert 0.3 < (per_channel[:, 0] == 0).mean() < 0.7


def test_dropout2d_3d_input_is_channel_dropout_with_a_warning():
    with pytest.warns(UserWarning, match="dropout2d"):
        y = F.dropout2d(cr.ones(4, 50, 6), 0.5).numpy()
    assert ((y == 0).all(2) | (y == 2).all(2)).all()


def test_alpha_dropout_values_and_moments():
    p = 0.2
    a = 1 / np.sqrt((ALPHA * ALPHA * p + 1) * (1 - p))
    x = cr.randn(400_000)
    y = F.alpha_dropout(x, p, training=True).numpy()
    dropped = np.isclose(y, ALPHA * a * p - ALPHA * a)
    assert abs(dropped.mean() - p) < 0.01
    np.testing.assert_allclose(y[~dropped], x.numpy()[~dropped] * a + ALPHA * a * p, rtol=1e-5, atol=1e-6)
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1) < 0.02


def test_in_place():
    x = cr.ones(1000)
    assert F.dropout(x, 0.5, inplace=True) is x
    assert set(np.unique(x.numpy())) == {0.0, 2.0}
    x = cr.ones(30, 5)
    F.dropout1d(x, 0.5, inplace=True)
    assert ((x.numpy() == 0).all(1) | (x.numpy() == 2).all(1)).all()
    x = cr.randn(1000)
    before = x.numpy().copy()
    F.alpha_dropout(x, 0.5, True, inplace=True)
    assert (x.numpy() != before).any()


def test_bad_input():
    x = cr.ones(3, 4)
    for name in ("dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"):
        with pytest.raises(ValueError, match=f"{name}: dropout probability has to be between 0 and 1, but got 1.5"):
            getattr(F, name)(x, 1.5)
        with pytest.raises(ValueError, match=name):
            getattr(F, name)(x, -0.1)
    with pytest.raises(ValueError, match="feature_dropout: .*\\(4,\\)"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            F.dropout2d(cr.ones(4), 0.5)
    with pytest.raises(RuntimeError, match=r"dropout1d: .*4D input"):
        F.dropout1d(cr.ones(1, 2, 3, 4))
    with pytest.raises(TypeError, match="dropout.*float"):
        F.dropout(cr.ones(3, dtype=cr.int64))
    with pytest.raises(ValueError, match="dropout"):
        cr._C._nn.dropout(x, 2.0, True)


def _rank_warnings(lib, op, shape):
    fn = getattr(lib.nn.functional, op)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn(lib.ones(*shape), 0.5, True)
    return [str(w.message) for w in caught]


@requires_torch
@pytest.mark.parametrize("op, shape", [("dropout2d", (1, 128)), ("dropout2d", (2, 3, 4)), ("dropout2d", (2, 3, 4, 5)),
                                       ("dropout3d", (2, 3)), ("dropout3d", (2, 3, 4, 5))])
def test_dropout_rank_warnings_say_what_torchs_say(op, shape):
    """The neural-network recipe's nn.Dropout2d on a (1, 128) activation prints PyTorch's warning."""
    assert _rank_warnings(cr, op, shape) == _rank_warnings(torch, op, shape)
