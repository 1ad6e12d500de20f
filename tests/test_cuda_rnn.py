"""Recurrent layers on the GPU (cpp/cuda/rnn_cell.cu: the fused cell steps on
core/rnn_cell_formulas.h; whole sequences as recorded steps) against chainrule's CPU results and,
where the machine has a CUDA build of PyTorch, PyTorch's GPU: LSTM/GRU/RNN cells and multi-layer,
bidirectional LSTM/GRU/RNN layers, outputs, final states and every parameter's gradient. Needs a GPU
and says so."""
import numpy as np
import pytest

import chainrule as cr
from cuda_support import assert_same, requires_gpu

pytestmark = requires_gpu

@pytest.mark.parametrize("dtype", [cr.float32, cr.float64], ids=str)
@pytest.mark.parametrize("mode", ["LSTM", "GRU", "RNN"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["one_way", "two_way"])
def test_recurrent_layers_and_their_gradients_match_the_cpu(mode, bidirectional, dtype):
    cr.manual_seed(0)
    make = getattr(cr.nn, mode)
    cpu = make(5, 7, num_layers=2, bidirectional=bidirectional).to(dtype)
    gpu = make(5, 7, num_layers=2, bidirectional=bidirectional).to(dtype).cuda()
    gpu.load_state_dict(cpu.state_dict())
    x = cr.randn(6, 3, 5, dtype=dtype)
    cpu_out, cpu_state = cpu(x)
    gpu_out, gpu_state = gpu(x.cuda())
    assert_same(gpu_out, cpu_out, dtype)
    cpu_states = cpu_state if isinstance(cpu_state, tuple) else (cpu_state,)
    gpu_states = gpu_state if isinstance(gpu_state, tuple) else (gpu_state,)
    for g, c in zip(gpu_states, cpu_states):
        assert_same(g, c, dtype)
    weights = cr.randn(*cpu_out.shape, dtype=dtype)
    ((cpu_out * weights).sum() + sum(s.sum() for s in cpu_states)).backward()
    ((gpu_out * weights.cuda()).sum() + sum(s.sum() for s in gpu_states)).backward()
    for p, q in zip(cpu.parameters(), gpu.parameters()):
        assert_same(q.grad, p.grad, dtype)


@pytest.mark.parametrize("make", ["LSTMCell", "GRUCell", "RNNCell"])
def test_cells_match_the_cpu(make):
    cr.manual_seed(1)
    cpu = getattr(cr.nn, make)(4, 6)
    gpu = getattr(cr.nn, make)(4, 6).cuda()
    gpu.load_state_dict(cpu.state_dict())
    x = cr.randn(3, 4)
    cpu_out, gpu_out = cpu(x), gpu(x.cuda())
    if isinstance(cpu_out, tuple):
        for g, c in zip(gpu_out, cpu_out):
            assert_same(g, c, cr.float32)
        cpu_out, gpu_out = cpu_out[0], gpu_out[0]
    else:
        assert_same(gpu_out, cpu_out, cr.float32)
    cpu_out.sum().backward()
    gpu_out.sum().backward()
    for p, q in zip(cpu.parameters(), gpu.parameters()):
        np.testing.assert_allclose(q.grad.cpu().numpy(), p.grad.numpy(), rtol=1e-4, atol=1e-5)

