"""optim.swa_utils against PyTorch (float64): AveragedModel (SWA and EMA, with and without buffers)
after a few training steps, its state_dict keys, SWALR's learning rates, update_bn's statistics (batch norms only)."""
import numpy as np
import pytest

import chainrule as cr
from chainrule.optim import swa_utils
from conftest import requires_torch, torch

pytestmark = requires_torch


def build(lib):
    return lib.nn.Sequential(lib.nn.Linear(4, 5), lib.nn.BatchNorm1d(5), lib.nn.ReLU(), lib.nn.Linear(5, 2)).double()


def make_pair():
    torch.manual_seed(0)
    theirs = build(torch)
    ours = build(cr)
    ours.load_state_dict({k: cr.tensor(v.numpy().copy()) for k, v in theirs.state_dict().items()})
    return ours, theirs


def assert_same_state(ours, theirs):
    a, b = ours.state_dict(), theirs.state_dict()
    assert list(a) == list(b)
    for k in a:
        np.testing.assert_allclose(a[k].numpy(), b[k].numpy(), rtol=1e-12, atol=1e-14, err_msg=k)


AVERAGING = {
    "swa": lambda lib: {},
    "ema_avg_fn": lambda lib: {"avg_fn": lib.optim.swa_utils.get_ema_avg_fn(0.9)},
    "ema_multi_with_buffers": lambda lib: {"multi_avg_fn": lib.optim.swa_utils.get_ema_multi_avg_fn(0.9),
                                           "use_buffers": True},
    "swa_multi": lambda lib: {"multi_avg_fn": lib.optim.swa_utils.get_swa_multi_avg_fn()},
}


@pytest.mark.parametrize("averaging", list(AVERAGING))
def test_averaged_model_matches_torch_after_training(averaging):
    ours, theirs = make_pair()
    avg_ours = swa_utils.AveragedModel(ours, **AVERAGING[averaging](cr))
    avg_theirs = torch.optim.swa_utils.AveragedModel(theirs, **AVERAGING[averaging](torch))
    assert list(avg_ours.state_dict()) == list(avg_theirs.state_dict())
    assert list(avg_ours.state_dict())[:2] == ["n_averaged", "module.0.weight"]
    opt_ours = cr.optim.SGD(ours.parameters(), lr=0.1, momentum=0.9)
    opt_theirs = torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=0.9)
    for _ in range(4):
        x, y = np.random.randn(8, 4), np.random.randn(8, 2)
        for model, opt, avg, lib in ((ours, opt_ours, avg_ours, cr), (theirs, opt_theirs, avg_theirs, torch)):
            opt.zero_grad()
            ((model(lib.tensor(x)) - lib.tensor(y)) ** 2).mean().backward()
            opt.step()
            avg.update_parameters(model)
        assert_same_state(avg_ours, avg_theirs)
    assert int(avg_ours.n_averaged) == 4
    avg_ours.eval()
    avg_theirs.eval()
    x = np.random.randn(3, 4)
    np.testing.assert_allclose(avg_ours(cr.tensor(x)).detach().numpy(), avg_theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-12, atol=1e-14)
    avg_theirs.load_state_dict({k: torch.tensor(v.numpy().copy()) for k, v in avg_ours.state_dict().items()})


def test_update_bn_matches_torch_for_tensor_and_tuple_batches():
    ours, theirs = make_pair()
    batches = [np.random.randn(6, 4) * 3 + 1 for _ in range(3)]
    swa_utils.update_bn([cr.tensor(b) for b in batches], ours)
    torch.optim.swa_utils.update_bn([(torch.tensor(b), 0) for b in batches], theirs)
    assert_same_state(ours, theirs)
    assert ours.training and ours[1].momentum == 0.1
    ours.eval()
    swa_utils.update_bn([(cr.tensor(b), 0) for b in batches], ours)
    assert not ours.training
    assert_same_state(ours, theirs)


def test_update_bn_leaves_instance_norm_statistics_alone_like_torch():
    """update_bn resets and re-estimates batch norms only: an InstanceNorm that tracks running statistics
    is not a torch.nn.modules.batchnorm._BatchNorm, in chainrule as in PyTorch, so its statistics are
    not reset but only moved by the forward passes (from 5 towards the batches' means)."""
    def run(lib):
        lib.manual_seed(0)
        model = lib.nn.Sequential(lib.nn.Conv2d(1, 2, 3), lib.nn.BatchNorm2d(2),
                                  lib.nn.InstanceNorm2d(2, track_running_stats=True)).double()
        model[2].running_mean.fill_(5.0)
        batches = [lib.tensor(np.arange(2 * 36, dtype=np.float64).reshape(2, 1, 6, 6) / 10 + k) for k in range(2)]
        lib.optim.swa_utils.update_bn(batches, model)
        return model[2].running_mean.tolist(), int(model[1].num_batches_tracked)
    ours, theirs = run(cr), run(torch)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
    assert ours[0][0] > 4 and ours[1] == theirs[1] == 2

@pytest.mark.parametrize("strategy,anneal_epochs", [("cos", 3), ("linear", 4), ("cos", 0)])
def test_swalr_learning_rates_match_torch(strategy, anneal_epochs):
    def schedule(lib):
        w1, w2 = lib.zeros(2, requires_grad=True), lib.zeros(2, requires_grad=True)
        opt = lib.optim.SGD([{"params": [w1]}, {"params": [w2], "lr": 0.5}], lr=0.2)
        scheduler = lib.optim.swa_utils.SWALR(opt, swa_lr=[0.05, 0.01], anneal_epochs=anneal_epochs,
                                              anneal_strategy=strategy)
        lrs = [scheduler.get_last_lr()]
        for _ in range(7):
            opt.step()
            scheduler.step()
            lrs.append(scheduler.get_last_lr())
        return lrs, scheduler
    (ours, scheduler), (theirs, _) = schedule(cr), schedule(torch)
    np.testing.assert_allclose(ours, theirs, rtol=1e-15)
    state = scheduler.state_dict()
    assert "anneal_func" not in state and "optimizer" not in state
    scheduler.load_state_dict(state)
    assert scheduler.anneal_func == scheduler._cosine_anneal if strategy == "cos" else scheduler._linear_anneal


def test_bad_arguments_raise_like_torch():
    opt = cr.optim.SGD([cr.zeros(1, requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="anneal_strategy must be one of 'cos' or 'linear', instead got exp"):
        swa_utils.SWALR(opt, swa_lr=0.01, anneal_strategy="exp")
    with pytest.raises(ValueError, match="anneal_epochs must be equal or greater than 0, got -1"):
        swa_utils.SWALR(opt, swa_lr=0.01, anneal_epochs=-1)
    with pytest.raises(ValueError, match=r"Invalid decay value 1.5 provided. Please provide a value in \[0,1\] range."):
        swa_utils.get_ema_avg_fn(1.5)
    with pytest.raises(AssertionError, match="Only one of avg_fn and multi_avg_fn should be provided"):
        swa_utils.AveragedModel(cr.nn.Linear(2, 2), avg_fn=swa_utils.get_swa_avg_fn(),
                                multi_avg_fn=swa_utils.get_swa_multi_avg_fn())
