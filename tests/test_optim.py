"""chainrule.optim against torch.optim: identical parameters and state after several steps with the
same gradients, for every optimizer over a grid of options; parameter groups, state dicts (our own
round trip and torch's), zero_grad, closures, version counters and bad input."""
import numpy as np
import pytest

import chainrule as cr
from chainrule import optim
from conftest import assert_close, requires_torch, torch

# (shape, dtype) of the parameters: one float64, one 0-d, one empty, one large enough to be split over
# threads, and one (index 3) whose gradient stays None, so it is skipped.
PARAM_SPECS = [((4, 3), np.float32), ((5,), np.float32), ((2, 3), np.float64), ((3,), np.float32),
               ((), np.float32), ((0, 3), np.float32), ((300, 250), np.float32)]
NO_GRAD_INDEX = 3
TOL = {np.float32: dict(rtol=2e-5, atol=1e-6), np.float64: dict(rtol=1e-12, atol=1e-13)}


def assert_round_off(actual, want):
    """Equal to round-off of want's dtype, measured against the tensor's scale: a value that
    cancelled down from larger terms (a momentum buffer) carries their absolute error."""
    tol = TOL[want.dtype.type]
    scale = max(1.0, float(np.max(np.abs(want)))) if want.size else 1.0
    assert_close(actual, want, rtol=tol["rtol"], atol=tol["atol"] * scale)

CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.5)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.05, momentum=0.9, weight_decay=0.1)),
    ("SGD", dict(lr=0.1, weight_decay=0.1, maximize=True)),
    ("SGD", dict(lr=0.1, momentum=0.5, nesterov=True, weight_decay=0.01, maximize=True)),
    ("Adam", dict()),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, maximize=True, amsgrad=True, weight_decay=0.05)),
    ("Adam", dict(lr=0.02, betas=(0.8, 0.9), eps=1e-6)),
    ("AdamW", dict()),
    ("AdamW", dict(lr=0.01, amsgrad=True, weight_decay=0.1)),
    ("AdamW", dict(lr=0.01, maximize=True)),
    ("RMSprop", dict()),
    ("RMSprop", dict(centered=True)),
    ("RMSprop", dict(lr=0.01, momentum=0.9)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5, weight_decay=0.1)),
    ("RMSprop", dict(alpha=0.9, maximize=True, eps=1e-6)),
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.1, lr_decay=0.1)),
    ("Adagrad", dict(weight_decay=0.1, initial_accumulator_value=0.5)),
    ("Adagrad", dict(maximize=True, eps=1e-6)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.1)),
    ("Adadelta", dict(maximize=True, eps=1e-4)),
    ("Adamax", dict()),
    ("Adamax", dict(lr=0.01, weight_decay=0.1)),
    ("Adamax", dict(maximize=True, betas=(0.8, 0.9), eps=1e-6)),
    ("NAdam", dict()),
    ("NAdam", dict(lr=0.01, weight_decay=0.1)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("NAdam", dict(momentum_decay=0.05, maximize=True, betas=(0.8, 0.95))),
    ("RAdam", dict()),  # steps 1-5 take the un-adapted branch, later ones the rectified one
    ("RAdam", dict(lr=0.01, weight_decay=0.1)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("RAdam", dict(betas=(0.5, 0.8), eps=1e-6)),
    ("ASGD", dict()),
    ("ASGD", dict(lr=0.05, lambd=0.01, alpha=0.5, t0=3, weight_decay=0.1)),  # averaging (mu < 1) from step 6
    ("ASGD", dict(t0=0, maximize=True)),
]
STEPS = 8  # enough for RAdam's rectified branch (rho_t > 5 from step 6 with the default betas)


def make_params(rng, specs=PARAM_SPECS):
    """The same initial values as (chainrule leaves, torch leaves)."""
    values = [rng.standard_normal(shape).astype(dtype) for shape, dtype in specs]
    return ([cr.tensor(v, requires_grad=True) for v in values],
            [torch.tensor(v, requires_grad=True) for v in values])


def set_grads(rng, cr_params, torch_params, skip=(NO_GRAD_INDEX,)):
    for i, (c, t) in enumerate(zip(cr_params, torch_params)):
        if i in skip:
            continue
        g = rng.standard_normal(tuple(t.shape)).astype(t.detach().numpy().dtype)
        c.grad = cr.tensor(g)
        t.grad = torch.tensor(g)


def assert_same(cr_params, torch_params, cr_opt, torch_opt):
    """Parameters, and each parameter's state (same keys, values within round-off) agree."""
    for i, (c, t) in enumerate(zip(cr_params, torch_params)):
        assert_round_off(c.detach(), t.detach().numpy())
        t_state, c_state = torch_opt.state.get(t, {}), cr_opt.state.get(c, {})
        assert sorted(c_state) == sorted(t_state), f"parameter {i}"
        for key, value in t_state.items():
            assert c_state[key].dtype == getattr(cr, str(value.dtype).replace("torch.", "")), key
            assert_round_off(c_state[key], value.detach().numpy())


def run_both(name, options, steps=STEPS, seed=0, specs=PARAM_SPECS):
    rng = np.random.default_rng(seed)
    cr_params, torch_params = make_params(rng, specs)
    cr_opt, torch_opt = getattr(optim, name)(cr_params, **options), getattr(torch.optim, name)(torch_params, **options)
    for _ in range(steps):
        set_grads(rng, cr_params, torch_params)
        cr_opt.step()
        torch_opt.step()
    return cr_params, torch_params, cr_opt, torch_opt


@requires_torch
@pytest.mark.parametrize("name,options", CASES, ids=[f"{n}-{o}" for n, o in CASES])
def test_matches_torch(name, options):
    cr_params, torch_params, cr_opt, torch_opt = run_both(name, options)
    assert_same(cr_params, torch_params, cr_opt, torch_opt)
    if name != "Adagrad":  # (Adagrad fills every parameter's state at construction, as torch)
        assert not cr_opt.state.get(cr_params[NO_GRAD_INDEX])


@requires_torch
@pytest.mark.parametrize("name,options", [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(amsgrad=True)),
                                          ("RMSprop", dict(centered=True, momentum=0.9)), ("Adagrad", dict()),
                                          ("Adadelta", dict()), ("Adamax", dict()), ("NAdam", dict()),
                                          ("RAdam", dict()), ("ASGD", dict(t0=0))])
