"""Channels-last through a CNN as PyTorch lays it out: convolutions (a channels-last input or weight),
batch norm, max/avg/adaptive pooling and interpolation give channels-last results of a channels-last
input, and a convolution's input and weight gradients take their inputs' layouts; to(memory_format=)
keeps a tensor whose strides already suggest the format and re-strides one that only fits it (an
(N, 1, H, W) tensor), as PyTorch's. Values are the same in every layout."""
import numpy as np
import pytest

import chainrule as cr
from conftest import requires_torch, torch

pytestmark = requires_torch
X = np.random.default_rng(0).standard_normal((2, 3, 8, 8)).astype(np.float32)

LAYERS = {
    "conv": lambda lib, x: lib.nn.Conv2d(3, 4, 3, padding=1)(x),
    "conv grouped": lambda lib, x: lib.nn.Conv2d(3, 3, 3, groups=3)(x),
    "conv channels-last weight": lambda lib, x: lib.nn.Conv2d(3, 4, 3).to(memory_format=lib.channels_last)(
        x.contiguous()),
    "conv one channel": lambda lib, x: lib.nn.Conv2d(1, 4, 3)(x[:, :1].contiguous()),
    "batch_norm": lambda lib, x: lib.nn.BatchNorm2d(3)(x),
    "batch_norm eval": lambda lib, x: lib.nn.BatchNorm2d(3).eval()(x),
    "max_pool2d": lambda lib, x: lib.nn.functional.max_pool2d(x, 2),
    "max_pool2d indices": lambda lib, x: lib.nn.functional.max_pool2d(x, 2, return_indices=True)[1],
    "avg_pool2d": lambda lib, x: lib.nn.functional.avg_pool2d(x, 2),
    "adaptive_avg_pool2d": lambda lib, x: lib.nn.functional.adaptive_avg_pool2d(x, 3),
    "interpolate": lambda lib, x: lib.nn.functional.interpolate(x, scale_factor=2, mode="bilinear"),
    "conv relu pool": lambda lib, x: lib.nn.functional.max_pool2d(lib.relu(lib.nn.Conv2d(3, 4, 3)(x)), 2),
}


def layout(t, lib):
    return (t.is_contiguous(), t.is_contiguous(memory_format=lib.channels_last), tuple(t.stride()))


@pytest.mark.parametrize("name", LAYERS)
def test_results_are_laid_out_as_pytorchs(name):
    seen = {}
    for lib in (cr, torch):
        lib.manual_seed(0)
        x = lib.tensor(X).to(memory_format=lib.channels_last)
        seen[lib.__name__] = layout(LAYERS[name](lib, x), lib)
    assert seen["chainrule"] == seen["torch"]


def test_convolution_gradients_take_their_inputs_layouts_and_values():
    grads = {}
    for lib in (cr, torch):
        conv = lib.nn.Conv2d(3, 4, 3).to(memory_format=lib.channels_last)
        with lib.no_grad():
            conv.weight.copy_(lib.tensor(np.linspace(-1, 1, 108, dtype=np.float32).reshape(4, 3, 3, 3)))
            conv.bias.zero_()
        x = lib.tensor(X).to(memory_format=lib.channels_last).requires_grad_()
        (conv(x) ** 2).sum().backward()
        grads[lib.__name__] = (x.grad, conv.weight.grad, lib)
    for (ours, theirs) in zip(grads["chainrule"][:2], grads["torch"][:2]):
        assert layout(ours, cr) == layout(theirs, torch)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("make", [
    lambda lib: lib.empty(4, 1, 4, 4),                                         # fits channels_last, suggests row-major
    lambda lib: lib.empty(2, 3, 4, 5),
    lambda lib: lib.empty(2, 3, 4, 5).to(memory_format=lib.channels_last),
    lambda lib: lib.empty(2, 3, 4, 5).transpose(2, 3),                        # not contiguous, suggests row-major
    lambda lib: lib.empty(2, 3, 4, 5, 6),
])
@pytest.mark.parametrize("fmt", ["contiguous_format", "channels_last", "channels_last_3d", "preserve_format"])
def test_to_a_memory_format_copies_exactly_when_pytorchs_does(make, fmt):
    seen = {}
    for lib in (cr, torch):
        x = make(lib)
        try:
            y = x.to(memory_format=getattr(lib, fmt))
        except Exception as e:  # a format for another rank: both refuse
            seen[lib.__name__] = type(e).__name__
            continue
        seen[lib.__name__] = (y is x, tuple(y.stride()))
    assert seen["chainrule"] == seen["torch"]
