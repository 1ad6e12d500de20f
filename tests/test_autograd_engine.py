"""The autograd engine: accumulation, retain_graph, in-place checks, hooks, grad mode, autograd.grad,
deep graphs and bad input."""
import re

import numpy as np
import pytest

import chainrule as cr
from conftest import requires_torch, torch


def leaf(*shape, dtype=cr.float64):
    return cr.randn(*shape, dtype=dtype, requires_grad=True)


def test_gradients_accumulate_across_backward_calls():
    x = leaf(3)
    (x * 2).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full(3, 5.0))


def test_a_tensor_used_twice_gets_the_sum_of_both_paths():
    x = leaf(4)
    y = x * x + x.exp()
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.detach().numpy() + np.exp(x.detach().numpy()))


def test_summing_gradients_in_place_never_changes_a_gradient_someone_else_holds():
    # The engine adds a second gradient into the first one's memory only when nothing else can see it.
    kept = []

    class KeepGrad(cr.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            kept.append(g * 2)  # the user keeps the very tensor handed back to the engine
            return kept[-1]

    x = leaf(3)
    h = x * 1
    y = KeepGrad.apply(h) + h * 5  # h's slot gets KeepGrad's gradient, then MulBackward's
    y.sum().backward()
    np.testing.assert_allclose(kept[0].numpy(), np.full(3, 2.0))
    np.testing.assert_allclose(x.grad.numpy(), np.full(3, 7.0))
    shared = leaf(4)
    z = shared + shared  # AddBackward hands the same tensor to both of its inputs
    w = shared * 3
    (z.sum() + w.sum() + (z * w).sum()).backward()
    np.testing.assert_allclose(shared.grad.numpy(), 2 + 3 + 12 * shared.detach().numpy())


def test_non_leaf_grad_only_with_retain_grad():
    x = leaf(3)
    h = x * 2
    k = x * 3
    h.retain_grad()
    (h * k).sum().backward()
    np.testing.assert_allclose(h.grad.numpy(), k.detach().numpy())
    assert k.grad is None and k.retains_grad is False and h.retains_grad is True


def test_second_backward_without_retain_graph_raises():
    x = leaf(3)
    y = x.exp().sum()
    y.backward(retain_graph=True)
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_in_place_change_of_a_saved_tensor_raises_naming_the_op():
    x = leaf(3)
    e = x.exp()
    out = e.sin()
    e.add_(1)
    with pytest.raises(RuntimeError, match="modified by an in-place operation: SinBackward0"):
        out.sum().backward()


def test_in_place_ops_in_graphs_give_pytorch_gradients():
    x = leaf(3, 4)
    w = leaf(4)
    y = x * 1
    y.mul_(w)
    y.add_(w)
    y.exp_()
    y.sum().backward()
    if torch is not None:
        tx = torch.tensor(x.detach().numpy(), requires_grad=True)
        tw = torch.tensor(w.detach().numpy(), requires_grad=True)
        ty = tx * 1
        ty.mul_(tw)
        ty.add_(tw)
        ty.exp_()
        ty.sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)
        np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-12)


def test_in_place_on_a_leaf_that_requires_grad_raises_unless_no_grad():
    x = leaf(3)
    with pytest.raises(RuntimeError, match="add_: a leaf tensor that requires grad"):
        x.add_(1)
    with cr.no_grad():
        x.add_(1)  # a parameter update
    assert x.grad_fn is None


def test_in_place_change_of_an_unsaved_output_is_fine():
    x = leaf(3)
    y = x.sin()  # sin saves its input only, as in PyTorch
    y.add_(1)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.cos(x.detach().numpy()))


@pytest.mark.parametrize("form", ["x * 0.5", "0.5 * x", "x / 2.0", "x * 3", "x * c", "x / c", "c * x", "c / x",
                                  "lib.nn.functional.linear(x, c)", "lib.nn.functional.linear(c, x)"])
def test_mul_div_and_linear_save_an_operand_only_for_the_other_operands_gradient(form):
    # As in PyTorch, x * c (c needs no gradient) saves c, not x, so writing x in place afterwards is
    # fine; c / x needs x for its own gradient and still refuses. pytorch/examples' mass_spring.py
    # does `positions = positions + velocities * dt` and then `velocities[0] = ...`. linear likewise
    # keeps its input only for the weight's gradient and its weight only for the input's.
    def run(lib):
        p = lib.tensor([[1.0, -2.0], [3.0, 4.0]], dtype=lib.float64, requires_grad=True)
        x, c = p * 1, lib.tensor([[2.0, 4.0], [-1.0, 8.0]], dtype=lib.float64)
        y = eval(form)
        x[0] = 0.0
        try:
            y.sum().backward()
        except RuntimeError as error:
            assert "modified by an in" in str(error)  # "in-place" (chainrule) or "inplace" (PyTorch)
            return None
        return p.grad.numpy()

    result = run(cr)
    if form == "c / x":
        assert result is None
    else:
        assert result is not None
    if torch is not None:
        expected = run(torch)
        assert (result is None) == (expected is None)
        if expected is not None:
            np.testing.assert_allclose(result, expected, rtol=1e-12)

