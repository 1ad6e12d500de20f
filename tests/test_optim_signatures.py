"""chainrule.optim's constructors against torch.optim 2.13's: the same signatures (names, kinds,
defaults), the same parameter-group keys (foreach, fused, capturable, differentiable), the
implementation switches accepted without changing a step, differentiable=True refused, torch's errors
for the combinations it rejects, and named_parameters() input ('param_names') with torch's state-dict
layout, loaded both ways."""
import inspect

import numpy as np
import pytest

import chainrule as cr
from chainrule import optim
from conftest import assert_close, requires_torch, torch

NAMES = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam", "ASGD", "LBFGS", "Rprop",
         "Adafactor"]
STEPPED = [n for n in NAMES if n != "LBFGS"]  # LBFGS steps only with a closure; it has no switches either
# options that must leave the steps unchanged, for the optimizers whose signature has them
SWITCHES = [dict(fused=True), dict(fused=False), dict(foreach=False), dict(foreach=True), dict(capturable=True)]
OPTIONS = {"SGD": dict(lr=0.1, momentum=0.9), "RMSprop": dict(centered=True, momentum=0.5), "ASGD": dict(t0=2)}


def signature_of(cls):
    """(name, kind, default) of each constructor parameter; annotations aside."""
    return [(p.name, p.kind, p.default) for p in inspect.signature(cls).parameters.values()]


def parameter_names(name):
    return set(inspect.signature(getattr(optim, name)).parameters)


def params(seed=0):
    rng = np.random.default_rng(seed)
    return [cr.tensor(rng.standard_normal(s).astype(np.float32), requires_grad=True) for s in [(4, 3), (5,)]]


def run(name, ps, steps=4, **options):
    """`steps` steps with fixed pseudo-random gradients; returns the optimizer."""
    opt = getattr(optim, name)(ps, **OPTIONS.get(name, {}), **options)
    rng = np.random.default_rng(1)
    for _ in range(steps):
        for p in ps:
            p.grad = cr.tensor(rng.standard_normal(tuple(p.shape)).astype(np.float32))
        opt.step()
    return opt


@requires_torch
@pytest.mark.parametrize("name", NAMES)
def test_signature_matches_torch(name):
    assert signature_of(getattr(optim, name)) == signature_of(getattr(torch.optim, name))


@requires_torch
@pytest.mark.parametrize("name", NAMES)
def test_param_group_keys_match_torch(name):
    ours = getattr(optim, name)(params())
    theirs = getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)])
    assert set(ours.param_groups[0]) == set(theirs.param_groups[0])
    assert set(ours.state_dict()["param_groups"][0]) == set(theirs.state_dict()["param_groups"][0])
    for key in ("foreach", "fused", "capturable", "differentiable"):
        if key in theirs.defaults:
            assert ours.param_groups[0][key] == theirs.param_groups[0][key], key


@pytest.mark.parametrize("name,switch", [(n, s) for n in STEPPED for s in SWITCHES if set(s) <= parameter_names(n)],
                         ids=lambda x: x if isinstance(x, str) else "{}={}".format(*next(iter(x.items()))))
def test_implementation_switches_leave_the_steps_unchanged(name, switch):
    default_params, switched_params = params(), params()
    default, switched = run(name, default_params), run(name, switched_params, **switch)
    for key, value in switch.items():
        assert switched.param_groups[0][key] == value
    for p, q in zip(default_params, switched_params):
        np.testing.assert_array_equal(q.detach().numpy(), p.detach().numpy())
        assert sorted(switched.state[q]) == sorted(default.state[p])
        for key, value in default.state[p].items():
            np.testing.assert_array_equal(switched.state[q][key].numpy(), value.numpy())


