"""Indexing on the GPU (cpp/cuda/index.cu) against chainrule's CPU results and, where the machine has a
CUDA build of PyTorch, PyTorch's GPU: advanced indexing read and written (broadcast, non-adjacent
and bool-mask indices, accumulate with repeats), index_select/index_add, gather/scatter/scatter_add,
embedding with padding_idx, their gradients; CPU index tensors for a GPU tensor, PyTorch's error the
other way round, and out-of-range indices raising IndexError as on the CPU. Needs a GPU and says so."""
import numpy as np
import pytest

import chainrule as cr
from cuda_support import check_on_gpu, requires_gpu

pytestmark = requires_gpu


def idx(lib, x, values):
    return lib.tensor(values, dtype=lib.int64, device=x.device)


CASES = {  # name: (fn(lib, x), input shape)
    "one_index": (lambda lib, x: x[idx(lib, x, [2, 0, 2])], (4, 3)),
    "broadcast_pair": (lambda lib, x: x[idx(lib, x, [[0], [3]]), idx(lib, x, [1, 2])], (4, 3, 2)),
    "non_adjacent": (lambda lib, x: x[idx(lib, x, [1, 0]), :, idx(lib, x, [2, 2])], (2, 3, 4)),
    "with_slices": (lambda lib, x: x[1:, idx(lib, x, [0, 2, 2])], (3, 4, 2)),
    "bool_mask": (lambda lib, x: x[x > 0.2], (5, 4)),
    "index_select": (lambda lib, x: x.index_select(1, idx(lib, x, [3, 0, 3])), (2, 4, 3)),
    "gather": (lambda lib, x: x.gather(1, idx(lib, x, [[0, 2, 2], [1, 1, 0]])), (2, 3)),
    "take_along_dim": (lambda lib, x: lib.take_along_dim(x, idx(lib, x, [[2], [0]]), dim=1), (2, 3)),
    "index_put_accumulate": (lambda lib, x: x.index_put((idx(lib, x, [0, 2, 0]),), x[:3] * 2, accumulate=True),
                             (4, 3)),
    "index_put": (lambda lib, x: x.index_put((idx(lib, x, [3, 1]),), x[:2] * 2), (4, 3)),
    "index_add": (lambda lib, x: x.index_add(0, idx(lib, x, [1, 1, 3]), x[:3] * 3), (4, 2)),
    "scatter": (lambda lib, x: x.scatter(1, idx(lib, x, [[2, 0], [1, 2]]), x[:, :2] * 2), (2, 3)),
    "scatter_add": (lambda lib, x: x.scatter_add(0, idx(lib, x, [[1, 1, 0], [1, 0, 0]]), x[:2] * 5), (3, 3)),
    "embedding": (lambda lib, x: lib.nn.functional.embedding(idx(lib, x, [[1, 4, 1], [0, 2, 4]]), x, padding_idx=4),
                  (5, 3)),
}


@pytest.mark.parametrize("dtype", [cr.float32, cr.float64], ids=str)
@pytest.mark.parametrize("name", sorted(CASES))
def test_indexing_and_its_gradients_match_the_cpu(name, dtype):
    fn, shape = CASES[name]
    check_on_gpu(fn, [shape], dtype)


def test_integer_and_bool_tensors_index_on_the_gpu():
    x = cr.arange(12).reshape(3, 4)
    gpu = x.cuda()
    np.testing.assert_array_equal(gpu[cr.tensor([2, 0]).cuda()].cpu().numpy(), x[cr.tensor([2, 0])].numpy())
    gpu[gpu > 5] = -1
    x[x > 5] = -1
    np.testing.assert_array_equal(gpu.cpu().numpy(), x.numpy())
    mask = cr.tensor([True, False, True])
    np.testing.assert_array_equal(gpu[mask.cuda()].cpu().numpy(), x[mask].numpy())
    np.testing.assert_array_equal(cr.nonzero(gpu < 0).cpu().numpy(), cr.nonzero(x < 0).numpy())


def test_cpu_indices_index_a_gpu_tensor_but_not_the_other_way_round():
    x = cr.randn(4, 3)
    rows = cr.tensor([3, 1])
    np.testing.assert_array_equal(x.cuda()[rows].cpu().numpy(), x[rows].numpy())
    with pytest.raises(RuntimeError, match="indices should be either on cpu or on the same device"):
        x[rows.cuda()]


def test_out_of_range_gpu_indices_raise_the_cpus_index_error_at_the_next_wait():
    # checked on the GPU without waiting for it (cpp/ops/deferred_checks.h): the error comes with
    # the next copy to the host or synchronize, as PyTorch's device-side asserts do
    x = cr.randn(4, 3).cuda()
    with pytest.raises(IndexError, match="index 4 is out of bounds for dim 0 with size 4"):
        x[cr.tensor([1, 4]).cuda()].cpu()
    with pytest.raises(IndexError, match="gather: index 5 is out of bounds for dim 0 with size 4"):
        x.gather(0, cr.tensor([[0, 5, 1]]).cuda()).sum().item()
    with pytest.raises(IndexError, match="out of bounds"):
        cr.nn.functional.embedding(cr.tensor([9]).cuda(), x)
        cr.cuda.synchronize()
    assert x[cr.tensor([3]).cuda()].cpu().shape == (1, 3)  # reported once, then forgotten
