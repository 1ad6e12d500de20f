"""torch.autograd.graph: saved_tensors_hooks (the core's ops and Python autograd.Functions alike),
save_on_cpu, disable_saved_tensors_hooks and the Node type, against PyTorch."""
import warnings

import numpy as np
import pytest

import chainrule as cr
from conftest import requires_torch, torch

pytestmark = requires_torch


def model_grads(lib, hooks=None):
    """Gradients of a small network (linear, conv, norms, activations, a loss) under `hooks`."""
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.normal(size=(2, 3, 6, 6)).astype(np.float32))
    conv_w = lib.tensor(rng.normal(size=(4, 3, 3, 3)).astype(np.float32), requires_grad=True)
    lin_w = lib.tensor(rng.normal(size=(5, 64)).astype(np.float32), requires_grad=True)
    F = lib.nn.functional

    def forward():
        h = F.relu(F.batch_norm(F.conv2d(x, conv_w), None, None, training=True))
        h = F.layer_norm(h.flatten(1) @ lin_w.t(), (5,)).tanh() * h.sum()
        return F.cross_entropy(h, lib.tensor([1, 3]))

    if hooks is None:
        loss = forward()
    else:
        with hooks:
            loss = forward()
    loss.backward()
    return loss.item(), conv_w.grad.numpy(), lin_w.grad.numpy()


def copying_hooks(lib, calls):
    def pack(t):
        calls.append("pack")
        return t.clone()

    def unpack(t):
        calls.append("unpack")
        return t
    return lib.autograd.graph.saved_tensors_hooks(pack, unpack)


def test_hooks_see_every_saved_tensor_and_gradients_stay_exact():
    calls = []
    plain = model_grads(cr)
    hooked = model_grads(cr, copying_hooks(cr, calls))
    assert calls.count("pack") >= 6 and calls.count("unpack") >= 1
    assert "pack" not in calls[calls.index("unpack"):]  # packed in forward, unpacked in backward
    for a, b in zip(plain, hooked):
        np.testing.assert_array_equal(a, b)
    theirs = model_grads(torch, copying_hooks(torch, []))
    for a, b in zip(hooked, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_save_on_cpu_gives_the_same_gradients():
    plain = model_grads(cr)
    for a, b in zip(plain, model_grads(cr, cr.autograd.graph.save_on_cpu())):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(plain, model_grads(cr, cr.autograd.graph.save_on_cpu(pin_memory=True))):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("lib_name", ["chainrule", "torch"])
def test_backward_reads_what_unpack_returns(lib_name):
    lib = cr if lib_name == "chainrule" else torch
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    w = lib.tensor([3.0, 4.0], requires_grad=True)
    with lib.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t * 2):
        (x * w).sum().backward()
    assert x.grad.tolist() == [6.0, 8.0] and w.grad.tolist() == [2.0, 4.0]


def test_hooks_apply_to_autograd_functions_innermost_first():
    calls = {}

    def recording(lib, name):
        def pack(t):
            calls.setdefault((lib.__name__, name), []).append("pack")
            return t

        def unpack(t):
            calls.setdefault((lib.__name__, name), []).append("unpack")
            return t
        return lib.autograd.graph.saved_tensors_hooks(pack, unpack)

    for lib in (cr, torch):
        class Cube(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x ** 3

            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return 3 * x * x * g

        x = lib.tensor([1.0, -2.0], requires_grad=True)
        with recording(lib, "outer"):
            with recording(lib, "inner"):
                y = Cube.apply(x)
        y.sum().backward()
        assert x.grad.tolist() == [3.0, 12.0]
    assert calls == {("chainrule", "inner"): ["pack", "unpack"], ("torch", "inner"): ["pack", "unpack"]}


def test_an_in_place_change_is_still_caught_under_identity_hooks():
    # PyTorch stops checking under hooks (the gradient silently uses the new values); chainrule
    # keeps the check while the saved tensor lives.
    lib = cr
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    w = lib.tensor([3.0, 4.0])
    with lib.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
        y = (x * w).sum()
    w.add_(1)
    with pytest.raises(RuntimeError, match="modified by an in-?place operation"):
        y.backward()


def test_double_backward_under_hooks():
    results = []
    for lib in (cr, torch):
        x = lib.tensor([0.5, -1.5], requires_grad=True)
        with lib.autograd.graph.saved_tensors_hooks(lambda t: t.clone(), lambda t: t):
            y = (x.exp() * x.sin()).sum()
            (g,) = lib.autograd.grad(y, x, create_graph=True)
        g.sum().backward()
        results.append(x.grad.tolist())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-6)


def test_errors_as_pytorch():
    for lib in (cr, torch):
        x = lib.tensor([1.0], requires_grad=True)
        with lib.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: 3):
            y = (x * x).sum()
        with pytest.raises(TypeError, match="unpack_hook expected to be a Tensor but got result of type int"):
            y.backward()
        with pytest.raises(RuntimeError, match="no hooks here"):
            with lib.autograd.graph.disable_saved_tensors_hooks("no hooks here"):
                with lib.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
                    pass
        with lib.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):  # usable again after
            pass