def test_a_chain_of_100000_ops_backpropagates_and_frees():
    x = cr.ones(1, dtype=cr.float64, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.backward()
    assert x.grad.item() == 1.0
    del y


def test_hooks_see_and_replace_gradients():
    x = leaf(3)
    seen = []
    x.register_hook(lambda g: seen.append(g.numpy().copy()))
    h = x * 2
    handle = h.register_hook(lambda g: g * 10)
    h.sum().backward()
    np.testing.assert_allclose(seen[0], np.full(3, 20.0))
    np.testing.assert_allclose(x.grad.numpy(), np.full(3, 20.0))
    handle.remove()
    x.grad = None
    (x * 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full(3, 2.0))


def test_no_grad_enable_grad_and_set_grad_enabled():
    x = leaf(2)
    with cr.no_grad():
        assert not (x * 2).requires_grad
        with cr.enable_grad():
            assert (x * 2).requires_grad
    assert (x * 2).requires_grad

    @cr.no_grad()
    def evaluate(t):
        return t * 2

    assert not evaluate(x).requires_grad
    with cr.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert cr.is_grad_enabled()


def test_detach_leaves_the_graph_and_shares_data():
    x = leaf(3)
    d = (x * 2).detach()
    assert not d.requires_grad and d.grad_fn is None
    y = x * 1
    assert y.detach()._storage_id() == y._storage_id()


def test_autograd_grad_returns_gradients_without_touching_dot_grad():
    x, w = leaf(3), leaf(3)
    y = (x * w).sum()
    gx, gw = cr.autograd.grad(y, [x, w])
    np.testing.assert_allclose(gx.numpy(), w.detach().numpy())
    np.testing.assert_allclose(gw.numpy(), x.detach().numpy())
    assert x.grad is None and w.grad is None


def test_autograd_grad_wrt_a_non_leaf_leaves_its_history_usable():
    # As in PyTorch: the input's own grad_fn only has its gradient captured, so it is neither run
    # nor freed, and a later backward through it still works.
    a = leaf(3)
    x = a * a  # MulBackward0 saves a: running it under autograd.grad would have freed it
    (gx,) = cr.autograd.grad((x * 3).sum(), x)
    np.testing.assert_allclose(gx.numpy(), np.full(3, 3.0))
    (x * 4).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), 8 * a.detach().numpy())


def test_autograd_grad_unused_input():
    x, z = leaf(3), leaf(3)
    y = (x * 2).sum()
    with pytest.raises(RuntimeError, match="not used"):
        cr.autograd.grad(y, [x, z], retain_graph=True)
    gx, gz = cr.autograd.grad(y, [x, z], allow_unused=True)
    assert gz is None


def test_second_derivative_through_create_graph():
    x = leaf(4)
    y = (x ** 3).sum()
    (g,) = cr.autograd.grad(y, x, create_graph=True)
    (h,) = cr.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(h.numpy(), 6 * x.detach().numpy())


def test_backward_bad_input():
    x = leaf(3)
    with pytest.raises(RuntimeError, match="implicitly created only for scalar outputs"):
        (x * 2).backward()
    with pytest.raises(ValueError, match="gradient 0 has shape"):
        (x * 2).backward(cr.ones(4, dtype=cr.float64))
    with pytest.raises(RuntimeError, match="does not require grad"):
        cr.ones(3).sum().backward()
    with pytest.raises(RuntimeError, match="floating point"):
        cr.ones(3, dtype=cr.int64, requires_grad=True)
    with pytest.raises(RuntimeError, match="floating point"):
        cr.ones(3, dtype=cr.int64).requires_grad_()


def test_grad_fn_names_and_graph_structure():
    x = leaf(2)
    y = (x * 2).exp()
    assert y.grad_fn.name() == "ExpBackward0"
    (prev, nr), = y.grad_fn.next_functions
    assert prev.name() == "MulBackward0" and nr == 0
    assert y.requires_grad and not y.is_leaf and x.is_leaf
    assert "grad_fn=<ExpBackward0>" in repr(y)


