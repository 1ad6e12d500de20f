"""chainrule.optim.lr_scheduler against torch.optim.lr_scheduler: the same lr (and OneCycleLR
momentum/beta1) sequence over many steps for every scheduler and option set, and state-dict round
trips that resume the same sequence."""
import warnings

import numpy as np
import pytest

import chainrule as cr
from chainrule import optim
from chainrule.optim import lr_scheduler
from conftest import requires_torch, torch

STEPS = 60


def two_groups(lib, name="SGD"):
    """An optimizer over two parameter groups with different lrs (the parameters never get grads)."""
    t = lib.tensor([1.0], requires_grad=True), lib.tensor([2.0], requires_grad=True)
    opt_class = getattr((optim if lib is cr else torch.optim), name)
    extra = dict(momentum=0.9) if name == "SGD" else {}
    return opt_class([{"params": [t[0]]}, {"params": [t[1]], "lr": 0.05}], lr=0.1, **extra)


# name -> builds the scheduler from (optimizer, scheduler module); several option sets per scheduler.
SCHEDULERS = {
    "StepLR": lambda o, m: m.StepLR(o, step_size=7, gamma=0.5),
    "StepLR-default-gamma": lambda o, m: m.StepLR(o, 3),
    "MultiStepLR": lambda o, m: m.MultiStepLR(o, milestones=[5, 12, 12, 40], gamma=0.3),
    "ExponentialLR": lambda o, m: m.ExponentialLR(o, gamma=0.95),
    "CosineAnnealingLR": lambda o, m: m.CosineAnnealingLR(o, T_max=20),
    "CosineAnnealingLR-eta_min": lambda o, m: m.CosineAnnealingLR(o, T_max=13, eta_min=0.001),
    "LambdaLR": lambda o, m: m.LambdaLR(o, lambda e: 0.97 ** e),
    "LambdaLR-per-group": lambda o, m: m.LambdaLR(o, [lambda e: 1 / (e + 1), lambda e: 0.5 + e % 3]),
    "MultiplicativeLR": lambda o, m: m.MultiplicativeLR(o, lambda e: 0.9 if e % 2 else 1.01),
    "LinearLR": lambda o, m: m.LinearLR(o),
    "LinearLR-decay": lambda o, m: m.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=25),
    "ConstantLR": lambda o, m: m.ConstantLR(o),
    "ConstantLR-long": lambda o, m: m.ConstantLR(o, factor=0.5, total_iters=20),
    "PolynomialLR": lambda o, m: m.PolynomialLR(o, total_iters=30, power=2.0),
    "CosineAnnealingWarmRestarts": lambda o, m: m.CosineAnnealingWarmRestarts(o, T_0=7),
    "CosineAnnealingWarmRestarts-mult": lambda o, m: m.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.01),
    "SequentialLR": lambda o, m: m.SequentialLR(o, [m.LinearLR(o, start_factor=0.1, total_iters=5),
                                                    m.CosineAnnealingLR(o, T_max=30)], milestones=[5]),
    "SequentialLR-three": lambda o, m: m.SequentialLR(o, [m.ConstantLR(o, factor=0.5, total_iters=4),
                                                          m.ExponentialLR(o, gamma=0.9),
                                                          m.StepLR(o, step_size=5)], milestones=[6, 20]),
    "ChainedScheduler": lambda o, m: m.ChainedScheduler([m.ConstantLR(o, factor=0.2, total_iters=6),
                                                         m.ExponentialLR(o, gamma=0.95)]),
    "CyclicLR": lambda o, m: m.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=7),
    "CyclicLR-triangular2": lambda o, m: m.CyclicLR(o, base_lr=[0.01, 0.02], max_lr=0.2, step_size_up=4,
                                                    step_size_down=9, mode="triangular2", base_momentum=0.7),
    "CyclicLR-exp_range": lambda o, m: m.CyclicLR(o, base_lr=0.001, max_lr=0.1, step_size_up=5, mode="exp_range",
                                                  gamma=0.97, cycle_momentum=False),
    "CyclicLR-scale_fn": lambda o, m: m.CyclicLR(o, base_lr=0.001, max_lr=0.1, step_size_up=6,
                                                 scale_fn=lambda x: 0.5 ** x, scale_mode="iterations"),
    "OneCycleLR": lambda o, m: m.OneCycleLR(o, max_lr=1.0, total_steps=STEPS),
    "OneCycleLR-linear": lambda o, m: m.OneCycleLR(o, max_lr=[0.5, 2.0], total_steps=STEPS, anneal_strategy="linear",
                                                   pct_start=0.4, div_factor=10.0),
    "OneCycleLR-three-phase": lambda o, m: m.OneCycleLR(o, max_lr=0.3, epochs=6, steps_per_epoch=10,
                                                        three_phase=True, final_div_factor=100.0),
    "SequentialLR-warm-restarts": lambda o, m: m.SequentialLR(o, [m.LinearLR(o, start_factor=0.2, total_iters=4),
                                                                  m.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2)],
                                                              milestones=[4]),
    "OneCycleLR-no-momentum": lambda o, m: m.OneCycleLR(o, max_lr=0.3, total_steps=STEPS, cycle_momentum=False),
}


