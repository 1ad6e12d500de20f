"""Products on the GPU (cpp/cuda/matmul.cu, cuBLAS) against chainrule's CPU results, which the rest
of the suite checks against PyTorch: every rank case of matmul, transposed and broadcast operands,
a batch whose offsets have no common stride, linear with and without bias, and gradients through
both. int64 products are refused as PyTorch's GPU refuses them. Needs a GPU and says so."""
import numpy as np
import pytest

import chainrule as cr

pytestmark = pytest.mark.skipif(not cr.cuda.is_available(), reason="no CUDA device")

SHAPES = [((5,), (5,)), ((3, 5), (5,)), ((5,), (5, 4)), ((3, 5), (5, 4)), ((2, 3, 5), (5, 4)),
          ((2, 3, 5), (2, 5, 4)), ((2, 1, 3, 5), (1, 4, 5, 2)), ((3, 5), (2, 5, 4))]


def same(gpu, cpu, dtype):
    assert gpu.device.type == "cuda" and gpu.shape == cpu.shape
    np.testing.assert_allclose(gpu.detach().cpu().numpy(), cpu.detach().numpy(),
                               rtol=1e-5 if dtype == cr.float32 else 1e-12, atol=1e-5 if dtype == cr.float32 else 0)


@pytest.mark.parametrize("dtype", [cr.float32, cr.float64], ids=str)
@pytest.mark.parametrize("shapes", SHAPES, ids=str)
def test_matmul_and_its_gradients_match_the_cpu(shapes, dtype):
    g = cr.Generator().manual_seed(0)
    a = cr.randn(*shapes[0], dtype=dtype, generator=g, requires_grad=True)
    b = cr.randn(*shapes[1], dtype=dtype, generator=g, requires_grad=True)
    ga, gb = a.detach().cuda().requires_grad_(), b.detach().cuda().requires_grad_()
    cpu, gpu = a @ b, ga @ gb
    same(gpu, cpu, dtype)
    cpu.sum().backward()
    gpu.sum().backward()
    same(ga.grad, a.grad, dtype)
    same(gb.grad, b.grad, dtype)


def test_transposed_and_strided_operands_are_read_in_place():
    a = cr.randn(6, 4)
    b = cr.randn(6, 3)
    same(a.cuda().t() @ b.cuda(), a.t() @ b, cr.float32)
    same(a.cuda()[::2] @ b.cuda()[:4], a[::2] @ b[:4], cr.float32)
    batch = cr.randn(3, 4, 5)
    same(batch.cuda()[[2, 0, 1]] @ cr.randn(5, 2).cuda(), batch[[2, 0, 1]] @ cr.randn(5, 2).cuda().cpu(), cr.float32)


def test_linear_matches_the_cpu_with_and_without_bias():
    layer = cr.nn.Linear(5, 3)
    x = cr.randn(4, 2, 5)
    gpu_layer = cr.nn.Linear(5, 3).cuda()
    gpu_layer.load_state_dict(layer.state_dict())
    same(gpu_layer(x.cuda()), layer(x), cr.float32)
    same(cr.nn.functional.linear(x.cuda(), gpu_layer.weight), cr.nn.functional.linear(x, layer.weight), cr.float32)
    layer(x).sum().backward()
    gpu_layer(x.cuda()).sum().backward()
    same(gpu_layer.weight.grad, layer.weight.grad, cr.float32)
    same(gpu_layer.bias.grad, layer.bias.grad, cr.float32)


def test_integer_products_are_refused_as_on_pytorchs_gpu():
    with pytest.raises(RuntimeError, match="int64 products are not supported on CUDA"):
        cr.ones(2, 2, dtype=cr.int64).cuda() @ cr.ones(2, 2, dtype=cr.int64).cuda()
