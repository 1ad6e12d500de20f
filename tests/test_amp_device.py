"""GradScaler on the `device` fixture's device against torch.amp.GradScaler on the CPU: unscale_
reads nothing on the host (the inf/NaN flags stay tensors), step reads once, and skipped steps,
parameters and scale updates match PyTorch's."""
import numpy as np
import pytest

import chainrule as cr
from conftest import assert_close, requires_torch, torch
from host_reads import no_host_reads


@requires_torch
@pytest.mark.parametrize("bad_grad", [None, float("inf"), float("nan")])
def test_grad_scaler_unscales_without_host_reads_and_steps_as_pytorch(device, bad_grad):
    rng = np.random.default_rng(1)
    values = [rng.standard_normal(s).astype(np.float32) for s in [(3, 2), (4,)]]
    grads = [rng.standard_normal(v.shape).astype(np.float32) for v in values]
    if bad_grad is not None:
        grads[1][2] = bad_grad
    ours = [cr.tensor(v, device=device, requires_grad=True) for v in values]
    theirs = [torch.tensor(v, requires_grad=True) for v in values]
    opt, torch_opt = cr.optim.SGD(ours, lr=0.1), torch.optim.SGD(theirs, lr=0.1)
    scaler = cr.amp.GradScaler(device.type, init_scale=4.0, growth_interval=1)
    torch_scaler = torch.amp.GradScaler("cpu", init_scale=4.0, growth_interval=1)
    scaler.scale(ours[0].sum())  # creates the scale
    torch_scaler.scale(theirs[0].sum())
    for p, t, g in zip(ours, theirs, grads):
        p.grad, t.grad = cr.tensor(g * 4.0, device=device), torch.tensor(g * 4.0)
    with no_host_reads():
        scaler.unscale_(opt)
    scaler.step(opt)
    scaler.update()
    torch_scaler.unscale_(torch_opt)
    torch_scaler.step(torch_opt)
    torch_scaler.update()
    assert scaler.get_scale() == torch_scaler.get_scale()
    for p, t in zip(ours, theirs):
        assert_close(p.detach().cpu(), t.detach().numpy())
        assert_close(p.grad.cpu(), t.grad.numpy())