def test_non_contiguous_parameter(name, options):
    base = np.random.default_rng(1).standard_normal((3, 5)).astype(np.float32)
    c = cr.tensor(base).t().detach()
    c.requires_grad_(True)
    t = torch.tensor(base).t().detach().requires_grad_(True)
    assert not c.is_contiguous()
    cr_opt, torch_opt = getattr(optim, name)([c], **options), getattr(torch.optim, name)([t], **options)
    rng = np.random.default_rng(2)
    for _ in range(3):
        set_grads(rng, [c], [t], skip=())
        cr_opt.step()
        torch_opt.step()
    assert_same([c], [t], cr_opt, torch_opt)


@requires_torch
def test_param_groups_with_their_own_options():
    rng = np.random.default_rng(3)
    cr_params, torch_params = make_params(rng)

    def groups(ps):
        return [{"params": ps[:2], "lr": 0.1, "momentum": 0.9, "nesterov": True},
                {"params": ps[2:4]}, {"params": ps[4:], "weight_decay": 0.1, "dampening": 0.3}]

    cr_opt = optim.SGD(groups(cr_params), lr=0.01, momentum=0.5)
    torch_opt = torch.optim.SGD(groups(torch_params), lr=0.01, momentum=0.5)
    for _ in range(4):
        set_grads(rng, cr_params, torch_params)
        cr_opt.step()
        torch_opt.step()
    assert_same(cr_params, torch_params, cr_opt, torch_opt)
    assert [g["lr"] for g in cr_opt.param_groups] == [0.1, 0.01, 0.01]

    cr_params, torch_params = make_params(rng)
    adam_groups = lambda ps: [{"params": ps[:3], "betas": (0.5, 0.6)}, {"params": ps[3:], "amsgrad": True}]
    cr_opt = optim.Adam(adam_groups(cr_params), lr=0.01)
    torch_opt = torch.optim.Adam(adam_groups(torch_params), lr=0.01)
    for _ in range(4):
        set_grads(rng, cr_params, torch_params)
        cr_opt.step()
        torch_opt.step()
    assert_same(cr_params, torch_params, cr_opt, torch_opt)


def copy_params(params):
    out = [p.detach().clone() for p in params]
    for p in out:
        p.requires_grad_(True)
    return out


@pytest.mark.parametrize("name,options", [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(amsgrad=True)),
                                          ("AdamW", dict()), ("RMSprop", dict(centered=True, momentum=0.5)),
                                          ("Adagrad", dict(lr_decay=0.01)), ("Adadelta", dict(weight_decay=0.1)),
                                          ("Adamax", dict()), ("NAdam", dict(decoupled_weight_decay=True)),
                                          ("RAdam", dict(weight_decay=0.1)), ("ASGD", dict(t0=2))])
