"""The warning PyTorch gives when lr_scheduler.step() comes before the first optimizer.step() (dome272's
DDPM calls scheduler.step() before loss.backward()/optimizer.step()), and when optimizer.step was replaced
after the scheduler was made; compared with torch."""
import warnings

import pytest

import chainrule as cr
from conftest import requires_torch, torch

pytestmark = requires_torch


def messages(lib, order, scheduler="StepLR", kwargs=None):
    """The warning messages (first 40 characters) of two scheduler steps with `order` of the first ones."""
    model = lib.nn.Linear(2, 1)
    optimizer = lib.optim.SGD(model.parameters(), lr=0.1)
    sched = getattr(lib.optim.lr_scheduler, scheduler)(optimizer, **(kwargs or {"step_size": 1}))
    if order == "replaced":
        optimizer.step = lambda closure=None: None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for name in ["scheduler", "optimizer", "scheduler"] if order != "optimizer first" else \
                ["optimizer", "scheduler", "scheduler"]:
            (sched.step if name == "scheduler" else optimizer.step)()
    return [str(w.message)[:40] for w in caught if issubclass(w.category, UserWarning)]


@pytest.mark.parametrize("order", ["scheduler first", "optimizer first", "replaced"])
@pytest.mark.parametrize("scheduler,kwargs", [("StepLR", None), ("OneCycleLR", {"max_lr": 0.1, "total_steps": 9}),
                                              ("CosineAnnealingWarmRestarts", {"T_0": 2})])
def test_step_order_warning_matches_torch(order, scheduler, kwargs):
    ours, theirs = messages(cr, order, scheduler, kwargs), messages(torch, order, scheduler, kwargs)
    assert ours == theirs
    if order == "scheduler first" and scheduler != "CosineAnnealingWarmRestarts":
        assert ours == ["Detected call of `lr_scheduler.step()` b"]


def test_the_wrapped_step_still_steps_and_pickles():
    import pickle
    model = cr.nn.Linear(2, 1)
    optimizer = cr.optim.SGD(model.parameters(), lr=0.5)
    cr.optim.lr_scheduler.StepLR(optimizer, 1)
    model(cr.ones(1, 2)).sum().backward()
    before = model.weight.detach().clone()
    optimizer.step()
    assert not cr.equal(before, model.weight.detach())
    assert pickle.loads(pickle.dumps(optimizer)).param_groups[0]["lr"] == 0.5
