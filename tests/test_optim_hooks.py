"""Optimizer hooks against torch.optim: register_step_pre_hook / register_step_post_hook per
optimizer and register_optimizer_step_pre_hook / _post_hook for all, in torch's order, a pre-hook
that rewrites step's arguments, handles (utils.hooks.RemovableHandle) that remove, hooks on a
user-written Optimizer subclass, torch's error for a pre-hook returning something else; and the
state-dict hooks (register_state_dict_pre/post_hook, register_load_state_dict_pre/post_hook)."""
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


@pytest.mark.parametrize("lib", libs(), ids=lambda m: m.__name__)
def test_state_dict_hooks_run_in_torchs_order_and_may_replace_the_dict(lib):
    log = []
    opt = lib.optim.Adam([one_param(lib)], lr=0.1)
    opt.step()
    opt.register_state_dict_pre_hook(lambda o: log.append("pre"))
    opt.register_state_dict_post_hook(lambda o, sd: log.append(("post", sorted(sd))))
    opt.register_state_dict_post_hook(lambda o, sd: {**sd, "extra": 1})
    opt.register_state_dict_pre_hook(lambda o: log.append("first pre"), prepend=True)
    saved = opt.state_dict()
    assert saved["extra"] == 1 and sorted(saved["state"][0]) == ["exp_avg", "exp_avg_sq", "step"]
    assert log == ["first pre", "pre", ("post", ["param_groups", "state"])]

    log.clear()
    other = lib.optim.Adam([one_param(lib)], lr=0.5)

    def drop_extra(o, sd):
        log.append(("load pre", "extra" in sd))
        sd.pop("extra")  # a shallow copy: the caller's dict keeps its key

    other.register_load_state_dict_pre_hook(drop_extra)
    handle = other.register_load_state_dict_post_hook(lambda o: log.append(("load post", o.param_groups[0]["lr"])))
    other.load_state_dict(saved)
    assert log == [("load pre", True), ("load post", 0.1)] and "extra" in saved
    handle.remove()
    log.clear()
    other.register_load_state_dict_pre_hook(lambda o, sd: {**sd, "param_groups": [{**sd["param_groups"][0], "lr": 0.3}]})
    other.load_state_dict(saved)
    assert log == [("load pre", True)] and other.param_groups[0]["lr"] == 0.3