def test_state_dict_round_trip(name, options):
    rng = np.random.default_rng(4)
    shapes = [(3, 2), (4,)]
    grads = [[cr.tensor(rng.standard_normal(s).astype(np.float32)) for s in shapes] for _ in range(6)]
    params = [cr.tensor(rng.standard_normal(s).astype(np.float32), requires_grad=True) for s in shapes]
    resumed = copy_params(params)

    def run(opt, ps, steps):
        for g in steps:
            for p, gi in zip(ps, g):
                p.grad = gi
            opt.step()

    uninterrupted = getattr(optim, name)(params, **options)
    run(uninterrupted, params, grads)

    first = getattr(optim, name)(resumed, **options)
    run(first, resumed, grads[:3])
    saved = first.state_dict()
    assert set(saved) == {"state", "param_groups"} and sorted(saved["state"]) == [0, 1]
    assert saved["param_groups"][0]["params"] == [0, 1]
    continued_params = copy_params(resumed)
    second = getattr(optim, name)(continued_params, **options)
    second.load_state_dict(saved)
    run(second, continued_params, grads[3:])
    for p, q in zip(params, continued_params):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
    assert float(second.state[continued_params[0]]["step" if name != "SGD" else "momentum_buffer"].sum()) == \
        float(uninterrupted.state[params[0]]["step" if name != "SGD" else "momentum_buffer"].sum())


@requires_torch
@pytest.mark.parametrize("name,options", [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(amsgrad=True)),
                                          ("RMSprop", dict(centered=True, momentum=0.5)), ("Adagrad", dict()),
                                          ("Adadelta", dict()), ("Adamax", dict()), ("NAdam", dict(weight_decay=0.1)),
                                          ("RAdam", dict()), ("ASGD", dict(t0=2))])
def test_loads_a_torch_state_dict(name, options):
    check_loads_a_torch_state_dict(name, options)


def check_loads_a_torch_state_dict(name, options):
    """torch's optimizer state after 3 steps loads into chainrule's (same keys, same param_groups),
    and 3 more steps from there match torch's (shared with test_optim_python)."""
    rng = np.random.default_rng(5)
    specs = PARAM_SPECS[:3]
    _, torch_params = make_params(rng, specs)
    torch_opt = getattr(torch.optim, name)(torch_params, **options)
    for _ in range(3):
        for t in torch_params:
            t.grad = torch.tensor(rng.standard_normal(tuple(t.shape)), dtype=t.dtype)
        torch_opt.step()
    torch_sd = torch_opt.state_dict()
    cr_params = [cr.tensor(t.detach().numpy(), requires_grad=True) for t in torch_params]
    cr_opt = getattr(optim, name)(cr_params, **options)
    cr_opt.load_state_dict(torch_sd)
    ours = cr_opt.state_dict()
    assert sorted(ours["state"]) == sorted(torch_sd["state"])
    for i in torch_sd["state"]:
        assert sorted(ours["state"][i]) == sorted(torch_sd["state"][i])
    assert ours["param_groups"] == torch_sd["param_groups"]  # foreach, fused, capturable, differentiable included
    torch_opt.load_state_dict(torch_sd)  # casts scalar state (NAdam's mu_product) to the parameter's dtype, as ours
    for _ in range(3):
        set_grads(rng, cr_params, torch_params, skip=())
        cr_opt.step()
        torch_opt.step()
    assert_same(cr_params, torch_params, cr_opt, torch_opt)


def test_zero_grad_and_closure():
    p = cr.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.5)
    p.grad = grad = cr.tensor([1.0, 1.0])
    opt.zero_grad(set_to_none=False)
    assert p.grad is grad  # zeroed in place, as torch
    assert_close(p.grad, np.zeros(2))
    opt.zero_grad()
    assert p.grad is None

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert float(loss) == 5.0
    assert_close(p.detach(), np.array([0.0, 0.0]))


def test_step_bumps_version_so_saved_tensors_are_checked():
    p = cr.tensor([1.0, 2.0], requires_grad=True)
    y = (p * p).sum()  # saves p for backward
    p.grad = cr.tensor([1.0, 1.0])
    optim.Adam([p]).step()
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.backward()


def test_repr_like_torch():
    p = cr.tensor([1.0], requires_grad=True)
    text = repr(optim.SGD([p], lr=0.1, momentum=0.9))
    assert text == ("SGD (\nParameter Group 0\n    dampening: 0\n    differentiable: False\n    foreach: None\n"
                    "    fused: None\n    lr: 0.1\n    maximize: False\n    momentum: 0.9\n    nesterov: False\n"
                    "    weight_decay: 0\n)")


