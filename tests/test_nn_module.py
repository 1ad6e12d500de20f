"""chainrule.nn.Parameter and Module: registration, traversal, state_dict, hooks, modes, repr, copies.

Models are built by one function from either `nn` package (ours or torch's), so names, keys and
reprs are compared with PyTorch's directly.
"""
import copy
import pickle
from collections import OrderedDict

import numpy as np
import pytest

import chainrule as cr
import chainrule.nn as nn
from conftest import requires_torch, torch


def build_net(nn_pkg):
    """A small model using most containers, with a shared sub-module."""
    class Net(nn_pkg.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn_pkg.Linear(4, 3)
            self.blocks = nn_pkg.Sequential(nn_pkg.Linear(3, 3), nn_pkg.Tanh(), nn_pkg.Linear(3, 3, bias=False))
            self.heads = nn_pkg.ModuleList([nn_pkg.Linear(3, 2) for _ in range(2)])
            self.extra = nn_pkg.ModuleDict({"a": nn_pkg.ReLU(), "b": nn_pkg.Identity()})
            self.scale = nn_pkg.Parameter(nn_pkg.Linear(1, 1).weight.detach().clone())
            self.register_buffer("steps", (self.fc.weight.detach() * 0).sum())
            self.register_buffer("scratch", self.fc.weight.detach().clone(), persistent=False)
            self.shared = self.fc

        def forward(self, x):
            h = self.blocks(self.fc(x))
            return self.heads[0](h) + self.heads[1](h)

    return Net()


def to_chainrule(state):
    return OrderedDict((k, cr.tensor(v.detach().numpy())) for k, v in state.items())


# ---- Parameter ------------------------------------------------------------------------------------

def test_parameter_shares_storage_and_is_a_tensor():
    t = cr.randn(2, 3)
    p = nn.Parameter(t)
    assert isinstance(p, cr.Tensor) and isinstance(p, nn.Parameter)
    assert p.requires_grad and p.is_leaf and p.grad_fn is None
    assert p._storage_id() == t._storage_id()
    assert not nn.Parameter(t, requires_grad=False).requires_grad
    assert tuple(nn.Parameter().shape) == (0,)


def test_parameter_ops_return_plain_tensors_and_grads_accumulate():
    p = nn.Parameter(cr.ones(2, 2))
    y = p * 2
    assert type(y) is cr.Tensor and y.grad_fn is not None
    y.sum().backward()
    (p * 3).sum().backward()
    np.testing.assert_allclose(p.grad.numpy(), np.full((2, 2), 5.0))
    assert type(p.detach()) is cr.Tensor and type(p.data) is cr.Tensor
    assert p.requires_grad_(False) is p


def test_parameter_hooks_see_the_gradient():
    p = nn.Parameter(cr.ones(3))
    seen = []
    p.register_hook(lambda g: seen.append(g.numpy().copy()))
    (p * 4).sum().backward()
    np.testing.assert_allclose(seen[0], [4, 4, 4])


@requires_torch
def test_parameter_repr_matches_torch():
    values = np.arange(6, dtype=np.float32).reshape(2, 3)
    assert repr(nn.Parameter(cr.tensor(values))) == repr(torch.nn.Parameter(torch.tensor(values)))
    assert repr(nn.Parameter()) == repr(torch.nn.Parameter())


def test_parameter_data_setter_keeps_identity_and_grad_state():
    p = nn.Parameter(cr.zeros(2))
    pid = id(p)
    p.data = cr.ones(3, 2)
    assert id(p) == pid and tuple(p.shape) == (3, 2) and p.requires_grad and isinstance(p, nn.Parameter)
    (p * 2).sum().backward()
    np.testing.assert_allclose(p.grad.numpy(), np.full((3, 2), 2.0))


def test_weight_tying_through_data_shares_storage():
    a, b = nn.Linear(3, 3), nn.Linear(3, 3)
    b.weight.data = a.weight.data
    with cr.no_grad():
        a.weight.fill_(7)
    np.testing.assert_allclose(b.weight.detach().numpy(), np.full((3, 3), 7.0))


def test_parameter_deepcopy_copies_data_and_grad():
    p = nn.Parameter(cr.ones(2))
    (p * 2).sum().backward()
    q = copy.deepcopy(p)
    assert isinstance(q, nn.Parameter) and q.requires_grad
    assert q._storage_id() != p._storage_id()
    np.testing.assert_allclose(q.grad.numpy(), [2, 2])
    t = copy.deepcopy(cr.ones(2))
    assert type(t) is cr.Tensor


def test_deepcopy_of_a_non_leaf_raises():
    x = cr.ones(2, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="deepcopy"):
        copy.deepcopy(x)


def test_tensors_and_parameters_pickle():
    t = pickle.loads(pickle.dumps(cr.arange(6.0, dtype=cr.float64).reshape(2, 3).t()))
    assert t.dtype == cr.float64 and t.tolist() == [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]
    x = pickle.loads(pickle.dumps(cr.ones(2, requires_grad=True) * 2))  # a new leaf, as in PyTorch
    assert x.requires_grad and x.is_leaf and x.tolist() == [2.0, 2.0]
    p = pickle.loads(pickle.dumps(nn.Parameter(cr.ones(2), requires_grad=False)))
    assert isinstance(p, nn.Parameter) and not p.requires_grad


def test_parameter_of_int_tensor_cannot_require_grad():
    with pytest.raises(RuntimeError, match="floating"):
        nn.Parameter(cr.zeros(2, dtype=cr.int64))
    assert not nn.Parameter(cr.zeros(2, dtype=cr.int64), requires_grad=False).requires_grad


# ---- registration ---------------------------------------------------------------------------------

@requires_torch
def test_names_keys_and_shapes_match_torch():
    ours, theirs = build_net(nn), build_net(torch.nn)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    sd, tsd = ours.state_dict(), theirs.state_dict()
    assert isinstance(sd, OrderedDict) and list(sd) == list(tsd)
    assert all(tuple(sd[k].shape) == tuple(tsd[k].shape) for k in sd)
    assert sd["steps"].dtype == cr.float32 and "scratch" not in sd
    assert len(list(ours.parameters())) == len(list(theirs.parameters()))
    assert [n for n, _ in ours.named_parameters(remove_duplicate=False)] == \
        [n for n, _ in theirs.named_parameters(remove_duplicate=False)]
    assert [n for n, _ in ours.named_parameters(prefix="m", recurse=False)] == \
        [n for n, _ in theirs.named_parameters(prefix="m", recurse=False)]


@requires_torch
def test_repr_matches_torch():
    ours, theirs = build_net(nn), build_net(torch.nn)
    assert repr(ours) == repr(theirs)
    ml = [pkg.ModuleList([pkg.Linear(2, 2)] * 3 + [pkg.ReLU()]) for pkg in (nn, torch.nn)]
    assert repr(ml[0]) == repr(ml[1])
    assert repr(nn.ModuleList()) == repr(torch.nn.ModuleList())


@requires_torch
def test_blank_lines_of_a_nested_repr_stay_empty_as_pytorchs():
    def outer(pkg):
        class Inner(pkg.Module):
            def __init__(self):
                super().__init__()
                self.fc = pkg.Linear(2, 2)

            def extra_repr(self):
                return "a\nb\n"
        return pkg.Sequential(Inner())
    assert repr(outer(nn)) == repr(outer(torch.nn))


@requires_torch
def test_load_torch_state_dict_gives_the_same_outputs():
    ours, theirs = build_net(nn), build_net(torch.nn)
    result = ours.load_state_dict(to_chainrule(theirs.state_dict()))
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    np.testing.assert_allclose(ours(cr.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)


@requires_torch
def test_load_state_dict_errors_match_torch():
    ours, theirs = build_net(nn), build_net(torch.nn)
    state = theirs.state_dict()
    del state["fc.bias"]
    state["bogus"] = torch.zeros(1)
    state["blocks.0.weight"] = torch.zeros(2, 2)
    with pytest.raises(RuntimeError) as ours_err:
        ours.load_state_dict(to_chainrule(state))
    with pytest.raises(RuntimeError) as torch_err:
        theirs.load_state_dict(state)
    assert str(ours_err.value).replace("chainrule.Size", "torch.Size") == str(torch_err.value)
    assert 'Missing key(s) in state_dict: "fc.bias"' in str(ours_err.value)
    # strict=False reports instead of raising (size mismatches still raise)
    del state["blocks.0.weight"]
    result = ours.load_state_dict(to_chainrule(state), strict=False)
    tresult = theirs.load_state_dict(state, strict=False)
    assert result.missing_keys == tresult.missing_keys == ["fc.bias", "blocks.0.weight"]
    assert result.unexpected_keys == tresult.unexpected_keys == ["bogus"]


def test_load_state_dict_rejects_non_mappings_and_non_tensors():
    model = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="dict-like"):
        model.load_state_dict([1, 2])
    with pytest.raises(RuntimeError, match="expected chainrule.Tensor"):
        model.load_state_dict({"weight": np.zeros((2, 2)), "bias": cr.zeros(2)})


def test_load_state_dict_copies_in_place_or_assigns():
    model = nn.Linear(2, 2)
    weight = model.weight
    model.load_state_dict({"weight": cr.ones(2, 2), "bias": cr.zeros(2)})
    assert model.weight is weight
    np.testing.assert_allclose(weight.detach().numpy(), np.ones((2, 2)))
    new = cr.full((2, 2), 3.0)
    model.load_state_dict({"weight": new, "bias": cr.zeros(2)}, assign=True)
    assert isinstance(model.weight, nn.Parameter) and model.weight.requires_grad
    assert model.weight._storage_id() == new._storage_id()


def test_state_dict_keep_vars_and_prefix():
    model = nn.Sequential(nn.Linear(2, 2))
    assert model.state_dict(keep_vars=True)["0.weight"] is model[0].weight
    assert type(model.state_dict()["0.weight"]) is cr.Tensor
    assert list(model.state_dict(prefix="m.")) == ["m.0.weight", "m.0.bias"]


def test_setattr_moves_between_registries_and_validates():
    m = nn.Module()
    m.w = nn.Parameter(cr.zeros(2))
    assert "w" in m._parameters
    with pytest.raises(TypeError, match="cannot assign 'chainrule.Tensor' as parameter 'w'"):
        m.w = cr.zeros(2)
    m.w = None
    assert m._parameters["w"] is None
    del m.w
    m.register_buffer("b", cr.zeros(1))
    with pytest.raises(TypeError, match="as buffer 'b'"):
        m.b = 3
    m.b = cr.ones(1)
    assert "b" in m._buffers
    m.sub = nn.ReLU()
    with pytest.raises(TypeError, match="as child module 'sub'"):
        m.sub = 3
    m.sub = nn.Parameter(cr.zeros(1))  # a Parameter replaces the module
    assert "sub" in m._parameters and "sub" not in m._modules
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        m.nope
    with pytest.raises(KeyError, match="contain"):
        m.register_buffer("a.b", None)
    with pytest.raises(KeyError, match="already exists"):
        m.register_parameter("training", None)
    with pytest.raises(TypeError, match="object to parameter"):
        m.register_parameter("q", cr.zeros(1))
    with pytest.raises(ValueError, match="non-leaf"):
        m.register_parameter("q", NonLeaf())
    with pytest.raises(TypeError, match="is not a Module subclass"):
        m.add_module("x", 3)


class NonLeaf(nn.Parameter):
    """A Parameter whose grad_fn is not None, to test register_parameter's check."""

    def __new__(cls):
        return super().__new__(cls, cr.ones(1))

    @property
    def grad_fn(self):
        return "not a leaf"


def test_attribute_errors_before_init():
    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(cr.zeros(1))

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Early()


def test_dir_lists_members():
    net = build_net(nn)
    names = dir(net)
    assert {"fc", "blocks", "scale", "steps", "forward"} <= set(names)
    assert "0" not in dir(net.blocks)


def test_shared_modules_and_parameters_appear_once():
    lin = nn.Linear(2, 2)
    model = nn.Sequential(lin, lin)
    assert len(list(model.parameters())) == 2
    assert [n for n, _ in model.named_modules()] == ["", "0"]
    assert len(list(model.named_modules(remove_duplicate=False))) == 3
    assert list(model.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]


def test_get_submodule_and_get_parameter():
    net = build_net(nn)
    assert net.get_submodule("blocks.2") is net.blocks[2]
    assert net.get_parameter("blocks.0.bias") is net.blocks[0].bias
    assert net.get_buffer("steps") is net.steps
    with pytest.raises(AttributeError, match="has no attribute `nope`"):
        net.get_submodule("blocks.nope")
    with pytest.raises(AttributeError, match="is not an nn.Parameter"):
        net.get_parameter("steps")


# ---- modes, grads, conversion ---------------------------------------------------------------------

def test_train_eval_propagate():
    net = build_net(nn)
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    with pytest.raises(ValueError, match="boolean"):
        net.train("no")


def test_zero_grad_and_requires_grad_():
    model = nn.Linear(3, 2)
    model(cr.randn(4, 3)).sum().backward()
    assert model.weight.grad is not None
    model.zero_grad(set_to_none=False)
    np.testing.assert_allclose(model.weight.grad.numpy(), np.zeros((2, 3)))
    model.zero_grad()
    assert model.weight.grad is None and model.bias.grad is None
    model.requires_grad_(False)
    assert not any(p.requires_grad for p in model.parameters())


def test_apply_visits_children_first():
    order = []
    nn.Sequential(nn.Linear(1, 1), nn.Sequential(nn.ReLU())).apply(lambda m: order.append(type(m).__name__))
    assert order == ["Linear", "ReLU", "Sequential", "Sequential"]


def test_to_double_float_keeps_parameter_identity():
    bn = nn.BatchNorm1d(3)
    weight = bn.weight
    bn.double()
    assert bn.weight is weight and bn.weight.dtype == cr.float64 and isinstance(bn.weight, nn.Parameter)
    assert bn.running_mean.dtype == cr.float64 and bn.num_batches_tracked.dtype == cr.int64
    bn.to(cr.float32)
    assert bn.weight.dtype == cr.float32
    assert bn.to("cpu") is bn and bn.cpu() is bn
    with pytest.raises(TypeError, match="floating point"):
        bn.to(cr.int64)


def test_deepcopy_of_a_model_is_independent_and_keeps_sharing():
    net = build_net(nn)
    clone = copy.deepcopy(net)
    assert clone.shared is clone.fc
    assert clone.fc.weight._storage_id() != net.fc.weight._storage_id()
    np.testing.assert_allclose(clone.fc.weight.detach().numpy(), net.fc.weight.detach().numpy())
    x = cr.randn(2, 4)
    np.testing.assert_allclose(clone(x).detach().numpy(), net(x).detach().numpy())
    with cr.no_grad():
        clone.fc.weight.fill_(0)
    assert float(net.fc.weight.abs().sum()) > 0


def test_forward_missing_raises():
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(1)


# ---- hooks ----------------------------------------------------------------------------------------

def test_forward_pre_hook_and_forward_hook_with_removable_handles():
    model = nn.Linear(2, 2)
    calls = []

    def pre(module, args):
        calls.append("pre")
        return (args[0] * 0,)

    def post(module, args, output):
        calls.append("post")
        return output + 1

    h1 = model.register_forward_pre_hook(pre)
    h2 = model.register_forward_hook(post)
    with cr.no_grad():
        out = model(cr.ones(1, 2))
    np.testing.assert_allclose(out.numpy(), (model.bias + 1).detach().numpy()[None, :])
    assert calls == ["pre", "post"]
    h1.remove()
    h2.remove()
    h2.remove()  # removing twice is harmless
    calls.clear()
    model(cr.ones(1, 2))
    assert calls == []


def test_hooks_with_kwargs_prepend_and_context_manager():
    model = nn.Identity()
    order = []
    model.register_forward_hook(lambda m, a, o: order.append("first"))
    with model.register_forward_hook(lambda m, a, o: order.append("prepended"), prepend=True):
        model(1)
    model(1)
    assert order == ["prepended", "first", "first"]
    seen = {}
    model.register_forward_pre_hook(lambda m, a, kw: ((a[0] + 1,), kw), with_kwargs=True)
    model.register_forward_hook(lambda m, a, kw, out: seen.update(out=out), with_kwargs=True)
    assert model(1) == 2 and seen["out"] == 2


def test_full_backward_hook_sees_input_and_output_grads():
    model = nn.Linear(3, 2)
    seen = {}

    def hook(module, grad_input, grad_output):
        seen["in"] = grad_input
        seen["out"] = grad_output

    model.register_full_backward_hook(hook)
    x = cr.randn(4, 3, requires_grad=True)
    model(x).sum().backward()
    np.testing.assert_allclose(seen["out"][0].numpy(), np.ones((4, 2)))
    np.testing.assert_allclose(seen["in"][0].numpy(), x.grad.numpy())
    np.testing.assert_allclose(x.grad.numpy(), np.ones((4, 2)) @ model.weight.detach().numpy(), rtol=1e-6)


def test_state_dict_positional_arguments_still_work_with_a_warning():
    model = nn.Linear(2, 2)
    with pytest.warns(FutureWarning, match="Positional args"):
        state = model.state_dict(None, "m.")
    assert list(state) == ["m.weight", "m.bias"]


def test_to_converts_grads_too():
    model = nn.Linear(2, 2)
    model(cr.ones(1, 2)).sum().backward()
    model.double()
    assert model.weight.grad.dtype == cr.float64 and model.bias.grad.dtype == cr.float64


def test_full_backward_hook_without_input_grads_and_replacing_grad_input():
    model = nn.Linear(3, 2)
    seen = {}
    model.register_full_backward_hook(lambda m, gi, go: seen.update(gi=gi, go=go))
    model(cr.randn(4, 3)).sum().backward()  # no input requires grad: grad_input is (None,), as PyTorch
    assert seen["gi"] == (None,) and tuple(seen["go"][0].shape) == (4, 2)
    zeroing = nn.Linear(3, 2)
    handle = zeroing.register_full_backward_hook(lambda m, gi, go: (gi[0] * 0,))
    x = cr.randn(4, 3, requires_grad=True)
    zeroing(x).sum().backward()
    assert float(x.grad.abs().sum()) == 0.0
    handle.remove()
    x.grad = None
    zeroing(x).sum().backward()
    assert float(x.grad.abs().sum()) > 0


def test_always_call_forward_hook_runs_when_forward_raises():
    class Failing(nn.Module):
        def forward(self, x):
            raise ValueError("boom")

    calls = []
    model = Failing()
    model.register_forward_hook(lambda m, a, o: calls.append("always"), always_call=True)
    model.register_forward_hook(lambda m, a, o: calls.append("normal"))
    with pytest.raises(ValueError, match="boom"):
        model(1)
    assert calls == ["always"]


def test_common_types_aliases_for_custom_layer_annotations():
    """torch.nn.common_types: the same alias names, usable in a custom layer's annotations."""
    from chainrule.nn.common_types import _size_2_t
    from chainrule.nn.modules.utils import _pair

    class Blur(nn.Module):
        def __init__(self, kernel_size: _size_2_t = 3):
            super().__init__()
            self.kernel_size = _pair(kernel_size)

    assert Blur(3).kernel_size == (3, 3) and Blur((1, 5)).kernel_size == (1, 5)
    if torch is not None:
        import importlib
        names = [{n for n in dir(importlib.import_module(f"{lib}.nn.common_types"))
                  if n.startswith("_") and not n.startswith("__") and n[1].islower()} for lib in ("chainrule", "torch")]
        assert names[0] == names[1]


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed (the order is compared with its)")
def test_global_module_forward_hooks_run_first_as_in_torch():
    """nn.modules.module.register_module_forward_pre_hook / register_module_forward_hook: every module runs
    them before its own hooks; a pre-hook may replace the args; always_call ones run when forward raises."""
    def fail(self, x):
        raise ValueError("boom")

    def trace(lib):
        from importlib import import_module
        module_api = import_module(f"{lib.__name__}.nn.modules.module")
        calls = []
        model = lib.nn.Identity()
        model.register_forward_pre_hook(lambda m, a: calls.append(("own pre", a)))
        model.register_forward_hook(lambda m, a, o: calls.append(("own", o)))
        handles = [module_api.register_module_forward_pre_hook(lambda m, a: (a[0] + 1,)),
                   module_api.register_module_forward_hook(lambda m, a, o: calls.append(("global", o)) or o * 10),
                   module_api.register_module_forward_hook(lambda m, a, o: calls.append(("always", o)),
                                                           always_call=True)]
        try:
            out = model(1)
            with pytest.raises(ValueError):
                type("Failing", (lib.nn.Module,), {"forward": fail})()(5)   # only the always_call hook runs
        finally:
            for handle in handles:
                handle.remove()
        calls.append(("after remove", lib.nn.Identity()(7)))
        return out, calls

    assert trace(cr) == trace(torch)


@requires_torch
def test_deprecated_container_is_a_module_as_in_torch():
    # 2017-era models subclass it: WassersteinGAN's class DCGAN_D(nn.Container) with self.main = nn.Sequential()
    for lib in (torch, cr):
        with pytest.warns(FutureWarning, match="`nn.Container` is deprecated"):
            container = lib.nn.Container(first=lib.nn.Linear(2, 3), second=lib.nn.ReLU())
        assert isinstance(container, lib.nn.Module)
        assert list(container._modules) == ["first", "second"]
        assert [k for k, _ in container.named_parameters()] == ["first.weight", "first.bias"]

    class Critic(nn.Container):
        def __init__(self):
            super().__init__()
            self.main = nn.Sequential(nn.Linear(4, 1))

        def forward(self, x):
            return self.main(x).mean(0).view(1)

    with pytest.warns(FutureWarning):
        critic = Critic()
    assert critic(cr.ones(3, 4)).shape == (1,) and len(list(critic.parameters())) == 2
