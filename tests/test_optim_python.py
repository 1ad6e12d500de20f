"""The optimizers written in Python over tensor ops (Rprop, Adafactor) against torch.optim: the same
parameters and state after several steps with the same gradients, state-dict round trips, loading
torch's state dict, and torch's bad-hyperparameter errors. Uses test_optim's helpers."""
import numpy as np
import pytest

import chainrule as cr
from chainrule import optim
from conftest import requires_torch, torch
import test_optim
from test_optim import PARAM_SPECS, NO_GRAD_INDEX, assert_same, check_loads_a_torch_state_dict

CASES = [
    ("Rprop", dict()),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2))),
    ("Rprop", dict(maximize=True, foreach=False, capturable=False)),
    ("Adafactor", dict()),
    ("Adafactor", dict(lr=0.1, beta2_decay=-0.5, eps=(1e-20, 1e-2), d=2.0, weight_decay=0.1)),
    ("Adafactor", dict(maximize=True, foreach=False)),
]
# Adafactor divides by sqrt(numel), so torch fails on an empty parameter; these specs have none.
# A 3-d parameter checks Adafactor's batched row/column factors.
SPECS = [spec for spec in PARAM_SPECS if 0 not in spec[0]] + [((2, 3, 4), np.float32), ((3, 2, 2), np.float64)]
STEPS = 8


def run_both(name, options, specs=SPECS, steps=STEPS, seed=0):
    return test_optim.run_both(name, options, steps, seed, specs)


@requires_torch
@pytest.mark.parametrize("name,options", CASES, ids=[f"{n}-{o}" for n, o in CASES])
def test_matches_torch(name, options):
    cr_params, torch_params, cr_opt, torch_opt = run_both(name, options)
    assert_same(cr_params, torch_params, cr_opt, torch_opt)
    assert not cr_opt.state.get(cr_params[NO_GRAD_INDEX])
    assert cr_opt.state_dict()["param_groups"] == torch_opt.state_dict()["param_groups"]


@requires_torch
def test_rprop_sign_flip_skips_and_shrinks():
    """A gradient that changes sign shrinks the step size and leaves the element where it is."""
    c = cr.tensor([1.0, 1.0], requires_grad=True)
    t = torch.tensor([1.0, 1.0], requires_grad=True)
    cr_opt, torch_opt = optim.Rprop([c], lr=0.1), torch.optim.Rprop([t], lr=0.1)
    for g in ([1.0, 1.0], [-1.0, 1.0], [-1.0, 1.0]):
        c.grad, t.grad = cr.tensor(g), torch.tensor(g)
        cr_opt.step()
        torch_opt.step()
        np.testing.assert_allclose(c.detach().numpy(), t.detach().numpy(), rtol=0, atol=1e-7)
    np.testing.assert_allclose(cr_opt.state[c]["step_size"].numpy(), [0.05, 0.1 * 1.2 ** 2], rtol=1e-6)


@pytest.mark.parametrize("name,options", CASES, ids=[f"{n}-{o}" for n, o in CASES])
def test_state_dict_round_trip(name, options):
    rng = np.random.default_rng(4)
    shapes = [(3, 2), (4,)]
    grads = [[cr.tensor(rng.standard_normal(s).astype(np.float32)) for s in shapes] for _ in range(6)]
    values = [rng.standard_normal(s).astype(np.float32) for s in shapes]

    def fresh():
        return [cr.tensor(v, requires_grad=True) for v in values]

    def run(opt, ps, steps):
        for g in steps:
            for p, gi in zip(ps, g):
                p.grad = gi
            opt.step()

    params = fresh()
    run(getattr(optim, name)(params, **options), params, grads)
    first_params = fresh()
    first = getattr(optim, name)(first_params, **options)
    run(first, first_params, grads[:3])
    saved = first.state_dict()
    resumed = [p.detach().clone().requires_grad_(True) for p in first_params]
    second = getattr(optim, name)(resumed, **options)
    second.load_state_dict(saved)
    assert float(second.state[resumed[0]]["step"]) == 3.0
    run(second, resumed, grads[3:])
    for p, q in zip(params, resumed):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())


@requires_torch
@pytest.mark.parametrize("name,options", CASES, ids=[f"{n}-{o}" for n, o in CASES])
def test_loads_a_torch_state_dict(name, options):
    check_loads_a_torch_state_dict(name, options)


@requires_torch
@pytest.mark.parametrize("name,options", [
    ("Rprop", dict(lr=-1.0)), ("Rprop", dict(etas=(1.5, 1.2))), ("Rprop", dict(etas=(0.5, 0.9))),
    ("Adafactor", dict(lr=-1.0)), ("Adafactor", dict(beta2_decay=0.5)), ("Adafactor", dict(eps=(-1.0, 1e-3))),
    ("Adafactor", dict(eps=(None, -1.0))), ("Adafactor", dict(d=0.5)), ("Adafactor", dict(weight_decay=-1.0))])
def test_bad_hyperparameters_like_torch(name, options):
    with pytest.raises(ValueError) as want:
        getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **options)
    with pytest.raises(ValueError, match=str(want.value).replace("(", r"\(").replace(")", r"\)")):
        getattr(optim, name)([cr.zeros(2, requires_grad=True)], **options)


def test_training_loop_with_backward():
    """step() runs under no_grad, so updating leaves that require grad works inside a training loop."""
    w = cr.tensor([[1.0, -2.0], [0.5, 3.0]], requires_grad=True)
    for opt in (optim.Rprop([w], lr=0.01), optim.Adafactor([w], lr=0.01)):
        for _ in range(3):
            opt.zero_grad()
            (w * w).sum().backward()
            opt.step()
        assert w.grad_fn is None and w.requires_grad