def lr_sequence(lib, build, optimizer_name="SGD", steps=STEPS):
    opt = two_groups(lib, optimizer_name)
    sched = build(opt, lr_scheduler if lib is cr else torch.optim.lr_scheduler)
    momentum_key = "betas" if optimizer_name == "Adam" else "momentum"
    seq = [(sched.get_last_lr(), [g[momentum_key] for g in opt.param_groups])]
    for _ in range(steps - 1):
        opt.step()
        sched.step()
        seq.append((sched.get_last_lr(), [g[momentum_key] for g in opt.param_groups]))
    return seq


@requires_torch
@pytest.mark.parametrize("name", sorted(SCHEDULERS))
def test_matches_torch(name):
    assert lr_sequence(cr, SCHEDULERS[name]) == lr_sequence(torch, SCHEDULERS[name])


@requires_torch
@pytest.mark.parametrize("name", ["OneCycleLR", "CyclicLR"])
def test_cycles_adam_beta1(name):
    build = SCHEDULERS[name]
    ours = lr_sequence(cr, build, "Adam")
    assert ours == lr_sequence(torch, build, "Adam")
    low, high = (0.85, 0.95) if name == "OneCycleLR" else (0.8, 0.9)
    assert min(m[0][0] for _, m in ours) == pytest.approx(low) and ours[0][1][0] == (high, 0.999)


def plateau_metrics(n=80):
    rng = np.random.default_rng(0)
    return list(np.maximum(1.0 / np.arange(1, n + 1), 0.05) + 0.01 * rng.standard_normal(n))


@requires_torch
@pytest.mark.parametrize("options", [dict(), dict(patience=2), dict(mode="max", factor=0.5, patience=1),
                                     dict(patience=1, threshold=0.05, threshold_mode="abs", cooldown=3),
                                     dict(mode="max", threshold_mode="abs", patience=0, min_lr=[0.01, 0.02]),
                                     dict(patience=0, factor=0.5, min_lr=0.02, eps=1e-3)])
def test_reduce_lr_on_plateau_matches_torch(options):
    metrics = plateau_metrics()

    def run(lib, module):
        opt = two_groups(lib)
        sched = module.ReduceLROnPlateau(opt, **options)
        seq = []
        for metric in metrics:
            opt.step()
            sched.step(metric)
            seq.append((sched.get_last_lr(), sched.num_bad_epochs, sched.cooldown_counter, sched.best))
        return seq

    assert run(cr, lr_scheduler) == run(torch, torch.optim.lr_scheduler)


@requires_torch
@pytest.mark.parametrize("epoch", [17, 4, 30.5])
def test_step_to_an_epoch_matches_torch(epoch):
    for name in ["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR", "ConstantLR",
                 "CosineAnnealingWarmRestarts", "CosineAnnealingWarmRestarts-mult"]:
        results = []
        for lib, module in [(cr, lr_scheduler), (torch, torch.optim.lr_scheduler)]:
            opt = two_groups(lib)
            sched = SCHEDULERS[name](opt, module)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # torch's deprecation of step(epoch); ours is checked below
                sched.step(epoch)
            results.append(sched.get_last_lr())
        assert results[0] == results[1], name
    with pytest.warns(UserWarning, match="epoch parameter"):
        lr_scheduler.StepLR(two_groups(cr), 3).step(epoch)


@pytest.mark.parametrize("name", ["StepLR", "MultiStepLR", "CosineAnnealingLR", "LambdaLR", "MultiplicativeLR",
                                  "LinearLR", "SequentialLR", "CosineAnnealingWarmRestarts-mult", "ChainedScheduler",
                                  "OneCycleLR-three-phase", "CyclicLR-triangular2"])