@requires_torch
@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "Adagrad"])
def test_fused_true_matches_torchs_fused_cpu_step(name):
    ours = params()
    theirs = [torch.tensor(p.detach().numpy(), requires_grad=True) for p in ours]
    cr_opt = run(name, ours, fused=True)
    torch_opt = getattr(torch.optim, name)(theirs, **OPTIONS.get(name, {}), fused=True)
    rng = np.random.default_rng(1)
    for _ in range(4):
        for t in theirs:
            t.grad = torch.tensor(rng.standard_normal(tuple(t.shape)).astype(np.float32))
        torch_opt.step()
    for c, t in zip(ours, theirs):
        assert_close(c.detach(), t.detach().numpy(), rtol=2e-5, atol=1e-6)
        for key, value in torch_opt.state[t].items():
            assert_close(cr_opt.state[c][key], value.numpy(), rtol=2e-5, atol=1e-6)


@pytest.mark.parametrize("name", [n for n in STEPPED if "differentiable" in parameter_names(n)])
def test_differentiable_true_is_refused(name):
    with pytest.raises(NotImplementedError, match=f"{name}: differentiable=True is not supported.*fused C"):
        getattr(optim, name)(params(), differentiable=True)
    with pytest.raises(NotImplementedError, match="differentiable=True"):  # also in a group of its own
        getattr(optim, name)([{"params": params()[:1]}, {"params": params()[1:], "differentiable": True}])


@requires_torch
@pytest.mark.parametrize("options,message", [(dict(fused=True, foreach=True), "`fused` and `foreach` cannot be"),
                                             (dict(fused=True, differentiable=True), "`fused` does not support")])
@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "Adagrad"])
def test_combinations_torch_rejects_raise_torchs_error(name, options, message):
    with pytest.raises(RuntimeError, match=message):
        getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **options)
    with pytest.raises(RuntimeError, match=message):
        getattr(optim, name)(params(), **options)


def test_loading_a_differentiable_group_is_refused():
    opt = optim.Adam(params())
    saved = opt.state_dict()
    saved["param_groups"][0]["differentiable"] = True
    with pytest.raises(NotImplementedError, match="Adam: differentiable=True"):
        opt.load_state_dict(saved)
    assert opt.param_groups[0]["differentiable"] is False


def named(lib, seed=0):
    """A two-layer model of `lib` (chainrule or torch) with the same weights for either."""
    model = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.Tanh(), lib.nn.Linear(4, 2))
    rng = np.random.default_rng(seed)
    with lib.no_grad():
        for p in model.parameters():
            p.copy_(lib.tensor(rng.standard_normal(tuple(p.shape)).astype(np.float32)))
    return model


def train(lib, model, opt, steps=3):
    x = lib.tensor(np.linspace(-1, 1, 15, dtype=np.float32).reshape(5, 3))
    for _ in range(steps):
        opt.zero_grad()
        model(x).square().sum().backward()
        opt.step()


def assert_same_state_dict(ours, theirs):
    """torch's layout: the same groups (options, params indices, param_names) and state keys, and the
    same values to 1e-3: the gradients come from each library's own backward, whose round-off
    RMSprop(centered) amplifies (step-exact parity with equal gradients is tests/test_optim.py's)."""
    assert len(ours["param_groups"]) == len(theirs["param_groups"])
    for group, want in zip(ours["param_groups"], theirs["param_groups"]):
        assert list(group) == list(want)
        assert group == want
    assert sorted(ours["state"]) == sorted(theirs["state"])
    for index, state in theirs["state"].items():
        assert sorted(ours["state"][index]) == sorted(state)
        for key, value in state.items():
            assert_close(ours["state"][index][key], value.numpy(), rtol=1e-3, atol=1e-5)


@requires_torch
@pytest.mark.parametrize("name", STEPPED)
def test_named_parameters_give_torchs_state_dict(name):
    cm, tm = named(cr), named(torch)
    copt = getattr(optim, name)(cm.named_parameters(), **OPTIONS.get(name, {}))
    topt = getattr(torch.optim, name)(tm.named_parameters(), **OPTIONS.get(name, {}))
    assert copt.param_groups[0]["param_names"] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    train(cr, cm, copt)
    train(torch, tm, topt)
    assert_same_state_dict(copt.state_dict(), topt.state_dict())
    assert repr(copt) == repr(topt)


