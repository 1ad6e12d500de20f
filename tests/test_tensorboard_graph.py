"""add_graph (a model's autograd graph as a TensorBoard GraphDef: nodes named by module scope and grad_fn,
every one with its output shapes, compared with PyTorch's traced graph and grad_fn._input_metadata) and ModelStatsLogger (weight and gradient
histograms and update-to-weight ratios every N steps), read back with EventAccumulator."""
import os
import sys

import numpy as np
import pytest

from tensorboard_helpers import read_events, requires_torch_tensorboard, torch

import chainrule as cr
import chainrule.nn as nn
import chainrule.nn.functional as F
from chainrule.utils.tensorboard import ModelStatsLogger, SummaryWriter


def build_net(lib_nn, flatten):
    """Conv block in a Sequential, a functional flatten between modules, a linear head, a functional relu."""
    class Net(lib_nn.Module):
        def __init__(self):
            super().__init__()
            self.features = lib_nn.Sequential(lib_nn.Conv2d(1, 4, 3), lib_nn.ReLU())
            self.fc = lib_nn.Linear(4 * 6 * 6, 10)

        def forward(self, x):
            return self.fc(flatten(self.features(x), 1)).relu()
    return Net()


def shapes(node):
    return [tuple(d.size for d in shape.dim) for shape in node.attr["_output_shapes"].list.shape]


def graph_of(tmp_path, model, inputs, **kwargs):
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_graph(model, inputs, **kwargs)
    events = read_events(tmp_path)
    assert events.Tags()["graph"] and events.Tags()["run_metadata"] == ["step1"]
    return {node.name: node for node in events.Graph().node}


def test_nodes_are_named_by_scope_and_grad_fn_with_shapes(tmp_path):
    model = build_net(nn, cr.flatten)
    nodes = graph_of(tmp_path, model, cr.randn(2, 1, 8, 8))
    for node in nodes.values():                   # every edge leads to a node of the graph
        assert all(source in nodes for source in node.input), node.name
    assert shapes(nodes["input/input.1"]) == [(2, 1, 8, 8)] and nodes["input/input.1"].op == "IO Node"
    [output] = [n for n in nodes.values() if n.name.startswith("output/")]
    assert shapes(output) == [(2, 10)] and nodes[output.input[0]].op == "ReluBackward0"
    assert output.input[0] == "Net/ReluBackward0"            # the functional relu is in the model's own scope
    assert shapes(nodes["Net/Sequential[features]/Conv2d[0]/weight"]) == [(4, 1, 3, 3)]
    assert shapes(nodes["Net/Linear[fc]/bias"]) == [(10,)]
    conv = [n for n in nodes.values() if n.name.startswith("Net/Sequential[features]/Conv2d[0]/")
            and n.op != "AccumulateGrad" and n.attr["_output_shapes"].list.shape]
    assert [shapes(n) for n in conv] == [[(2, 4, 6, 6)]]
    relu = nodes["Net/Sequential[features]/ReLU[1]/ReluBackward0"]
    assert shapes(relu) == [(2, 4, 6, 6)] and nodes[relu.input[0]] in conv
    fc = [n for n in nodes.values() if n.name.startswith("Net/Linear[fc]/") and n.op != "AccumulateGrad"]
    assert any(shapes(n) == [(2, 10)] for n in fc)
    assert {"Net/Linear[fc]/weight", "Net/Linear[fc]/bias"} <= {s for n in fc for s in n.input}
    [flatten] = [nodes[s] for n in fc for s in n.input if not s.startswith("Net/Linear[fc]/")]
    assert flatten.name.startswith("Net/") and flatten.name.count("/") == 1    # between the modules: Net's scope
    assert shapes(flatten) == [(2, 144)] and nodes[flatten.input[0]] is relu
    assert all(n.attr["_output_shapes"].list.shape for n in nodes.values())     # every node has its shapes


def view_then_tanh(x, start_dim):
    """A flatten whose result no module sees: the view goes only into tanh, inside the forward."""
    return x.view(x.shape[0], -1).tanh()