def test_nodes_print_as_pytorchs_do():
    # the autograd tutorial prints y.grad_fn: <AddBackward0 object at 0x7f...>, as a Python object prints
    pattern = r"<{} object at 0x[0-9a-f]+>"
    for lib in [cr] + ([torch] if torch is not None else []):
        x = lib.ones(2, requires_grad=True)
        y = x + 2
        assert re.fullmatch(pattern.format("AddBackward0"), repr(y.grad_fn)), repr(y.grad_fn)
        assert re.fullmatch(pattern.format("AccumulateGrad"), str(y.grad_fn.next_functions[0][0]))


def test_grad_computes_only_the_gradients_on_a_path_to_its_inputs():
    """autograd.grad(y, x) skips the formulas' gradients for other inputs (a weight's), as
    PyTorch's engine does: a hook on the weight's path never fires, and the answer is the same."""
    for lib in [cr] + ([torch] if torch is not None else []):
        x = lib.randn(3, 4, requires_grad=True)
        w = lib.randn(4, 2, requires_grad=True)
        reached_weight = []
        w2 = w * 1.0
        w2.register_hook(lambda g: reached_weight.append(g))
        (gx,) = lib.autograd.grad((x @ w2).sum(), x)
        assert reached_weight == [], lib.__name__
        assert w.grad is None
        expected = np.repeat(w2.detach().numpy().sum(1)[None, :], 3, axis=0)  # d sum(x @ w2) / dx
        np.testing.assert_allclose(gx.numpy(), expected, rtol=1e-6)


def test_grad_returns_what_a_leafs_hooks_make_of_its_gradient():
    for lib in [cr] + ([torch] if torch is not None else []):
        x = lib.ones(3, requires_grad=True)
        x.register_hook(lambda g: g * 10)
        (g,) = lib.autograd.grad((x * 2).sum(), x)
        assert g.tolist() == [20.0, 20.0, 20.0] and x.grad is None, lib.__name__


def test_nodes_describe_their_outputs_and_leaves_as_pytorchs_do():
    """grad_fn._input_metadata (shape, dtype, device of each forward output) and
    AccumulateGrad.variable (the leaf it writes), which graph drawers read."""
    for lib in [cr] + ([torch] if torch is not None else []):
        x = lib.ones(2, 3, requires_grad=True)
        y = (x * 2).sum(1, keepdim=True).double()
        (meta,) = y.grad_fn._input_metadata
        assert tuple(meta.shape) == (2, 1) and str(meta.dtype).endswith("float64") and str(meta.device) == "cpu"
        accumulate = (x * 2).grad_fn.next_functions[0][0]
        assert accumulate.name() == "torch::autograd::AccumulateGrad" or accumulate.name() == "AccumulateGrad"
        assert accumulate.variable is x, lib.__name__


def test_post_accumulate_grad_hooks_run_after_each_backward_as_in_pytorch():
    for lib in [cr] + ([torch] if torch is not None else []):
        x = lib.ones(2, requires_grad=True)
        seen = []
        handle = x.register_post_accumulate_grad_hook(lambda p: seen.append(p.grad.tolist()))
        (x * 3).sum().backward()
        (x * 3).sum().backward()
        assert seen == [[3.0, 3.0], [6.0, 6.0]], lib.__name__
        lib.autograd.grad((x * 3).sum(), x)  # writes no .grad: no call
        handle.remove()
        (x * 3).sum().backward()
        assert len(seen) == 2, lib.__name__
        with pytest.raises(RuntimeError, match="post accumulate grad hooks cannot be registered on non-leaf tensors"):
            (x * 2).register_post_accumulate_grad_hook(lambda p: None)
        with pytest.raises(RuntimeError, match="cannot register a hook on a tensor that doesn't require gradient"):
            lib.ones(2).register_post_accumulate_grad_hook(lambda p: None)
    x = cr.ones(2, requires_grad=True)
    x.register_post_accumulate_grad_hook(lambda p: 5)
    with pytest.raises(TypeError, match="the hook must return None, got <class 'int'>"):
        (x * 3).sum().backward()


def _both(fn):
    """fn(lib) for chainrule, and for torch when installed."""
    return fn(cr), (fn(torch) if torch is not None else None)


def test_autograd_grad_takes_torchs_keywords_in_torchs_order():
    """A WGAN-GP gradient penalty as people write it: create_graph, retain_graph, only_inputs=True,
    passed by keyword; and positionally, only_inputs comes before allow_unused as in PyTorch."""
    def penalty(lib):
        lib.manual_seed(0)
        x = lib.tensor([[1.0, 2.0], [3.0, -1.0]], requires_grad=True)
        d = (x ** 3).sum(dim=1, keepdim=True)
        g = lib.autograd.grad(outputs=d, inputs=x, grad_outputs=lib.ones_like(d), create_graph=True,
                              retain_graph=True, only_inputs=True)[0]
        pen = ((g.norm(2, dim=1) - 1) ** 2).mean()
        (h,) = lib.autograd.grad(pen, x, None, None, False, True, True)
        return g.detach().numpy(), h.numpy()
    ours, theirs = _both(penalty)
    if theirs is not None:
        for o, t in zip(ours, theirs):
            np.testing.assert_allclose(o, t, rtol=1e-6)