def test_state_dict_round_trip(name):
    uninterrupted = [lrs for lrs, _ in lr_sequence(cr, SCHEDULERS[name], steps=40)]
    opt = two_groups(cr)
    sched = SCHEDULERS[name](opt, lr_scheduler)
    for _ in range(15):
        opt.step()
        sched.step()
    saved_opt, saved_sched = opt.state_dict(), sched.state_dict()
    assert "optimizer" not in saved_sched
    fresh_opt = two_groups(cr)
    fresh = SCHEDULERS[name](fresh_opt, lr_scheduler)
    fresh_opt.load_state_dict(saved_opt)
    fresh.load_state_dict(saved_sched)
    resumed = [fresh.get_last_lr()]
    for _ in range(24):
        fresh_opt.step()
        fresh.step()
        resumed.append(fresh.get_last_lr())
    assert resumed == uninterrupted[15:]


def test_reduce_lr_on_plateau_state_dict_round_trip():
    metrics = plateau_metrics()
    opt = two_groups(cr)
    sched = lr_scheduler.ReduceLROnPlateau(opt, patience=1, cooldown=2)
    for m in metrics[:30]:
        sched.step(m)
    fresh_opt = two_groups(cr)
    fresh = lr_scheduler.ReduceLROnPlateau(fresh_opt)
    fresh_opt.load_state_dict(opt.state_dict())
    fresh.load_state_dict(sched.state_dict())
    for m in metrics[30:]:
        sched.step(m)
        fresh.step(m)
        assert fresh.get_last_lr() == sched.get_last_lr()


def test_base_lrs_and_initial_lr():
    opt = two_groups(cr)
    sched = lr_scheduler.StepLR(opt, step_size=2)
    assert sched.base_lrs == [0.1, 0.05] and sched.last_epoch == 0
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.05]
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.StepLR(two_groups(cr), step_size=2, last_epoch=3)


def test_bad_arguments():
    opt = two_groups(cr)
    with pytest.raises(TypeError, match="is not an Optimizer"):
        lr_scheduler.StepLR(object(), 3)
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        lr_scheduler.ReduceLROnPlateau(opt, factor=1.5)
    with pytest.raises(ValueError, match="mode foo is unknown"):
        lr_scheduler.ReduceLROnPlateau(opt, mode="foo")
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        lr_scheduler.LambdaLR(opt, [lambda e: 1.0])
    with pytest.raises(ValueError, match="You must define either total_steps"):
        lr_scheduler.OneCycleLR(opt, max_lr=1.0)
    with pytest.raises(ValueError, match="Tried to step 3 times"):
        sched = lr_scheduler.OneCycleLR(two_groups(cr), max_lr=1.0, total_steps=2)
        for _ in range(3):
            sched.step()
    with pytest.raises(ValueError, match="number of milestone points"):
        lr_scheduler.SequentialLR(opt, [lr_scheduler.ExponentialLR(opt, 0.9)], milestones=[3])
    with pytest.raises(ValueError, match="Constant multiplicative factor"):
        lr_scheduler.ConstantLR(opt, factor=2.0)


@requires_torch
def test_a_custom_scheduler_subclassing_the_old_lrscheduler_name_matches_torch():
    """Schedulers written before PyTorch 2.0 subclass lr_scheduler._LRScheduler and override get_lr."""
    def lrs(lib):
        class WarmupInverseSqrt(lib.optim.lr_scheduler._LRScheduler):
            def __init__(self, optimizer, warmup, last_epoch=-1):
                self.warmup = warmup
                super().__init__(optimizer, last_epoch)

            def get_lr(self):
                step = max(self.last_epoch, 1)
                scale = min(step / self.warmup, (self.warmup / step) ** 0.5)
                return [base_lr * scale for base_lr in self.base_lrs]

        w = lib.zeros(1, requires_grad=True)
        opt = lib.optim.SGD([w], lr=0.5)
        scheduler = WarmupInverseSqrt(opt, warmup=4)
        assert isinstance(scheduler, lib.optim.lr_scheduler.LRScheduler)
        out = []
        for _ in range(10):
            opt.step()
            scheduler.step()
            out.append(scheduler.get_last_lr()[0])
        return out
    np.testing.assert_allclose(lrs(cr), lrs(torch), rtol=1e-12)


@requires_torch
def test_schedulers_live_in_the_lr_scheduler_module_as_pytorchs():
    """d2l's scheduler chapter tells torch's schedulers from its own by `__module__`; pickles name it too."""
    import pickle
    for name in lr_scheduler.__all__:
        cls = getattr(lr_scheduler, name)
        assert cls.__module__ == lr_scheduler.__name__ == getattr(torch.optim.lr_scheduler, name).__module__.replace(
            "torch", "chainrule")
    assert pickle.loads(pickle.dumps(lr_scheduler.MultiStepLR)) is lr_scheduler.MultiStepLR