@requires_torch_tensorboard
def test_an_op_in_the_middle_of_the_forward_has_pytorchs_shape(tmp_path):
    from torch.utils.tensorboard._pytorch_graph import graph as torch_graph
    from torch_twins import first_node_named
    ours = graph_of(tmp_path, build_net(nn, view_then_tanh), cr.randn(2, 1, 8, 8))
    torch_net, torch_input = build_net(torch.nn, view_then_tanh), torch.randn(2, 1, 8, 8)
    torch_view = first_node_named(torch_net(torch_input).grad_fn, "ViewBackward0")
    assert shapes(ours["Net/ViewBackward0"]) == [tuple(m.shape) for m in torch_view._input_metadata] == [(2, 144)]
    assert ours["Net/TanhBackward0"].input == ["Net/ViewBackward0"]
    theirs, _ = torch_graph(torch_net, (torch_input,))
    # PyTorch's trace has aten::view and aten::tanh there (and aten::size, an op chainrule does not record)
    assert ("Net", ((2, 144),)) in scoped_shapes(theirs.node, aten_only=True) & scoped_shapes(ours.values())


def scoped_shapes(nodes, aten_only=False):
    """{(scope, output shapes)} of a GraphDef's nodes (PyTorch's: only its aten:: ops, not constants or attributes)."""
    return {(n.name.rpartition("/")[0], tuple(shapes(n))) for n in nodes if not aten_only or n.op.startswith("aten::")}


@requires_torch_tensorboard
def test_every_op_of_pytorchs_graph_is_in_ours_with_its_scope_and_shape(tmp_path):
    from torch.utils.tensorboard._pytorch_graph import graph as torch_graph
    theirs, _ = torch_graph(build_net(torch.nn, torch.flatten), (torch.randn(2, 1, 8, 8),))
    ours = graph_of(tmp_path, build_net(nn, cr.flatten), cr.randn(2, 1, 8, 8))
    expected = scoped_shapes(theirs.node, aten_only=True)
    assert expected == {("Net/Sequential[features]/Conv2d[0]", ((2, 4, 6, 6),)),
                        ("Net/Sequential[features]/ReLU[1]", ((2, 4, 6, 6),)), ("Net/Linear[fc]", ((2, 10),)),
                        ("Net", ((2, 144),)), ("Net", ((2, 10),))}     # the functional flatten and relu
    assert expected <= scoped_shapes(ours.values())


@requires_torch_tensorboard
def test_the_main_jobs_cnn_has_pytorchs_ops_but_eval_dropout(tmp_path):
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir, "examples"))
    import train_digits
    from torch.utils.tensorboard._pytorch_graph import graph as torch_graph
    from torch_twins import on_torch
    theirs, _ = torch_graph(on_torch(train_digits.DigitsCNN)(), (torch.randn(2, 1, 8, 8),))
    ours = graph_of(tmp_path, train_digits.DigitsCNN(), cr.randn(2, 1, 8, 8))
    missing = scoped_shapes(theirs.node, aten_only=True) - scoped_shapes(ours.values())
    # PyTorch's trace records dropout in eval mode as an op; chainrule's Dropout then returns its input, no op.
    assert missing == {("DigitsCNN/Sequential[classifier]/Dropout[1]", ((2, 256),))}
    assert len(scoped_shapes(theirs.node, aten_only=True)) == 16