def test_autograd_grad_only_inputs_false_warns_like_torch():
    x = leaf(2)
    with pytest.warns(FutureWarning, match="only_inputs argument is deprecated"):
        cr.autograd.grad((x * 2).sum(), x, only_inputs=False)
    if torch is not None:
        t = torch.ones(2, requires_grad=True)
        with pytest.warns(FutureWarning, match="only_inputs argument is deprecated"):
            torch.autograd.grad((t * 2).sum(), t, only_inputs=False)


def test_autograd_grad_materialize_grads_dict_inputs_and_empty_inputs():
    def run(lib):
        x, z = lib.ones(3, requires_grad=True), lib.ones(2, requires_grad=True)
        gx, gz = lib.autograd.grad((x * 2).sum(), [x, z], materialize_grads=True)
        grads = lib.autograd.grad((x * z.sum()).sum(), {"x": x, "z": z})
        return gx.tolist(), gz.tolist(), sorted(grads), grads["z"].tolist()
    ours, theirs = _both(run)
    assert ours == ([2.0] * 3, [0.0, 0.0], ["x", "z"], [3.0, 3.0])
    if theirs is not None:
        assert ours == theirs
    for lib in [cr] + ([torch] if torch is not None else []):
        x = lib.ones(2, requires_grad=True)
        with pytest.raises(ValueError, match="Expected allow_unused to be True or not passed"):
            lib.autograd.grad(x.sum(), x, materialize_grads=True, allow_unused=False)
        with pytest.raises(RuntimeError, match="`inputs` argument to `grad\\(\\)` cannot be empty"):
            lib.autograd.grad(x.sum(), [])


def test_autograd_grad_is_grads_batched_gives_each_row_of_the_jacobian():
    def jacobian(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x ** 2
        (rows,) = lib.autograd.grad(y, x, lib.eye(3), is_grads_batched=True)
        return rows.numpy()
    ours, theirs = _both(jacobian)
    np.testing.assert_allclose(ours, np.diag([2.0, 4.0, 6.0]))
    if theirs is not None:
        np.testing.assert_allclose(ours, theirs)


@pytest.mark.parametrize("lib", ["chainrule", "torch"])
def test_legacy_variable_returns_a_detached_tensor_sharing_memory(lib):
    if lib == "torch" and torch is None:
        pytest.skip("PyTorch is not installed")
    m = cr if lib == "chainrule" else torch
    Variable = m.autograd.Variable
    t = m.ones(2)
    v = Variable(t, requires_grad=True)
    assert v is not t and type(v) is type(t) and v.requires_grad and v.is_leaf and not t.requires_grad
    assert v.data_ptr() == t.data_ptr() and isinstance(t, Variable) and not isinstance(3, Variable)
    a = m.ones(2, requires_grad=True)
    c = Variable(a * 2)
    assert c.grad_fn is None and not c.requires_grad
    (Variable(t, True) * 3).sum().backward()  # requires_grad positionally, as old code passes it
    assert tuple(Variable().shape) == (0,)
    with pytest.warns(UserWarning, match="volatile was removed"):
        Variable(t, volatile=True)
    with pytest.raises(TypeError, match="Variable data has to be a tensor, but got int"):
        Variable(3)


@requires_torch
def test_backward_with_a_removed_keyword_names_tensor_backward_as_torch():
    # pytorch-beginner's backward.py still passes retain_variables= (removed from PyTorch long ago)
    messages = []
    for lib in (cr, torch):
        y = lib.ones(2, requires_grad=True).sum()
        with pytest.raises(TypeError) as error:
            y.backward(lib.tensor(1.0), retain_variables=True)
        messages.append(str(error.value))
    assert messages[0] == messages[1] == "Tensor.backward() got an unexpected keyword argument 'retain_variables'"


@requires_torch
def test_tensor_backward_goes_through_autograd_backward_as_torch():
    # udacity's tv-script-generation tests patch torch.autograd.backward and assert that loss.backward() called it
    from unittest.mock import patch
    seen = []
    for lib in (cr, torch):
        x = lib.ones(3, requires_grad=True)
        with patch.object(lib.autograd, "backward", wraps=lib.autograd.backward) as mock_backward:
            (x * 2).sum().backward(retain_graph=True)
        seen.append((mock_backward.call_count, len(mock_backward.call_args.args),
                     sorted(mock_backward.call_args.kwargs), x.grad.tolist()))
    assert seen[0] == seen[1]
