"""Pooling, padding and resampling on the GPU (cpp/cuda/pool.cu, cpp/cuda/separable.cu) against
chainrule's CPU results and, where the machine has a CUDA build of PyTorch, PyTorch's GPU: max pools
(values, indices with ties and NaN, gradients and the second derivative), average and adaptive
pools, reflect/replicate/circular padding and interpolation, which share the separable map. Needs a
GPU and says so."""
import numpy as np
import pytest

import chainrule as cr
from cuda_support import check_on_gpu, requires_gpu

pytestmark = requires_gpu

POOLS = {  # name: (fn(lib, x), input shape)
    "max_pool2d": (lambda lib, x: lib.nn.functional.max_pool2d(x, 2), (2, 3, 8, 7)),
    "max_pool2d_strided": (lambda lib, x: lib.nn.functional.max_pool2d(x, 3, 2, 1, ceil_mode=True), (2, 2, 9, 8)),
    "max_pool2d_dilated": (lambda lib, x: lib.nn.functional.max_pool2d(x, 2, 1, 0, dilation=2), (1, 2, 7, 7)),
    "max_pool1d": (lambda lib, x: lib.nn.functional.max_pool1d(x, 3, 2, 1), (2, 3, 11)),
    "avg_pool2d": (lambda lib, x: lib.nn.functional.avg_pool2d(x, 3, 2, 1), (2, 3, 8, 7)),
    "avg_pool2d_no_pad_count": (lambda lib, x: lib.nn.functional.avg_pool2d(x, 3, 2, 1, ceil_mode=True,
                                                                             count_include_pad=False), (1, 2, 8, 9)),
    "avg_pool2d_divisor": (lambda lib, x: lib.nn.functional.avg_pool2d(x, 2, divisor_override=3), (1, 2, 6, 6)),
    "avg_pool1d": (lambda lib, x: lib.nn.functional.avg_pool1d(x, 4, 3), (2, 3, 13)),
    "adaptive_avg_pool2d": (lambda lib, x: lib.nn.functional.adaptive_avg_pool2d(x, (3, 2)), (2, 3, 7, 5)),
    "adaptive_max_pool2d": (lambda lib, x: lib.nn.functional.adaptive_max_pool2d(x, (3, 4)), (2, 3, 7, 9)),
    "pad_reflect": (lambda lib, x: lib.nn.functional.pad(x, (2, 1, 1, 3), mode="reflect"), (2, 3, 5, 6)),
    "pad_replicate": (lambda lib, x: lib.nn.functional.pad(x, (2, 1, 1, 3), mode="replicate"), (2, 3, 5, 6)),
    "pad_circular": (lambda lib, x: lib.nn.functional.pad(x, (2, 1, 1, 3), mode="circular"), (2, 3, 5, 6)),
    "nearest": (lambda lib, x: lib.nn.functional.interpolate(x, scale_factor=2, mode="nearest"), (2, 3, 4, 5)),
    "bilinear": (lambda lib, x: lib.nn.functional.interpolate(x, size=(7, 3), mode="bilinear",
                                                               align_corners=False), (2, 3, 4, 5)),
    "linear_aligned": (lambda lib, x: lib.nn.functional.interpolate(x, size=9, mode="linear",
                                                                     align_corners=True), (2, 3, 4)),
}


@pytest.mark.parametrize("dtype", [cr.float32, cr.float64], ids=str)
@pytest.mark.parametrize("name", sorted(POOLS))
def test_pools_and_their_gradients_match_the_cpu(name, dtype):
    fn, shape = POOLS[name]
    check_on_gpu(fn, [shape], dtype)


def test_max_pool_indices_with_ties_and_nan_match_the_cpu():
    x = cr.tensor(np.array([[[[1, 1, 0, 2], [1, 0, 2, 2], [np.nan, 3, 5, np.nan], [3, np.nan, 5, 5]]]]),
                  dtype=cr.float32)
    cpu_values, cpu_indices = cr.nn.functional.max_pool2d(x, 2, return_indices=True)
    gpu_values, gpu_indices = cr.nn.functional.max_pool2d(x.cuda(), 2, return_indices=True)
    assert gpu_indices.device.type == "cuda"
    np.testing.assert_array_equal(gpu_indices.cpu().numpy(), cpu_indices.numpy())
    np.testing.assert_array_equal(gpu_values.cpu().numpy(), cpu_values.numpy())


def test_max_pool_second_derivative_matches_the_cpu():
    def grad_of_input(lib, x):
        y = lib.nn.functional.max_pool2d(x, 3, 2, 1)
        (gx,) = lib.autograd.grad((y * y).sum(), x, create_graph=True)
        return gx
    check_on_gpu(grad_of_input, [(2, 2, 7, 7)], cr.float64)


def test_modules_moved_to_the_gpu_pool_there():
    x = cr.randn(2, 3, 8, 8)
    for module in (cr.nn.MaxPool2d(2), cr.nn.AvgPool2d(2), cr.nn.AdaptiveAvgPool2d(1)):
        out = module.cuda()(x.cuda())
        assert out.device.type == "cuda"
        np.testing.assert_allclose(out.cpu().numpy(), module(x).numpy(), rtol=1e-5, atol=1e-6)
