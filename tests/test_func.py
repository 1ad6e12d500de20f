"""chainrule.func (torch.func) against PyTorch's on the same functions and inputs: vmap (in_dims and
out_dims as ints, None and pytrees, nesting, randomness, its errors), grad/grad_and_value (argnums,
has_aux, pytrees, grad of grad, vmap of grad, gradients through closed-over parameters), vjp, jvp,
jacrev/jacfwd/hessian values, functional_call (per-sample gradients as in PyTorch's tutorial, a
MAML inner step, tied weights, strict, restoring the module's tensors) and stack_module_state
ensembles; and the cr.func / cr.vmap / cr.nn.utils.stateless names."""
import warnings

import numpy as np
import pytest

import chainrule as cr
from conftest import assert_close, assert_same_error, requires_torch, torch

pytestmark = requires_torch

RNG = np.random.default_rng(0)
X = RNG.standard_normal((4, 3)).astype(np.float32)
Y = RNG.standard_normal((4, 2)).astype(np.float32)
V = RNG.standard_normal(3).astype(np.float32)


def both(make, *arrays):
    """make(lib)(*arrays as lib tensors) for chainrule and PyTorch."""
    return (make(cr)(*[cr.tensor(a) for a in arrays]), make(torch)(*[torch.tensor(a) for a in arrays]))