def test_node_type():
    y = (cr.ones(2, requires_grad=True) * 2).sum()
    assert isinstance(y.grad_fn, cr.autograd.graph.Node)
    assert isinstance(y.grad_fn.next_functions[0][0], cr.autograd.graph.Node)


@requires_torch
def test_node_classes_are_named_after_their_ops_as_pytorchs():
    # torchviz's make_dot labels each box with type(fn).__name__; walk a graph as it does
    def names(lib):
        x = lib.ones(2, 3, requires_grad=True)
        w = lib.ones(3, 4, requires_grad=True)
        y = ((x @ w).relu() * 2 + x.sum()).mean()
        seen, pending, out = {}, [y.grad_fn], []  # id -> node: held, so that no id is reused
        while pending:
            fn = pending.pop()
            if fn is None or id(fn) in seen:
                continue
            seen[id(fn)] = fn
            out.append(type(fn).__name__)
            pending.extend(next_fn for next_fn, _ in fn.next_functions)
        return sorted(out)
    assert names(cr) == names(torch)
    y = cr.ones(2, requires_grad=True).exp()
    assert type(y.grad_fn) is type(cr.ones(3, requires_grad=True).exp().grad_fn)  # one class per name
    assert isinstance(y.grad_fn, cr.autograd.graph.Node) and type(y.grad_fn).__name__ == y.grad_fn.name()


@requires_torch
def test_numbers_on_the_left_record_as_pytorchs_reflected_ops():
    # 2 * x and 1 + x keep the tensor as the node's first input, 1 - x is RsubBackward1 of x alone:
    # a walk down next_functions[0][0] (the autograd tutorial's) meets the same nodes
    def graph(lib, f):
        y = f(lib.ones(2, requires_grad=True))
        return y.grad_fn.name(), [(type(fn).__name__ if fn is not None else None, i) for fn, i in y.grad_fn.next_functions]
    for f in (lambda x: 2 * x, lambda x: 1 + x, lambda x: 1 - x, lambda x: 2.5 - x * 3, lambda x: 2 / x, lambda x: 2 ** x):
        assert graph(cr, f) == graph(torch, f)
    x = cr.tensor([0.5, -2.0], dtype=cr.float64, requires_grad=True)
    assert cr.autograd.gradgradcheck(lambda t: (3 - t) ** 3, (x,))


def test_reading_a_non_leafs_grad_warns_as_pytorch():
    x = cr.ones(2, requires_grad=True)
    c = x * 2
    c.sum().backward()
    with pytest.warns(UserWarning, match="not a leaf Tensor is being accessed"):
        assert c.grad is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning for a leaf, or a non-leaf that retains its grad
        assert x.grad is not None
        c.retain_grad()
        assert c.grad is None


def saved_views(lib):
    """What the saved-tensors-hooks tutorial prints of nodes' saved tensors."""
    a = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = lib.tensor([4.0, 5.0, 6.0], requires_grad=True)
    y = a * b
    e = lib.exp(a)
    s = lib.softmax(a, 0)
    q = a.pow(2)
    m = lib.ones(2, 3, requires_grad=True) @ lib.ones(3, 4)
    t = lib.tanh(a)
    seen = [y.grad_fn._saved_self is a, y.grad_fn._saved_other is b, e.grad_fn._saved_result.equal(e),
            e.grad_fn._saved_result is e, s.grad_fn._saved_result.tolist(), q.grad_fn._saved_self is a,
            tuple(m.grad_fn._saved_mat2.shape), (a / 2).grad_fn._saved_other.item(),
            (lib.sin(a)).grad_fn._saved_self is a, t.grad_fn._saved_result.equal(t)]
    with pytest.raises(AttributeError):
        y.grad_fn._saved_nothing
    y.sum().backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y.grad_fn._saved_self
    return seen


def test_nodes_show_what_they_saved_as_pytorchs():
    assert saved_views(cr) == saved_views(torch)


def test_mse_loss_is_one_node_of_input_and_target_as_pytorchs():
    """The 60-minute blitz walks loss.grad_fn.next_functions[0][0] from an MSELoss to the model's last layer."""
    def run(lib):
        x = lib.ones(2, 3, requires_grad=True)
        out = x * 2
        target = lib.zeros(2, 3)
        loss = lib.nn.MSELoss()(out, target)
        node = loss.grad_fn
        return (node.name(), [None if f is None else f.name() for f, _ in node.next_functions],
                node._saved_self is out, node._saved_target is target)
    assert run(cr) == run(torch) == ("MseLossBackward0", ["MulBackward0", None], True, True)


def test_saved_tensors_unpack_through_the_hooks_at_each_read_as_pytorchs():
    def run(lib):
        events = []
        x = lib.ones(3, requires_grad=True)
        b = lib.full((3,), 2.0, requires_grad=True)
        with lib.autograd.graph.saved_tensors_hooks(lambda t: events.append("pack") or t * 4,
                                                    lambda t: events.append("unpack") or t / 4):
            y = x * b
        first, second = y.grad_fn._saved_self, y.grad_fn._saved_other
        return events, first.tolist(), second.tolist(), first.grad_fn, first.requires_grad, repr(first)
    ours, theirs = run(cr), run(torch)
    assert ours == theirs
