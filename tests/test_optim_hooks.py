"""Optimizer step hooks against torch.optim: register_step_pre_hook / register_step_post_hook per
optimizer and register_optimizer_step_pre_hook / _post_hook for all, in torch's order, a pre-hook
that rewrites step's arguments, handles (utils.hooks.RemovableHandle) that remove, hooks on a user-written Optimizer subclass, and
torch's error for a pre-hook returning something else."""
import pytest

import chainrule as cr
from conftest import torch


def libs():
    return [cr] + ([torch] if torch is not None else [])


def one_param(lib):
    p = lib.nn.Parameter(lib.ones(1))
    p.grad = lib.ones(1)
    return p


@pytest.mark.parametrize("lib", libs(), ids=lambda m: m.__name__)
def test_step_hooks_run_in_torchs_order_and_come_off(lib):
    optimizer_module = __import__(f"{lib.__name__}.optim.optimizer", fromlist=["x"])
    log = []
    opt = lib.optim.SGD([one_param(lib)], lr=0.1)
    handles = [opt.register_step_pre_hook(lambda o, a, k: log.append("pre")),
               opt.register_step_post_hook(lambda o, a, k: log.append("post")),
               optimizer_module.register_optimizer_step_pre_hook(lambda o, a, k: log.append("global pre")),
               optimizer_module.register_optimizer_step_post_hook(lambda o, a, k: log.append("global post"))]
    opt.step()
    assert log == ["global pre", "pre", "post", "global post"]
    hooks_module = __import__(f"{lib.__name__}.utils.hooks", fromlist=["x"])
    assert all(isinstance(handle, hooks_module.RemovableHandle) for handle in handles)
    for handle in handles:
        handle.remove()
    opt.step()
    assert len(log) == 4


@pytest.mark.parametrize("lib", libs(), ids=lambda m: m.__name__)
def test_a_pre_hook_can_replace_steps_arguments(lib):
    p = one_param(lib)
    opt = lib.optim.SGD([p], lr=0.1)
    calls = []

    def closure():
        calls.append("closure")
        return lib.tensor(3.0)

    opt.register_step_pre_hook(lambda o, args, kwargs: ((o,), {"closure": closure}))
    assert opt.step().item() == 3.0 and calls == ["closure"]
    opt.register_step_pre_hook(lambda o, args, kwargs: "not a pair")
    with pytest.raises(RuntimeError, match="must return None or a tuple of \\(new_args, new_kwargs\\)"):
        opt.step()


@pytest.mark.parametrize("lib", libs(), ids=lambda m: m.__name__)
def test_hooks_run_around_a_user_written_optimizers_step(lib):
    class SignSGD(lib.optim.Optimizer):
        def __init__(self, params, lr=0.01):
            super().__init__(params, dict(lr=lr))

        @lib.no_grad()
        def step(self, closure=None):
            for group in self.param_groups:
                for p in group["params"]:
                    p.add_(p.grad.sign(), alpha=-group["lr"])

    p = one_param(lib)
    opt = SignSGD([p], lr=0.5)
    seen = []
    opt.register_step_post_hook(lambda o, a, k: seen.append(p.item()))
    opt.step()
    assert seen == [0.5]
