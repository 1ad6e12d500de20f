"""Pointwise activations on the GPU (cpp/cuda/activation.cu: the functors of
core/activation_formulas.h on CUDA's math) against chainrule's CPU results and, where the machine has
a CUDA build of PyTorch, PyTorch's GPU: every activation with non-default parameters, on a
transposed (non-contiguous) input, in place, and a second derivative. Needs a GPU and says so."""
import numpy as np
import pytest

import chainrule as cr
from cuda_support import check_on_gpu, requires_gpu

pytestmark = requires_gpu

ACTIVATIONS = {
    "leaky_relu": lambda F, x: F.leaky_relu(x, 0.2),
    "elu": lambda F, x: F.elu(x, 1.5),
    "selu": lambda F, x: F.selu(x),
    "celu": lambda F, x: F.celu(x, 0.7),
    "gelu": lambda F, x: F.gelu(x),
    "gelu_tanh": lambda F, x: F.gelu(x, approximate="tanh"),
    "silu": lambda F, x: F.silu(x),
    "mish": lambda F, x: F.mish(x),
    "softplus": lambda F, x: F.softplus(x, beta=2, threshold=3),
    "hardtanh": lambda F, x: F.hardtanh(x, -0.5, 0.8),
    "relu6": lambda F, x: F.relu6(x * 4),
    "hardsigmoid": lambda F, x: F.hardsigmoid(x * 4),
    "hardswish": lambda F, x: F.hardswish(x * 4),
    "logsigmoid": lambda F, x: F.logsigmoid(x),
    "threshold": lambda F, x: F.threshold(x, 0.1, -2.0),
}


@pytest.mark.parametrize("dtype", [cr.float32, cr.float64], ids=str)
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activations_and_their_gradients_match_the_cpu(name, dtype):
    act = ACTIVATIONS[name]
    check_on_gpu(lambda lib, x: act(lib.nn.functional, x.t()), [(7, 5)], dtype)


@pytest.mark.parametrize("name", ["gelu", "silu", "elu", "softplus"])
def test_second_derivative_matches_the_cpu(name):
    act = ACTIVATIONS[name]

    def grad_of_input(lib, x):
        (gx,) = lib.autograd.grad((act(lib.nn.functional, x) ** 2).sum(), x, create_graph=True)
        return gx
    check_on_gpu(grad_of_input, [(4, 6)], cr.float64)


def test_in_place_activation_on_the_gpu_matches_the_cpu():
    x = cr.randn(5, 6)
    gpu = x.cuda()
    cr.nn.functional.elu(gpu, inplace=True)
    assert gpu.device.type == "cuda"
    np.testing.assert_allclose(gpu.cpu().numpy(), cr.nn.functional.elu(x).numpy(), rtol=1e-6, atol=1e-7)