class TwoInputs(nn.Module):
    """An embedding of integer tokens plus a float input, and one Linear called twice (shared weights)."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(5, 3)
        self.shared = nn.Linear(3, 3)

    def forward(self, tokens, extra):
        hidden = self.shared(self.embed(tokens).mean(1) + extra)
        return {"logits": self.shared(F.relu(hidden)), "hidden": hidden}


def test_shared_modules_several_inputs_and_dict_outputs(tmp_path):
    model = TwoInputs().train()
    nodes = graph_of(tmp_path, model, (cr.tensor([[1, 2], [3, 4]]), cr.randn(2, 3)))
    assert model.training and not model.shared._forward_hooks and not model._forward_pre_hooks
    assert sorted(n for n in nodes if n.startswith(("input/", "output/"))) == \
        ["input/input.1", "output/output.1", "output/output.2"]     # the integer tokens do not require grad
    shared_calls = [n for n in nodes.values() if n.name.startswith("TwoInputs/Linear[shared]/")
                    and n.op != "AccumulateGrad"]
    assert len(shared_calls) >= 2 and len({n.name for n in shared_calls}) == len(shared_calls)
    assert "TwoInputs/Embedding[embed]/weight" in nodes


def test_a_model_without_a_graph_raises(tmp_path):
    model = nn.Embedding(5, 3).requires_grad_(False)
    with SummaryWriter(str(tmp_path)) as writer, \
            pytest.raises(ValueError, match="no output of Embedding requires grad"):
        writer.add_graph(model, cr.tensor([[1, 2, 3]]))


def test_a_graph_needs_an_example_input(tmp_path):
    with SummaryWriter(str(tmp_path)) as writer, pytest.raises(ValueError, match="input_to_model is needed"):
        writer.add_graph(nn.Linear(2, 2))


def test_verbose_prints_the_nodes(tmp_path, capsys):
    graph_of(tmp_path, nn.Sequential(nn.Linear(2, 2)), cr.randn(1, 2), verbose=True)
    assert "Sequential/Linear[0]/weight (AccumulateGrad)" in capsys.readouterr().out


# ---- ModelStatsLogger ------------------------------------------------------------------------------

def test_model_stats_every_n_steps(tmp_path):
    cr.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    lr, every, steps = 0.05, 5, 12
    optimizer = cr.optim.SGD(model.parameters(), lr=lr)
    x, y = cr.randn(16, 4), cr.randint(0, 3, (16,))
    expected_ratio, logged_weights = {}, {}
    with SummaryWriter(str(tmp_path)) as writer:
        stats = ModelStatsLogger(writer, model, every=every)
        for step in range(steps):
            optimizer.zero_grad()
            F.cross_entropy(model(x), y).backward()
            if step % every == 0:
                for name, p in model.named_parameters():
                    update, weight = lr * p.grad.numpy(), p.detach().numpy()
                    expected_ratio[name, step] = np.linalg.norm(update) / np.linalg.norm(weight)
            optimizer.step()
            stats.log(step)
            logged_weights[step] = {name: p.detach().numpy().astype(float) for name, p in model.named_parameters()}
    events = read_events(tmp_path)
    names = [name for name, _ in model.named_parameters()]
    assert sorted(events.Tags()["histograms"]) == sorted([f"weights/{n}" for n in names] +
                                                         [f"gradients/{n}" for n in names])
    for name, p in model.named_parameters():
        weights, grads = events.Histograms(f"weights/{name}"), events.Histograms(f"gradients/{name}")
        assert [e.step for e in weights] == [e.step for e in grads] == [0, 5, 10]
        assert weights[-1].histogram_value.num == sum(weights[-1].histogram_value.bucket) == p.numel()
        np.testing.assert_allclose(weights[-1].histogram_value.sum, logged_weights[10][name].sum(), rtol=1e-6)
        ratios = events.Scalars(f"update_ratio/{name}")
        assert [e.step for e in ratios] == [5, 10]               # step 0 has no weights from before it
        np.testing.assert_allclose([e.value for e in ratios], [expected_ratio[name, s] for s in (5, 10)], rtol=1e-4)


def test_model_stats_needs_a_positive_interval(tmp_path):
    with SummaryWriter(str(tmp_path)) as writer, pytest.raises(ValueError, match="every should be a number of steps"):
        ModelStatsLogger(writer, nn.Linear(2, 2), every=0)


def test_model_stats_prefix_keeps_two_models_apart(tmp_path):
    generator, critic = nn.Linear(2, 3), nn.Linear(3, 1)
    with SummaryWriter(str(tmp_path)) as writer:
        for prefix, model in (("G.", generator), ("D.", critic)):
            ModelStatsLogger(writer, model, every=1, prefix=prefix).log(0)
    assert sorted(read_events(tmp_path).Tags()["histograms"]) == ["weights/D.bias", "weights/D.weight",
                                                                  "weights/G.bias", "weights/G.weight"]


def test_model_stats_warn_instead_of_failing_on_a_diverged_gradient(tmp_path):
    model = nn.Linear(2, 2)
    model(cr.randn(3, 2)).sum().backward()
    model.weight.grad.fill_(float("nan"))
    with SummaryWriter(str(tmp_path)) as writer, pytest.warns(RuntimeWarning, match="gradients 'weight' is NaN"):
        ModelStatsLogger(writer, model, every=1).log(0)
    assert sorted(read_events(tmp_path).Tags()["histograms"]) == ["gradients/bias", "weights/bias", "weights/weight"]
