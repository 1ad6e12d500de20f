"""GPU memory as a PyTorch program sees it: factories (zeros, ones, full) and copies (fill_, clone,
contiguous, to(dtype), copy_ from the host) on the GPU; tensors moved with .to/.cuda/.cpu keep their values and
send gradients back across the move, .item() reads a GPU value, and the caching allocator's
counters (memory_allocated, max_memory_allocated, memory_reserved, reset_peak_memory_stats,
empty_cache) move as PyTorch's do. The allocator's policy itself is tested on the CPU with a fake
backend (tests/cpp/test_caching_allocator.cpp). Every test here needs a GPU and says so."""
import numpy as np
import pytest

import chainrule as cr

pytestmark = pytest.mark.skipif(not cr.cuda.is_available(), reason="no CUDA device")


def test_tensors_round_trip_through_the_gpu():
    for dtype in (cr.float32, cr.float64, cr.int64, cr.bool):
        host = cr.arange(12).reshape(3, 4).to(dtype)
        gpu = host.to("cuda")
        assert gpu.device == cr.device("cuda", 0) and gpu.is_cuda and gpu.dtype == dtype
        assert np.array_equal(gpu.cpu().numpy(), host.numpy())
        assert np.array_equal(host.cuda().to("cpu").numpy(), host.numpy())
    assert cr.tensor([2.5]).cuda().item() == 2.5


def test_factories_and_copies_run_on_the_gpu():
    assert cr.zeros(2, 3, device="cuda").cpu().tolist() == [[0.0] * 3] * 2
    assert cr.full((2,), 7, dtype=cr.int64, device="cuda").tolist() == [7, 7]
    t = cr.arange(6.0).reshape(2, 3).cuda()
    assert t.t().contiguous().cpu().tolist() == [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]
    assert t.to(cr.int64).tolist() == [[0, 1, 2], [3, 4, 5]] and t.to(cr.bool).tolist()[0] == [False, True, True]
    c = t.clone()
    c.fill_(1.5)
    assert c.tolist() == [[1.5] * 3] * 2 and t.tolist()[1] == [3.0, 4.0, 5.0]
    c.copy_(cr.tensor([9.0, 8.0, 7.0]))  # from the host, broadcast
    assert c.tolist() == [[9.0, 8.0, 7.0]] * 2


def test_a_transposed_tensor_moves_as_its_values():
    host = cr.arange(6.0).reshape(2, 3).t()
    assert np.array_equal(host.cuda().cpu().numpy(), host.numpy())


def test_gradients_flow_back_across_a_move():
    x = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x.cuda().cpu() * 2
    y.sum().backward()
    assert x.grad.device == cr.device("cpu") and np.array_equal(x.grad.numpy(), [2.0, 2.0, 2.0])


def test_memory_counters_follow_allocations_and_the_cache():
    cr.cuda.empty_cache()
    before = cr.cuda.memory_allocated()
    t = cr.empty(1 << 20, device="cuda")  # 4 MiB of float32
    assert cr.cuda.memory_allocated() - before == 4 << 20
    assert cr.cuda.max_memory_allocated() >= cr.cuda.memory_allocated()
    del t
    assert cr.cuda.memory_allocated() == before
    assert cr.cuda.memory_reserved() >= 4 << 20  # the freed block is cached
    again = cr.empty(1 << 20, device="cuda")      # and reused
    assert cr.cuda.memory_reserved() >= 4 << 20
    del again
    cr.cuda.reset_peak_memory_stats()
    assert cr.cuda.max_memory_allocated() == cr.cuda.memory_allocated()
    cr.cuda.empty_cache()
    assert cr.cuda.memory_reserved() == cr.cuda.memory_allocated()


def test_device_queries_answer():
    assert cr.cuda.current_device() == 0
    assert isinstance(cr.cuda.get_device_name(), str) and cr.cuda.get_device_name()
    cr.cuda.synchronize()


def test_mixing_devices_in_one_op_is_pytorchs_error_naming_both():
    with pytest.raises(RuntimeError, match="same device.*cuda:0.*cpu|same device.*cpu.*cuda:0"):
        cr.ones(3, device="cuda") + cr.ones(3)
    assert (cr.ones(3, device="cuda") + cr.tensor(2.0)).device.type == "cuda"  # a 0-d CPU tensor joins


def test_a_non_contiguous_gpu_tensor_comes_back_as_its_values():
    host = cr.arange(12.0).reshape(3, 4)
    assert np.array_equal(host.cuda().t().cpu().numpy(), host.t().numpy())
    assert host.cuda()[:, ::2].tolist() == host[:, ::2].tolist()