def assert_trees_close(ours, theirs, atol=1e-5):
    """Same structure (tuples, lists, dicts) and leaf values."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, cr.Tensor), type(ours)
        assert_close(ours.detach(), theirs.detach().numpy(), rtol=1e-4, atol=atol)
    elif isinstance(theirs, dict):
        assert list(ours) == list(theirs)
        for key in theirs:
            assert_trees_close(ours[key], theirs[key], atol)
    else:
        assert type(ours) is type(theirs) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            assert_trees_close(a, b, atol)


def check(make, *arrays):
    assert_trees_close(*both(make, *arrays))


# vmap

VMAP_CASES = {
    "default": (lambda lib: lib.func.vmap(lambda x: x * x.sum()), [X]),
    "in_dim1": (lambda lib: lib.func.vmap(lambda x: x.sum(), in_dims=1), [X]),
    "in_dim-1": (lambda lib: lib.func.vmap(lambda x: x.sum(), in_dims=-1), [X]),
    "out_dim1": (lambda lib: lib.func.vmap(lambda x: x * 2, out_dims=1), [X]),
    "out_dim-1": (lambda lib: lib.func.vmap(lambda x: x * 2, out_dims=-1), [X]),
    "out_dims_tuple1": (lambda lib: lib.func.vmap(lambda x: x * 2, out_dims=(1,)), [X]),
    "none_in_dim": (lambda lib: lib.func.vmap(lambda x, v: x @ v, in_dims=(0, None)), [X, V]),
    "two_in_dims": (lambda lib: lib.func.vmap(lambda x, y: x * y.sum(), in_dims=(1, 1)), [X, X * 2]),
    "tuple_out": (lambda lib: lib.func.vmap(lambda x: (x.sum(), x * 3), out_dims=(0, 1)), [X]),
    "dict_out": (lambda lib: lib.func.vmap(lambda x: {"s": x.sum(), "p": [x.prod(), x]},
                                           out_dims={"s": 0, "p": [0, 1]}), [X]),
    "broadcast_out": (lambda lib: lib.func.vmap(lambda x: (x.sum(), x.mean()), out_dims=0), [X]),
    "unbatched_out": (lambda lib: lib.func.vmap(lambda x, v: (x * v, v), in_dims=(0, None), out_dims=(0, None)),
                      [X, V]),
    "nested": (lambda lib: lib.vmap(lib.vmap(lambda x: x * x.sum())), [X]),
    "nested_in_dims": (lambda lib: lib.vmap(lib.vmap(lambda x, v: x * v, in_dims=(0, None)), in_dims=(1, None)),
                       [X, V[:1]]),
    "pytree_in": (lambda lib: lambda x, v: lib.vmap(lambda d, t: d["a"][0] * d["b"] + t,
                                                    in_dims=({"a": (1,), "b": 0}, None))({"a": (x,), "b": x.t()}, v[0]),
                  [X, V]),
    "kwargs_unmapped": (lambda lib: lambda x, v: lib.vmap(lambda a, scale: a * scale)(x, scale=v), [X, V]),
}


@pytest.mark.parametrize("name", list(VMAP_CASES))
def test_vmap_matches_pytorch(name):
    make, arrays = VMAP_CASES[name]
    check(make, *arrays)


def test_vmap_gradient_flows_through_the_loop():
    x = cr.tensor(X, requires_grad=True)
    cr.vmap(lambda row: (row.sin() * row.sum()))(x).sum().backward()
    xt = torch.tensor(X, requires_grad=True)
    torch.vmap(lambda row: (row.sin() * row.sum()))(xt).sum().backward()
    assert_close(x.grad, xt.grad.numpy())


def test_vmap_randomness_same_and_different():
    draw = cr.vmap(lambda x: x + cr.rand(3), randomness="same")(cr.zeros(4, 3))
    assert all(cr.equal(draw[0], row) for row in draw)
    draw = cr.vmap(lambda x: x + cr.rand(3), randomness="different")(cr.zeros(4, 3))
    assert not cr.equal(draw[0], draw[1])


VMAP_ERRORS = {
    "mismatched sizes": lambda lib: lib.vmap(lambda a, b: a + b)(lib.ones(3, 2), lib.ones(4, 2)),
    "all None in_dims": lambda lib: lib.vmap(lambda a: a, in_dims=(None,))(lib.ones(3)),
    "None in_dims": lambda lib: lib.vmap(lambda a: a, in_dims=None)(lib.ones(3)),
    "no inputs": lambda lib: lib.vmap(lambda: lib.ones(2))(),
    "list in_dims": lambda lib: lib.vmap(lambda a: a, in_dims=[0])(lib.ones(3)),
    "in_dim out of range": lambda lib: lib.vmap(lambda a: a, in_dims=2)(lib.ones(3, 2)),
    "float in_dim": lambda lib: lib.vmap(lambda a: a, in_dims=(0.5,))(lib.ones(3)),
    "non-tensor mapped": lambda lib: lib.vmap(lambda a, b: a * b)(lib.ones(3), 2.0),
    "in_dims structure": lambda lib: lib.vmap(lambda a, b: a * b, in_dims=(0, 0, 0))(lib.ones(3), lib.ones(3)),
    "out_dims structure": lambda lib: lib.vmap(lambda a: (a, a), out_dims=(0, 0, 0))(lib.ones(3)),
    "out_dims type": lambda lib: lib.vmap(lambda a: a, out_dims="x")(lib.ones(3)),
    "non-tensor output": lambda lib: lib.vmap(lambda a: 1.0)(lib.ones(3)),
    "randomness": lambda lib: lib.vmap(lambda a: a, randomness="sometimes"),
    "chunk_size": lambda lib: lib.vmap(lambda a: a, chunk_size=0),
}


@pytest.mark.parametrize("name", list(VMAP_ERRORS))
def test_vmap_errors_match_pytorch(name):
    structure_text = name in ("in_dims structure", "out_dims structure")  # PyTorch prints its TreeSpec there
    assert_same_error(lambda: VMAP_ERRORS[name](cr), lambda: VMAP_ERRORS[name](torch),
                      prefix=110 if structure_text else None)


# grad, vjp, jvp, jacobians

def _scalar(lib):
    return lambda x, y: (x.sin() * y).sum() + (x ** 3).mean()


TRANSFORM_CASES = {
    "grad": (lambda lib: lib.func.grad(_scalar(lib)), [X, X * 0.5]),
    "grad argnums 1": (lambda lib: lib.func.grad(_scalar(lib), argnums=1), [X, X * 0.5]),
    "grad argnums -1": (lambda lib: lib.func.grad(_scalar(lib), argnums=-1), [X, X * 0.5]),
    "grad argnums tuple": (lambda lib: lib.func.grad(_scalar(lib), argnums=(0, 1)), [X, X * 0.5]),
    "grad has_aux": (lambda lib: lib.func.grad(lambda x: ((x ** 2).sum(), {"m": x.mean()}), has_aux=True), [X]),
    "grad pytree": (lambda lib: lambda x, y: lib.func.grad(lambda d: (d["w"] * d["b"][0]).sum())(
        {"w": x, "b": [y]}), [X, X * 0.5]),
    "grad independent": (lambda lib: lib.func.grad(lambda x, y: (y * 2).sum()), [X, X]),
    "grad_and_value": (lambda lib: lib.func.grad_and_value(_scalar(lib)), [X, X * 0.5]),
    "grad_and_value has_aux": (lambda lib: lib.func.grad_and_value(lambda x: (x.exp().sum(), x * 2), has_aux=True),
                               [X]),
    "grad of grad": (lambda lib: lib.func.grad(lambda x: lib.func.grad(lambda u: (u ** 3).sum())(x).sin().sum()),
                     [X]),
    "vmap of grad": (lambda lib: lib.vmap(lib.func.grad(lambda r: (r.sin() * r.cos()).sum())), [X]),
    "grad of vmap": (lambda lib: lib.func.grad(lambda x: lib.vmap(lambda r: r.norm())(x).sum()), [X]),
    "jacrev": (lambda lib: lib.func.jacrev(lambda v: v.sin() * v.sum()), [V]),
    "jacrev matrix": (lambda lib: lib.func.jacrev(lambda x: x @ x.t()), [X]),
    "jacrev argnums tuple": (lambda lib: lib.func.jacrev(lambda a, b: a * b.sum(), argnums=(0, 1)), [V, V * 2]),
    "jacrev tuple out": (lambda lib: lib.func.jacrev(lambda a: (a.sum(), a.exp())), [V]),
    "jacrev has_aux": (lambda lib: lib.func.jacrev(lambda a: (a ** 2, a.sum()), has_aux=True), [V]),
    "jacfwd": (lambda lib: lib.func.jacfwd(lambda v: v.tanh() * v.prod()), [V]),
    "jacfwd argnums tuple": (lambda lib: lib.func.jacfwd(lambda a, b: a @ b, argnums=(0, 1)), [X, V]),
    "hessian": (lambda lib: lib.func.hessian(lambda v: (v.sin() * v.sum()).sum()), [V]),
    "hessian argnums 1": (lambda lib: lib.func.hessian(lambda a, b: (a * b.exp()).sum(), argnums=1), [V, V]),
    "jacrev of jacrev": (lambda lib: lib.func.jacrev(lib.func.jacrev(lambda v: v.exp() * v[0])), [V]),
    "vmap of jacrev": (lambda lib: lib.vmap(lib.func.jacrev(lambda v: v.sin() * v.sum())), [X]),
    "jvp": (lambda lib: lambda x, t: lib.func.jvp(lambda a: a.sin() * a.sum(), (x,), (t,)), [V, V * 3]),
    "jvp two primals": (lambda lib: lambda x, t: lib.func.jvp(lambda a, b: a * b, (x, x), (t, t * 2)), [V, V * 3]),
}


@pytest.mark.parametrize("name", list(TRANSFORM_CASES))
def test_transform_matches_pytorch(name):
    make, arrays = TRANSFORM_CASES[name]
    check(make, *arrays)


def test_vjp_function_can_be_called_twice():
    def run(lib):
        out, vjp_fn, aux = lib.func.vjp(lambda a, b: ((a * b, a.sum()), b.mean()), lib.tensor(V), lib.tensor(V * 2),
                                        has_aux=True)
        return out, vjp_fn((lib.ones(3), lib.tensor(2.0))), vjp_fn((lib.tensor(V), lib.tensor(0.5))), aux
    assert_trees_close(run(cr), run(torch))


def test_top_level_results_are_detached_and_closures_stay_differentiable():
    assert not cr.func.grad(lambda x: (x ** 2).sum())(cr.tensor(V)).requires_grad
    gradient, aux = cr.func.grad(lambda x: ((x ** 2).sum(), x * 2), has_aux=True)(cr.tensor(V))
    assert not gradient.requires_grad and not aux.requires_grad
    w, wt = cr.tensor(V, requires_grad=True), torch.tensor(V, requires_grad=True)
    cr.func.grad(lambda x: (x * w).pow(2).sum())(cr.tensor(V)).sum().backward()  # a gradient penalty's shape
    torch.func.grad(lambda x: (x * wt).pow(2).sum())(torch.tensor(V)).sum().backward()
    assert_close(w.grad, wt.grad.numpy())
    with cr.no_grad():
        assert not cr.func.grad(lambda x: (x * w).sum())(cr.tensor(V)).requires_grad
    # the Jacobians' rows keep a graph only where something differentiates them: here w's
    w.grad = wt.grad = None
    cr.func.hessian(lambda x: (x * w).tanh().sum())(cr.tensor(V)).sum().backward()
    torch.func.hessian(lambda x: (x * wt).tanh().sum())(torch.tensor(V)).sum().backward()
    assert_close(w.grad, wt.grad.numpy())
    assert not cr.func.hessian(lambda x: x.tanh().sum())(cr.tensor(V)).requires_grad
    assert not cr.func.jacrev(lambda x: x.tanh())(cr.tensor(V)).requires_grad


TRANSFORM_ERRORS = {
    "non-scalar output": lambda lib: lib.func.grad(lambda x: x * 2)(lib.ones(3)),
    "non-tensor output": lambda lib: lib.func.grad(lambda x: 1.0)(lib.ones(3)),
    "has_aux without a pair": lambda lib: lib.func.grad(lambda x: x.sum(), has_aux=True)(lib.ones(3)),
    "argnums out of range": lambda lib: lib.func.grad(lambda x: x.sum(), argnums=2)(lib.ones(3)),
    "argnums repeated": lambda lib: lib.func.grad(lambda x, y: x.sum(), argnums=(0, 0))(lib.ones(3), lib.ones(3)),
    "argnums empty": lambda lib: lib.func.grad(lambda x: x.sum(), argnums=())(lib.ones(3)),
    "argnums list": lambda lib: lib.func.grad(lambda x: x.sum(), argnums=[0])(lib.ones(3)),
    "non-tensor primal": lambda lib: lib.func.grad(lambda x: x)(2.0),
    "jacrev chunk_size": lambda lib: lib.func.jacrev(lambda x: x, chunk_size=0),
    "jvp primals not a tuple": lambda lib: lib.func.jvp(lambda x: x, lib.ones(2), (lib.ones(2),)),
    "jvp structures differ": lambda lib: lib.func.jvp(lambda x: x, (lib.ones(2),), (lib.ones(2), lib.ones(2))),
}


@pytest.mark.parametrize("name", list(TRANSFORM_ERRORS))
def test_transform_errors_match_pytorch(name):
    structure_text = name == "jvp structures differ"  # PyTorch prints its TreeSpec there
    assert_same_error(lambda: TRANSFORM_ERRORS[name](cr), lambda: TRANSFORM_ERRORS[name](torch),
                      prefix=160 if structure_text else None)


# functional_call

def _twin_models(make):
    """The same model in chainrule and PyTorch (PyTorch's weights copied into chainrule's)."""
    theirs, ours = make(torch), make(cr)
    ours.load_state_dict({k: cr.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    return ours, theirs


def _mlp(lib):
    return lib.nn.Sequential(lib.nn.Linear(3, 5), lib.nn.Tanh(), lib.nn.Linear(5, 2))


def _tied(lib):
    model = lib.nn.Sequential(lib.nn.Linear(2, 2, bias=False), lib.nn.Linear(2, 2, bias=False))
    model[1].weight = model[0].weight
    return model


def test_per_sample_gradients_as_in_the_pytorch_tutorial():
    def per_sample_grads(lib, model, data, targets):
        params = {k: v.detach() for k, v in model.named_parameters()}
        buffers = {k: v.detach() for k, v in model.named_buffers()}

        def compute_loss(params, buffers, sample, target):
            predictions = lib.func.functional_call(model, (params, buffers), (sample.unsqueeze(0),))
            return lib.nn.functional.mse_loss(predictions, target.unsqueeze(0))
        return lib.func.vmap(lib.func.grad(compute_loss), in_dims=(None, None, 0, 0))(params, buffers, data, targets)

    ours, theirs = _twin_models(_mlp)
    grads = per_sample_grads(cr, ours, cr.tensor(X), cr.tensor(Y))
    assert_trees_close(grads, per_sample_grads(torch, theirs, torch.tensor(X), torch.tensor(Y)))
    model_grads = []  # the loop version: one backward per sample
    for i in range(len(X)):
        ours.zero_grad()
        cr.nn.functional.mse_loss(ours(cr.tensor(X[i:i + 1])), cr.tensor(Y[i:i + 1])).backward()
        model_grads.append(ours[0].weight.grad.clone())
    assert_close(grads["0.weight"], cr.stack(model_grads).numpy())


def test_maml_inner_step_gradients_reach_the_meta_parameters():
    def meta_gradient(lib, model):
        params = dict(model.named_parameters())
        loss_fn = lib.nn.functional.mse_loss
        inner_loss = loss_fn(lib.func.functional_call(model, params, lib.tensor(X[:2])), lib.tensor(Y[:2]))
        grads = lib.autograd.grad(inner_loss, list(params.values()), create_graph=True)
        adapted = {name: p - 0.1 * g for (name, p), g in zip(params.items(), grads)}
        outer_loss = loss_fn(lib.func.functional_call(model, adapted, (lib.tensor(X[2:]),)), lib.tensor(Y[2:]))
        outer_loss.backward()
        return {name: p.grad for name, p in model.named_parameters()}
    ours, theirs = _twin_models(_mlp)
    assert_trees_close(meta_gradient(cr, ours), meta_gradient(torch, theirs))


def test_functional_call_restores_the_module_even_when_forward_raises():
    model = cr.nn.Linear(3, 2)
    weight, bias = model.weight, model.bias
    with pytest.raises(ValueError, match="in_features=4"):  # the shape check in forward raises
        cr.func.functional_call(model, {"weight": cr.ones(4, 4)}, (cr.ones(1, 3),))
    assert model.weight is weight and model.bias is bias and isinstance(model.weight, cr.nn.Parameter)
    out = cr.func.functional_call(model, {"weight": cr.zeros(2, 3)}, cr.ones(1, 3))
    assert_close(out.detach(), bias.detach().numpy()[None])
    assert model.weight is weight


def test_functional_call_buffers_kwargs_and_tied_weights():
    def run(lib):
        bn = lib.nn.BatchNorm1d(3).eval()
        bn_out = lib.func.functional_call(bn, {"running_mean": lib.ones(3)}, args=(), kwargs={"input": lib.ones(2, 3)})
        weight = lib.eye(2) * 2
        return (bn_out, lib.func.functional_call(_tied(lib), {"0.weight": weight}, lib.ones(1, 2)))
    assert_trees_close(run(cr), run(torch))


FUNCTIONAL_CALL_ERRORS = {
    "strict": lambda lib: lib.func.functional_call(lib.nn.Linear(2, 2), {"weight": lib.ones(2, 2),
                                                                         "other": lib.ones(1)}, lib.ones(1, 2),
                                                   strict=True),
    "tied values differ": lambda lib: lib.func.functional_call(_tied(lib), {"0.weight": lib.ones(2, 2),
                                                                            "1.weight": lib.zeros(2, 2)}, lib.ones(2)),
    "repeated keys": lambda lib: lib.func.functional_call(lib.nn.Linear(2, 2), ({"bias": lib.ones(2)},
                                                                                {"bias": lib.ones(2)}), lib.ones(2)),
    "not dicts": lambda lib: lib.func.functional_call(lib.nn.Linear(2, 2), [1], lib.ones(2)),
    "not a dict": lambda lib: lib.func.functional_call(lib.nn.Linear(2, 2), 1, lib.ones(2)),
}


@pytest.mark.parametrize("name", list(FUNCTIONAL_CALL_ERRORS))
def test_functional_call_errors_match_pytorch(name):
    assert_same_error(lambda: FUNCTIONAL_CALL_ERRORS[name](cr), lambda: FUNCTIONAL_CALL_ERRORS[name](torch),
                      renamed=True)


def test_ensemble_with_stack_module_state_and_vmap():
    def ensemble(lib, models):
        params, buffers = lib.func.stack_module_state(models)

        def call(p, b, x):
            return lib.func.functional_call(models[0], (p, b), (x,))
        return params["0.weight"].requires_grad, lib.vmap(call, in_dims=(0, 0, None))(params, buffers, lib.tensor(X))
    pairs = [_twin_models(_mlp) for _ in range(3)]
    ours, theirs = ensemble(cr, [p[0] for p in pairs]), ensemble(torch, [p[1] for p in pairs])
    assert ours[0] == theirs[0]
    assert_trees_close(ours[1], theirs[1])


def test_deprecated_stateless_functional_call_warns_and_runs():
    model = cr.nn.Linear(2, 2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = cr.nn.utils.stateless.functional_call(model, {"bias": cr.zeros(2)}, cr.zeros(1, 2))
    assert caught[0].category is FutureWarning
    assert_close(out.detach(), np.zeros((1, 2), np.float32))
