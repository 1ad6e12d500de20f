"""The fused optimizer steps on the GPU (cpp/cuda/optim.cu: one multi-tensor kernel over the CPU's
element formulas, core/optim_formulas.h and core/optim_element_formulas.h) against the same steps on
the CPU and, where the machine has a CUDA build of PyTorch, PyTorch's GPU: every fused optimizer and
the options that change its update, float32, float64 and both in one group, 101 parameters of many
sizes (one empty, one large, one non-contiguous: more than one launch holds), eight steps (RAdam's
un-adapted and rectified steps, ASGD's copy and averaging), parameters and state. Needs a GPU and
says so."""
import numpy as np
import pytest

import chainrule as cr
from cuda_support import _torch_cuda, requires_gpu, tolerances

pytestmark = requires_gpu

CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-2)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.1, maximize=True)),
    ("Adam", dict(lr=1e-2)),
    ("Adam", dict(lr=1e-2, amsgrad=True, weight_decay=1e-2, maximize=True)),
    ("AdamW", dict(lr=1e-2, weight_decay=0.1)),
    ("RMSprop", dict(lr=1e-2)),
    ("RMSprop", dict(lr=1e-2, momentum=0.5, centered=True, weight_decay=0.1)),
    ("RMSprop", dict(lr=1e-2, centered=True, maximize=True)),
    ("RMSprop", dict(lr=1e-2, momentum=0.3)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.1, initial_accumulator_value=0.1, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, weight_decay=0.1, maximize=True)),
    ("Adamax", dict(lr=1e-2)),
    ("Adamax", dict(lr=1e-2, weight_decay=0.1, maximize=True)),
    ("NAdam", dict(lr=1e-2)),
    ("NAdam", dict(lr=1e-2, weight_decay=0.1, momentum_decay=0.01)),
    ("NAdam", dict(lr=1e-2, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("RAdam", dict(lr=1e-2)),
    ("RAdam", dict(lr=1e-2, weight_decay=0.1)),
    ("RAdam", dict(lr=1e-2, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("ASGD", dict(lr=1e-2)),
    ("ASGD", dict(lr=1e-2, t0=2, weight_decay=0.1, maximize=True)),
]
STEPS = 8
# 101 shapes: small ones of every size up to 20 elements, one empty, one large
SHAPES = [(i % 7, 3) if i % 2 else (i % 5 + 1,) for i in range(100)] + [(300, 257)]


def case_id(case):
    name, options = case
    return name + "".join(f"-{k}={v}" for k, v in options.items())


def dtype_of(mixed_or_dtype, i):
    if mixed_or_dtype == "mixed":
        return cr.float32 if i % 3 else cr.float64
    return mixed_or_dtype


def assert_on_gpu(t):
    assert t.device.type == "cuda", f"expected a tensor on the GPU, got {t.device}"


def gpu_parameter(values, dtype, transposed):
    """A GPU leaf of `values`; transposed: a non-contiguous one (the transpose of its transpose)."""
    if transposed:
        return cr.tensor(np.ascontiguousarray(values.T), dtype=dtype).cuda().t().detach().requires_grad_()
    return cr.tensor(values, dtype=dtype).cuda().requires_grad_()


def run_steps(make, options, values, grads, dtypes, device):
    """The parameters and the tensor state after len(grads) steps of make(params, **options)."""
    if device == "cuda":
        params = [gpu_parameter(v, dt, i == 5) for i, (v, dt) in enumerate(zip(values, dtypes))]
    else:
        params = [cr.tensor(v, dtype=dt, requires_grad=True) for v, dt in zip(values, dtypes)]
    opt = make(params, **options)
    for step in grads:
        for p, g, dt in zip(params, step, dtypes):
            p.grad = cr.tensor(g, dtype=dt).cuda() if device == "cuda" else cr.tensor(g, dtype=dt)
        opt.step()
    return params, [opt.state[p] for p in params]


@pytest.mark.parametrize("dtype", [cr.float32, cr.float64, "mixed"], ids=str)
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_a_multi_tensor_gpu_step_matches_the_cpu_and_torch(case, dtype):
    name, options = case
    rng = np.random.default_rng(0)
    values = [rng.standard_normal(s) for s in SHAPES]
    grads = [[rng.standard_normal(s) for s in SHAPES] for _ in range(STEPS)]
    dtypes = [dtype_of(dtype, i) for i in range(len(SHAPES))]
    make = getattr(cr.optim, name)
    cpu_params, cpu_state = run_steps(make, options, values, grads, dtypes, "cpu")
    gpu_params, gpu_state = run_steps(make, options, values, grads, dtypes, "cuda")
    for i, (p, q, dt) in enumerate(zip(cpu_params, gpu_params, dtypes)):
        assert_on_gpu(q)
        np.testing.assert_allclose(q.detach().cpu().numpy(), p.detach().numpy(), **tolerances(dt),
                                   err_msg=f"parameter {i}")
        assert sorted(gpu_state[i]) == sorted(cpu_state[i])
        for key, value in cpu_state[i].items():
            if isinstance(value, cr.Tensor):
                np.testing.assert_allclose(gpu_state[i][key].cpu().numpy(), value.numpy(), **tolerances(dt),
                                           err_msg=f"{key} of parameter {i}")
    torch = _torch_cuda()
    if torch is None:
        return
    torch_params = [torch.tensor(v, dtype=torch.float32 if dt == cr.float32 else torch.float64, device="cuda",
                                 requires_grad=True) for v, dt in zip(values, dtypes)]
    torch_opt = getattr(torch.optim, name)(torch_params, **options)
    for step in grads:
        for t, g in zip(torch_params, step):
            t.grad = torch.tensor(g, dtype=t.dtype, device="cuda")
        torch_opt.step()
    for i, (q, t, dt) in enumerate(zip(gpu_params, torch_params, dtypes)):
        np.testing.assert_allclose(q.detach().cpu().numpy(), t.detach().cpu().numpy(), **tolerances(dt),
                                   err_msg=f"parameter {i}")
