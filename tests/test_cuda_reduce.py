"""The GPU's reductions (cpp/cuda/reduce.cu) against chainrule's CPU results, which the rest of the
suite checks against PyTorch: sum, prod, max, min, all, any (and mean, amax, logsumexp built on them)
over one dim, several, all of them, with keepdim, on transposed inputs, with NaN, for every dtype,
and max/min/argmax along a dim with the first index of ties and NaN; cumsum (cpp/cuda/cumsum.cu),
which adds in the CPU's order, so its results are equal. Needs a GPU and says so."""
import numpy as np
import pytest

import chainrule as cr
from cuda_support import check_on_gpu

pytestmark = pytest.mark.skipif(not cr.cuda.is_available(), reason="no CUDA device")

DIMS = [None, 0, 1, (0, 2), -1]


def inputs(dtype):
    x = cr.arange(60).reshape(3, 4, 5).to(dtype) if dtype != cr.bool else (cr.arange(60).reshape(3, 4, 5) % 3 == 0)
    if dtype.is_floating_point:
        x = (x - 30) / 7
        x[1, 2, 3] = float("nan")
    return x


def same(gpu, cpu):
    assert gpu.device.type == "cuda" and gpu.dtype == cpu.dtype and gpu.shape == cpu.shape
    np.testing.assert_allclose(gpu.cpu().numpy(), cpu.numpy(), rtol=1e-6 if cpu.dtype == cr.float32 else 1e-12,
                               equal_nan=True)


@pytest.mark.parametrize("dtype", [cr.float32, cr.float64, cr.int64, cr.bool], ids=str)
@pytest.mark.parametrize("name", ["sum", "prod", "amax", "amin", "all", "any", "mean", "logsumexp"])
@pytest.mark.parametrize("dim", DIMS, ids=str)
@pytest.mark.parametrize("keepdim", [False, True])
def test_reductions_match_the_cpu(name, dtype, dim, keepdim):
    x = inputs(dtype)
    fn = getattr(cr, name)
    try:
        cpu = fn(x, dim=dim, keepdim=keepdim) if dim is not None else fn(x)
    except (TypeError, RuntimeError) as error:
        pytest.skip(f"{name} does not take {dtype} with dim={dim} ({type(error).__name__} on the CPU too)")
    gpu_x = x.cuda()
    same(fn(gpu_x, dim=dim, keepdim=keepdim) if dim is not None else fn(gpu_x), cpu)
    transposed = x.transpose(0, 2)
    if dim is not None:
        same(fn(transposed.cuda(), dim=dim, keepdim=keepdim), fn(transposed, dim=dim, keepdim=keepdim))


@pytest.mark.parametrize("dtype", [cr.float32, cr.float64, cr.int64], ids=str)
@pytest.mark.parametrize("is_max", [True, False])
def test_extremes_along_a_dim_give_the_first_index(dtype, is_max):
    x = cr.tensor([[3, 1, 3, 0], [2, 2, 5, 5], [7, 7, 7, 7]], dtype=dtype)
    if dtype.is_floating_point:
        x[0, 1] = float("nan")
    for dim in (0, 1):
        values, indices = (cr.max if is_max else cr.min)(x, dim=dim)
        gpu_values, gpu_indices = (cr.max if is_max else cr.min)(x.cuda(), dim=dim)
        same(gpu_values, values)
        assert gpu_indices.cpu().tolist() == indices.tolist()
    assert (x.cuda().argmax() if is_max else x.cuda().argmin()).item() == (x.argmax() if is_max else x.argmin()).item()


def test_a_large_sum_is_accurate():
    x = cr.rand(3_000_000, generator=cr.Generator().manual_seed(0))
    assert abs(x.cuda().sum().item() - x.sum().item()) <= 1e-6 * x.sum().item()


@pytest.mark.parametrize("dtype", [cr.float32, cr.float64, cr.int64, cr.bool], ids=str)
@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_cumsum_adds_in_the_cpus_order(dtype, dim):
    x = inputs(dtype)
    same(x.cuda().cumsum(dim), x.cumsum(dim))
    same(x.transpose(0, 2).cuda().cumsum(dim), x.transpose(0, 2).cumsum(dim))


@pytest.mark.parametrize("shape, dim", [((100_000,), 0), ((3, 50_000), 1), ((20_000, 3), 0), ((9000, 2, 2), 0)],
                         ids=str)
def test_cumsum_of_few_long_lines_runs_in_chunks_and_agrees_with_the_cpu(shape, dim):
    # few lines of many elements take the chunked path (cpp/cuda/cumsum.cu), which adds in another
    # order: float results agree to rounding, int64 results exactly
    x = cr.tensor(np.random.default_rng(0).standard_normal(shape), dtype=cr.float32)
    np.testing.assert_allclose(x.cuda().cumsum(dim).cpu().numpy(), x.cumsum(dim).numpy(), rtol=1e-5, atol=1e-3)
    np.testing.assert_allclose(x.double().cuda().cumsum(dim).cpu().numpy(), x.double().cumsum(dim).numpy(),
                               rtol=1e-12, atol=1e-9)
    counts = cr.tensor(np.random.default_rng(1).integers(-2**40, 2**40, size=shape))
    same(counts.cuda().cumsum(dim), counts.cumsum(dim))


def test_cumsum_gradient_matches_the_cpu():
    check_on_gpu(lambda lib, x: x.cumsum(1), [(3, 4, 2)], cr.float64)
    check_on_gpu(lambda lib, x: lib.cumsum(x, 0), [(50,)], cr.float32)
