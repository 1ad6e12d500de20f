"""Normalization on the GPU (cpp/cuda/batch_norm.cu, cpp/cuda/layer_norm.cu) against chainrule's CPU
results and, where the machine has a CUDA build of PyTorch, PyTorch's GPU: batch_norm in training
(with its running statistics) and evaluation, layer_norm and group_norm with and without affine
parameters, their gradients, a second derivative (the recorded backward), and BatchNorm2d moved with
.cuda(). Needs a GPU and says so."""
import numpy as np
import pytest

import chainrule as cr
from cuda_support import assert_same, check_on_gpu, requires_gpu

pytestmark = requires_gpu


def batch_norm_training(shape, affine):
    def run(lib, x, *params):
        channels = shape[1]
        running_mean = lib.zeros(channels, dtype=x.dtype, device=x.device)
        running_var = lib.ones(channels, dtype=x.dtype, device=x.device)
        y = lib.nn.functional.batch_norm(x, running_mean, running_var, *params, training=True, momentum=0.3)
        # the running statistics join the output, so that the check compares them too
        return y + (running_mean.sum() + running_var.sum()).detach()
    return run, [shape] + ([(shape[1],), (shape[1],)] if affine else [])


NORMS = {
    "batch_norm_2d": batch_norm_training((8, 5), True),
    "batch_norm_4d": batch_norm_training((4, 3, 5, 6), True),
    "batch_norm_no_affine": batch_norm_training((4, 3, 7), False),
    "batch_norm_eval": (lambda lib, x, m, w, b: lib.nn.functional.batch_norm(
        x, m.detach(), m.detach().abs() + 0.5, w, b, training=False), [(4, 3, 5, 5), (3,), (3,), (3,)]),
    "layer_norm": (lambda lib, x, w, b: lib.nn.functional.layer_norm(x, (6,), w, b), [(4, 5, 6), (6,), (6,)]),
    "layer_norm_2d_shape": (lambda lib, x, w, b: lib.nn.functional.layer_norm(x, (5, 6), w, b),
                            [(3, 5, 6), (5, 6), (5, 6)]),
    "layer_norm_no_affine": (lambda lib, x: lib.nn.functional.layer_norm(x, (300,)), [(4, 300)]),
    "group_norm": (lambda lib, x, w, b: lib.nn.functional.group_norm(x, 2, w, b), [(3, 6, 4, 5), (6,), (6,)]),
    "group_norm_no_affine": (lambda lib, x: lib.nn.functional.group_norm(x, 3), [(2, 6, 7)]),
}


@pytest.mark.parametrize("dtype", [cr.float32, cr.float64], ids=str)
@pytest.mark.parametrize("name", sorted(NORMS))
def test_norms_and_their_gradients_match_the_cpu(name, dtype):
    fn, shapes = NORMS[name]
    check_on_gpu(fn, shapes, dtype)


@pytest.mark.parametrize("name", ["batch_norm_4d", "layer_norm", "group_norm"])
def test_second_derivative_matches_the_cpu(name):
    fn, shapes = NORMS[name]

    def grad_of_input(lib, x, *params):
        y = fn(lib, x, *params)
        (gx,) = lib.autograd.grad((y * y).sum(), x, create_graph=True)
        return gx
    check_on_gpu(grad_of_input, shapes, cr.float64)


def test_batch_norm_module_trains_and_evaluates_on_the_gpu():
    cr.manual_seed(0)
    cpu = cr.nn.BatchNorm2d(4)
    gpu = cr.nn.BatchNorm2d(4).cuda()
    x = cr.randn(6, 4, 5, 5) * 3 + 1
    for _ in range(3):
        assert_same(gpu(x.cuda()), cpu(x), cr.float32)
    for name in ("running_mean", "running_var", "num_batches_tracked"):
        np.testing.assert_allclose(getattr(gpu, name).cpu().numpy(), getattr(cpu, name).numpy(), rtol=1e-5)
    cpu.eval(), gpu.eval()
    assert_same(gpu(x.cuda()), cpu(x), cr.float32)