@pytest.mark.parametrize("make,message", [
    (lambda p: optim.SGD(p, lr=-1), "Invalid learning rate: -1"),
    (lambda p: optim.SGD(p, momentum=-0.5), "Invalid momentum value: -0.5"),
    (lambda p: optim.SGD(p, weight_decay=-1), "Invalid weight_decay value: -1"),
    (lambda p: optim.SGD(p, momentum=0.9, dampening=0.1, nesterov=True), "Nesterov momentum requires"),
    (lambda p: optim.Adam(p, lr=-1), "Invalid learning rate: -1"),
    (lambda p: optim.Adam(p, eps=-1), "Invalid epsilon value: -1"),
    (lambda p: optim.Adam(p, betas=(1.0, 0.9)), "Invalid beta parameter at index 0: 1.0"),
    (lambda p: optim.AdamW(p, betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    (lambda p: optim.AdamW(p, weight_decay=-1), "Invalid weight_decay value: -1"),
    (lambda p: optim.RMSprop(p, alpha=-1), "Invalid alpha value: -1"),
    (lambda p: optim.RMSprop(p, momentum=-1), "Invalid momentum value: -1"),
    (lambda p: optim.Adagrad(p, lr_decay=-1), "Invalid lr_decay value: -1"),
    (lambda p: optim.Adagrad(p, initial_accumulator_value=-1), "Invalid initial_accumulator_value value: -1"),
    (lambda p: optim.Adadelta(p, lr=-1), "Invalid learning rate: -1"),
    (lambda p: optim.Adadelta(p, rho=1.5), "Invalid rho value: 1.5"),
    (lambda p: optim.Adadelta(p, eps=-1), "Invalid epsilon value: -1"),
    (lambda p: optim.Adadelta(p, weight_decay=-1), "Invalid weight_decay value: -1"),
    (lambda p: optim.Adamax(p, betas=(0.9, 1.0)), "Invalid beta parameter at index 1: 1.0"),
    (lambda p: optim.Adamax(p, eps=-1), "Invalid epsilon value: -1"),
    (lambda p: optim.NAdam(p, momentum_decay=-1), "Invalid momentum_decay value: -1"),
    (lambda p: optim.NAdam(p, betas=(-0.1, 0.9)), "Invalid beta parameter at index 0: -0.1"),
    (lambda p: optim.NAdam(p, weight_decay=-1), "Invalid weight_decay value: -1"),
    (lambda p: optim.RAdam(p, lr=-1), "Invalid learning rate: -1"),
    (lambda p: optim.RAdam(p, betas=(0.9, 1.0)), "Invalid beta parameter at index 1: 1.0"),
    (lambda p: optim.ASGD(p, lr=-1), "Invalid learning rate: -1"),
    (lambda p: optim.ASGD(p, weight_decay=-1), "Invalid weight_decay value: -1"),
    (lambda p: optim.LBFGS(p, lr=-1), "Invalid learning rate: -1"),
    (lambda p: optim.LBFGS([{"params": p}, {"params": [cr.zeros(1, requires_grad=True)]}]),
     "LBFGS doesn't support per-parameter options"),
    (lambda p: optim.SGD([], lr=0.1), "optimizer got an empty parameter list"),
])
def test_bad_hyperparameters(make, message):
    with pytest.raises(ValueError, match=message):
        make([cr.tensor([1.0], requires_grad=True)] if "empty" not in message else [])


def test_bad_parameters():
    p = cr.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)
    with pytest.raises(ValueError, match="duplicate parameters"):
        optim.SGD([p, p], lr=0.1)
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        optim.SGD([p * 2], lr=0.1)
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD({p}, lr=0.1)
    with pytest.raises(TypeError, match="optimizer can only optimize Tensors"):
        optim.SGD([1.0], lr=0.1)
    opt = optim.SGD([p], lr=0.1)
    with pytest.raises(ValueError, match="different number of parameter groups"):
        opt.load_state_dict({"state": {}, "param_groups": []})
    with pytest.raises(ValueError, match="doesn't match the size"):
        opt.load_state_dict({"state": {}, "param_groups": [{"params": [0, 1], "lr": 0.1}]})


def test_fused_step_validates_its_lists():
    p, q = cr.zeros(2, 3, requires_grad=True), cr.zeros(4, requires_grad=True)
    kw = dict(lr=0.1, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, maximize=False)
    with pytest.raises(ValueError, match="SGD: gradient 1 has shape \\(3,\\) but parameter 1 has shape \\(4,\\)"):
        cr._C._optim.sgd_step([p, q], [cr.zeros(2, 3), cr.zeros(3)], [], [], **kw)
    with pytest.raises(ValueError, match="SGD: got 1 gradient tensors for 2 parameters"):
        cr._C._optim.sgd_step([p, q], [cr.zeros(2, 3)], [], [], **kw)
    with pytest.raises(TypeError, match="SGD: gradient 0 has dtype float64 but parameter 0 has dtype float32"):
        cr._C._optim.sgd_step([p], [cr.zeros(2, 3, dtype=cr.float64)], [], [], **kw)
    with pytest.raises(TypeError, match="SGD: parameter 0 has dtype int64"):
        cr._C._optim.sgd_step([cr.zeros(2, dtype=cr.int64)], [cr.zeros(2, dtype=cr.int64)], [], [], **kw)
    with pytest.raises(RuntimeError, match="SGD: parameter 0 of shape \\(2, 3\\) has elements sharing memory"):
        cr._C._optim.sgd_step([cr.zeros(3).expand(2, 3)], [cr.zeros(2, 3)], [], [], **kw)
    adam = dict(lr=0.1, beta1=0.9, beta2=0.99, eps=1e-8, weight_decay=0.0, amsgrad=True, maximize=False,
                decoupled_weight_decay=False)
    with pytest.raises(ValueError, match="Adam: got 0 max_exp_avg_sq tensors for 1 parameters"):
        cr._C._optim.adam_step([q], [cr.zeros(4)], [cr.zeros(4)], [cr.zeros(4)], [], [cr.tensor(0.0)], **adam)
    adam["amsgrad"] = False
    with pytest.raises(TypeError, match="Adam: step 0 must be a one-element float tensor"):
        cr._C._optim.adam_step([q], [cr.zeros(4)], [cr.zeros(4)], [cr.zeros(4)], [], [cr.zeros(2)], **adam)
    assert_close(q.detach(), np.zeros(4))  # nothing was written


def test_fused_step_validates_scalar_state_before_writing():
    q = cr.zeros(4, requires_grad=True)
    step = cr.tensor(0.0)
    nadam = dict(lr=0.1, beta1=0.9, beta2=0.99, eps=1e-8, weight_decay=0.0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, maximize=False)
    with pytest.raises(ValueError, match="NAdam: got 0 mu_product tensors for 1 parameters"):
        cr._C._optim.nadam_step([q], [cr.ones(4)], [cr.zeros(4)], [cr.zeros(4)], [], [step], **nadam)
    asgd = dict(lr=0.1, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0.0, maximize=False)
    with pytest.raises(TypeError, match="ASGD: mu 0 must be a one-element float tensor"):
        cr._C._optim.asgd_step([q], [cr.ones(4)], [cr.zeros(4)], [cr.tensor(0.1)], [cr.ones(3)], [step], **asgd)
    assert float(step) == 0.0  # nothing was written
    assert_close(q.detach(), np.zeros(4))


@requires_torch
@pytest.mark.parametrize("name,options", [("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
                                          ("AdamW", dict(lr=0.05)), ("NAdam", dict(lr=0.05)),
                                          ("RAdam", dict(lr=0.05)), ("ASGD", dict(lr=0.05, t0=5))])
def test_training_loop_with_backward_matches_torch(name, options):
    rng = np.random.default_rng(6)
    x, y = rng.standard_normal((16, 3)).astype(np.float32), rng.standard_normal((16, 1)).astype(np.float32)
    w0, b0 = rng.standard_normal((3, 1)).astype(np.float32), np.zeros(1, np.float32)

    def train(lib, module):
        w, b = lib.tensor(w0, requires_grad=True), lib.tensor(b0, requires_grad=True)
        opt = getattr(module, name)([w, b], **options)
        xs, ys = lib.tensor(x), lib.tensor(y)
        for _ in range(20):
            opt.zero_grad()
            loss = ((xs @ w + b - ys) ** 2).mean()
            loss.backward()
            opt.step()
        return w.detach().numpy(), float(loss.detach())

    (w_cr, loss_cr), (w_torch, loss_torch) = train(cr, optim), train(torch, torch.optim)
    np.testing.assert_allclose(w_cr, w_torch, rtol=1e-4, atol=1e-5)
    assert loss_cr == pytest.approx(loss_torch, rel=1e-4)