@requires_torch
def test_named_parameter_groups_and_their_errors():
    cm, tm = named(cr), named(torch)

    def groups(model):
        pairs = list(model.named_parameters())
        return [{"params": pairs[:2]}, {"params": pairs[2:], "lr": 0.01}]

    copt, topt = optim.AdamW(groups(cm), lr=0.1), torch.optim.AdamW(groups(tm), lr=0.1)
    assert [g["param_names"] for g in copt.param_groups] == [["0.weight", "0.bias"], ["2.weight", "2.bias"]]
    train(cr, cm, copt)
    train(torch, tm, topt)
    assert_same_state_dict(copt.state_dict(), topt.state_dict())
    for lib, model in ((torch, tm), (cr, cm)):  # the same errors, raised by torch first
        pairs = list(model.named_parameters())
        with pytest.raises(ValueError, match="all optimizer params should be with/without names"):
            lib.optim.SGD([pairs[0], pairs[1][1]])
        with pytest.raises(ValueError, match="cannot add param group without names to the optimizer"):
            lib.optim.SGD([{"params": pairs[:1]}, {"params": [pairs[1][1]]}])
        opt = lib.optim.SGD(model.parameters())
        with pytest.raises(ValueError, match="cannot add param group with names to the optimizer"):
            opt.add_param_group({"params": [("extra", lib.zeros(2, requires_grad=True))]})


@requires_torch
@pytest.mark.parametrize("name", ["SGD", "Adam", "Adagrad", "RMSprop", "NAdam", "ASGD"])
def test_named_state_dicts_load_both_ways(name, tmp_path):
    """torch's state dict (param_names, foreach, ...) into chainrule, and chainrule's (through
    chainrule.save and torch.load) into torch; both go on with the same steps."""
    options = OPTIONS.get(name, {})
    tm, cm = named(torch), named(cr)
    topt = getattr(torch.optim, name)(tm.named_parameters(), **options)
    train(torch, tm, topt)
    cm.load_state_dict({k: cr.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    copt = getattr(optim, name)(cm.parameters(), **options)  # unnamed: the loaded names are taken
    copt.load_state_dict(topt.state_dict())
    assert_same_state_dict(copt.state_dict(), topt.state_dict())

    train(cr, cm, copt)
    cr.save(copt.state_dict(), tmp_path / "optimizer.pt")
    tm2 = named(torch)
    tm2.load_state_dict({k: torch.tensor(v.detach().numpy()) for k, v in cm.state_dict().items()})
    topt2 = getattr(torch.optim, name)(tm2.named_parameters(), **options)
    topt2.load_state_dict(torch.load(tmp_path / "optimizer.pt"))
    assert_same_state_dict(copt.state_dict(), topt2.state_dict())
    train(cr, cm, copt)
    train(torch, tm2, topt2)
    assert_same_state_dict(copt.state_dict(), topt2.state_dict())
    for c, t in zip(cm.parameters(), tm2.parameters()):
        assert_close(c.detach(), t.detach().numpy(), rtol=1e-3, atol=1e-5)


@requires_torch
def test_loaded_state_dict_without_names_keeps_ours():
    cm, tm = named(cr), named(torch)
    copt, topt = optim.SGD(cm.named_parameters(), lr=0.1), torch.optim.SGD(tm.named_parameters(), lr=0.1)
    unnamed = optim.SGD(named(cr).parameters(), lr=0.5).state_dict()
    copt.load_state_dict(unnamed)
    topt.load_state_dict(torch.optim.SGD(named(torch).parameters(), lr=0.5).state_dict())
    assert copt.param_groups[0]["param_names"] == topt.param_groups[0]["param_names"]
    assert copt.param_groups[0]["lr"] == topt.param_groups[0]["lr"] == 0.5
