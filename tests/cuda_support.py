"""Shared by the GPU tests (tests/test_cuda_*.py): run one function on CPU and GPU copies of the
same inputs and compare values and the gradients of every input, and, where the machine has a
CUDA build of PyTorch, compare with PyTorch on the GPU too. chainrule's CPU results are what the
rest of the suite checks against PyTorch; the GPU must give the same within rounding."""
import numpy as np
import pytest

import chainrule as cr

requires_gpu = pytest.mark.skipif(not cr.cuda.is_available(), reason="no CUDA device")


def _torch_cuda():
    """PyTorch where it sees a GPU, else None; with TF32 off, which cuDNN's convolutions and RNNs use
    by default on Ampere and later (about 1e-3 relative error, far outside `tolerances`), while
    chainrule's GPU computes float32 in full float32."""
    try:
        import torch
    except ImportError:
        return None
    if not torch.cuda.is_available():
        return None
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    return torch


def tolerances(dtype):
    return dict(rtol=1e-4, atol=1e-5) if dtype == cr.float32 else dict(rtol=1e-10, atol=1e-12)


def assert_same(gpu, cpu, dtype):
    assert gpu.device.type == "cuda", f"expected a result on the GPU, got {gpu.device}"
    assert tuple(gpu.shape) == tuple(cpu.shape)
    np.testing.assert_allclose(gpu.detach().cpu().numpy(), np.asarray(cpu.detach().numpy()), **tolerances(dtype))


def random_arrays(shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape) for shape in shapes]


def check_on_gpu(fn, shapes, dtype=cr.float32, seed=0, torch_too=True):
    """fn(lib, *tensors), written once for lib = chainrule or torch, on the CPU and on the GPU from
    the same random inputs of `shapes`: outputs equal, and the gradients of sum(out * r) for a
    random r equal for every input. With a CUDA build of PyTorch (and torch_too), PyTorch's GPU
    gives the same output and gradients."""
    arrays = random_arrays(shapes, seed)
    cpu_in = [cr.tensor(a, dtype=dtype, requires_grad=True) for a in arrays]
    gpu_in = [cr.tensor(a, dtype=dtype).cuda().requires_grad_() for a in arrays]
    cpu_out, gpu_out = fn(cr, *cpu_in), fn(cr, *gpu_in)
    assert_same(gpu_out, cpu_out, dtype)
    weights = cr.tensor(random_arrays([tuple(cpu_out.shape)], seed + 1)[0], dtype=dtype)
    (cpu_out * weights).sum().backward()
    (gpu_out * weights.cuda()).sum().backward()
    for g, c in zip(gpu_in, cpu_in):
        if c.grad is None:  # an input the output does not depend on through autograd
            assert g.grad is None
            continue
        assert_same(g.grad, c.grad, dtype)
    torch = _torch_cuda()
    if torch is None or not torch_too:
        return
    torch_dtype = torch.float32 if dtype == cr.float32 else torch.float64
    torch_in = [torch.tensor(a, dtype=torch_dtype, device="cuda", requires_grad=True) for a in arrays]
    torch_out = fn(torch, *torch_in)
    (torch_out * torch.tensor(weights.numpy(), device="cuda")).sum().backward()
    np.testing.assert_allclose(gpu_out.detach().cpu().numpy(), torch_out.detach().cpu().numpy(), **tolerances(dtype))
    for g, t in zip(gpu_in, torch_in):
        if g.grad is None:
            assert t.grad is None
            continue
        np.testing.assert_allclose(g.grad.cpu().numpy(), t.grad.cpu().numpy(), **tolerances(dtype))
