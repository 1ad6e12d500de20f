"""The GPU's sort (cpp/cuda/sort.cu, one stable segmented sort of the lines) and what is read off it
(argsort, topk, kthvalue, median, nanmedian, quantile), and searchsorted, against chainrule's CPU results, which the
rest of the suite checks against PyTorch: the same values, the same indices (both sorts are stable,
so ties, NaN and signed zeros land alike), and the same gradients; with PyTorch's GPU too where the
machine has a CUDA build of it. Needs a GPU and says so."""
import numpy as np
import pytest

import chainrule as cr
from cuda_support import check_on_gpu, requires_gpu

pytestmark = requires_gpu

DTYPES = [cr.float32, cr.float64, cr.int64, cr.bool]


def same_values(gpu, cpu):
    assert gpu.device.type == "cuda", f"expected a GPU tensor, got {gpu.device}"
    assert gpu.dtype == cpu.dtype and tuple(gpu.shape) == tuple(cpu.shape)
    np.testing.assert_array_equal(gpu.cpu().numpy(), cpu.numpy())


def awkward(dtype, shape=(4, 7), seed=0):
    """Values with ties, and for floats NaN, +-0 and +-inf, in random places."""
    rng = np.random.default_rng(seed)
    values = rng.integers(-3, 4, size=shape).astype(np.float64)
    if dtype in (cr.float32, cr.float64):
        flat = values.reshape(-1)
        picks = rng.choice(flat.size, size=6, replace=False)
        flat[picks] = [np.nan, np.nan, -0.0, 0.0, np.inf, -np.inf]
    x = cr.tensor(values, dtype=cr.float64)
    return x.to(dtype) if dtype != cr.bool else x > 0


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("descending", [False, True])
def test_sort_gives_the_cpus_values_and_indices(dtype, dim, descending):
    x = awkward(dtype)
    cpu, gpu = x.sort(dim, descending=descending), x.cuda().sort(dim, descending=descending)
    same_values(gpu.values, cpu.values)
    same_values(gpu.indices, cpu.indices)
    same_values(x.cuda().argsort(dim, descending=descending), x.argsort(dim, descending=descending))


@pytest.mark.parametrize("shape", [(1000, 3), (3, 5000), (2, 3, 4, 5), (0, 4), (4, 0), (1,)], ids=str)
def test_sort_of_many_short_and_few_long_lines(shape):
    x = cr.tensor(np.random.default_rng(1).standard_normal(shape), dtype=cr.float32)
    same_values(x.cuda().sort(-1).indices, x.sort(-1).indices)


def test_sort_of_a_number_and_of_a_transposed_input():
    same_values(cr.tensor(2.5).cuda().sort().values, cr.tensor(2.5).sort().values)
    x = awkward(cr.float32, (6, 5)).t()
    same_values(x.cuda().sort(0).indices, x.sort(0).indices)


@pytest.mark.parametrize("dtype", [cr.float32, cr.float64, cr.int64], ids=str)
@pytest.mark.parametrize("largest", [True, False])
def test_topk_gives_the_cpus_values_and_indices(dtype, largest):
    x = awkward(dtype, (5, 9))
    for k, dim in [(0, 1), (1, 1), (3, 1), (9, 1), (2, 0)]:
        cpu, gpu = x.topk(k, dim, largest=largest), x.cuda().topk(k, dim, largest=largest)
        same_values(gpu.values, cpu.values)
        same_values(gpu.indices, cpu.indices)


@pytest.mark.parametrize("dtype", [cr.float32, cr.float64, cr.int64], ids=str)
@pytest.mark.parametrize("keepdim", [False, True])
def test_kthvalue_median_and_nanmedian_pick_the_cpus_element(dtype, keepdim):
    x = awkward(dtype, (6, 7))
    for dim in (0, 1):
        for k in (1, 4, x.shape[dim]):
            cpu, gpu = x.kthvalue(k, dim, keepdim), x.cuda().kthvalue(k, dim, keepdim)
            same_values(gpu.values, cpu.values)
            same_values(gpu.indices, cpu.indices)
        for name in ("median", "nanmedian"):
            cpu, gpu = getattr(x, name)(dim, keepdim), getattr(x.cuda(), name)(dim, keepdim)
            same_values(gpu.values, cpu.values)
            same_values(gpu.indices, cpu.indices)
    same_values(x.cuda().median(), x.median())


def test_nanmedian_of_a_line_of_nan_only():
    x = cr.tensor([[float("nan")] * 3, [1.0, float("nan"), 0.0]])
    cpu, gpu = x.nanmedian(1), x.cuda().nanmedian(1)
    same_values(gpu.values, cpu.values)
    same_values(gpu.indices, cpu.indices)


ORDER_OPS = {  # name: (fn(lib, x), input shape)
    "sort": (lambda lib, x: x.sort(1, descending=True).values, (3, 6)),
    "sort_dim0": (lambda lib, x: lib.sort(x, 0).values, (5, 3)),
    "topk": (lambda lib, x: x.topk(2, dim=0).values, (5, 3)),
    "topk_smallest": (lambda lib, x: x.topk(3, largest=False).values, (2, 4, 6)),
    "kthvalue": (lambda lib, x: x.kthvalue(2, 1).values, (4, 5)),
    "median": (lambda lib, x: x.median(1).values, (4, 5)),
    "median_all": (lambda lib, x: x.median(), (3, 5)),
    "quantile": (lambda lib, x: lib.quantile(x, lib.tensor([0.1, 0.5, 0.9], dtype=x.dtype, device=x.device), dim=1),
                 (3, 8)),
}


@pytest.mark.parametrize("dtype", [cr.float32, cr.float64], ids=str)
@pytest.mark.parametrize("name", sorted(ORDER_OPS))
def test_values_and_gradients_match_the_cpu(name, dtype):
    fn, shape = ORDER_OPS[name]
    check_on_gpu(fn, [shape], dtype)


@pytest.mark.parametrize("right", [False, True])
def test_searchsorted_finds_the_cpus_positions(right):
    edges = cr.tensor([-1.0, 0.0, 0.0, 2.5, float("inf")])
    values = cr.tensor([[-2.0, 0.0, 1.0], [2.5, float("nan"), 9.0]])
    same_values(cr.searchsorted(edges.cuda(), values.cuda(), right=right), cr.searchsorted(edges, values, right=right))
    lines = cr.tensor([[1, 3, 5, 7], [0, 0, 4, 4]])
    queries = cr.tensor([[0, 3, 8], [0, 4, 2]])
    same_values(cr.searchsorted(lines.cuda(), queries.cuda(), right=right), cr.searchsorted(lines, queries, right=right))
    same_values(cr.bucketize(values.cuda(), edges.cuda(), right=right), cr.bucketize(values, edges, right=right))


def test_searchsorted_through_a_sorter_and_its_check():
    sequence = cr.tensor([[5.0, 1.0, 3.0], [2.0, 0.0, 1.0]])
    sorter = sequence.argsort(-1)
    values = cr.tensor([[2.0, 6.0], [0.5, 1.0]])
    same_values(cr.searchsorted(sequence.cuda(), values.cuda(), sorter=sorter.cuda()),
                cr.searchsorted(sequence, values, sorter=sorter))
    # a sorter entry out of range is checked on the GPU and raised at the next wait, as the CPU's error
    with pytest.raises(RuntimeError, match="sorter index out of range"):
        cr.searchsorted(sequence.cuda(), values.cuda(), sorter=(sorter + 1).cuda()).cpu()
