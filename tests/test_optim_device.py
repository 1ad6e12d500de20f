"""Optimizers over parameters on the `device` fixture's device: a state dict loaded from torch
(CPU tensors) is moved to each parameter's device as torch's load_state_dict does, and the steps
after it match torch's."""
import numpy as np
import pytest

import chainrule as cr
from chainrule import optim
from conftest import assert_close, requires_torch, torch


@requires_torch
@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW"])
def test_a_loaded_cpu_state_follows_the_parameters_device(device, name):
    options = dict(lr=0.1, momentum=0.9) if name == "SGD" else dict(lr=0.1)
    rng = np.random.default_rng(3)
    torch_params = [torch.tensor(rng.standard_normal(s), dtype=torch.float32, requires_grad=True) for s in [(4, 3), (5,)]]
    torch_opt = getattr(torch.optim, name)(torch_params, **options)
    grads = [[rng.standard_normal(tuple(t.shape)).astype(np.float32) for t in torch_params] for _ in range(4)]
    for step in grads[:2]:
        for t, g in zip(torch_params, step):
            t.grad = torch.tensor(g)
        torch_opt.step()
    params = [cr.tensor(t.detach().numpy(), device=device, requires_grad=True) for t in torch_params]
    opt = getattr(optim, name)(params, **options)
    opt.load_state_dict(torch_opt.state_dict())
    for state, param in zip(opt.state.values(), params):
        for key, value in state.items():
            if key != "step" and isinstance(value, cr.Tensor):
                assert value.device == param.device, key
    for step in grads[2:]:
        for p, t, g in zip(params, torch_params, step):
            p.grad, t.grad = cr.tensor(g, device=device), torch.tensor(g)
        opt.step()
        torch_opt.step()
    for p, t in zip(params, torch_params):
        assert_close(p.detach().cpu(), t.detach().numpy(), rtol=1e-5, atol=1e-6)
