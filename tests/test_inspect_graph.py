"""chainrule.inspect.graph: the DOT text of a tiny graph has the nodes and edges autograd recorded, leaves
named by their module path, every node's result shapes and dtypes (those of an op in the middle of the
forward checked against PyTorch's grad_fn._input_metadata) and (after backward) value and gradient
statistics; the walk is reusable on its own; write_graph draws SVG through Graphviz's `dot`, and without
it writes the DOT text and warns how to install Graphviz instead of crashing."""
import re
import shutil

import pytest

from conftest import requires_torch, torch
from torch_twins import first_node_named

import chainrule as cr
import chainrule.nn as nn
from chainrule.inspect import graph, graphviz_available, write_graph
from chainrule.inspect.autograd_walk import walk


def parse_dot(text):
    """({node id: label}, {(from id, to id)}) of DOT text as graph() writes it."""
    labels = {m.group(1): m.group(2).replace("\\n", "\n")
              for m in re.finditer(r'^  (\w+) \[label="((?:[^"\\]|\\.)*)"', text, re.M)}
    edges = set(re.findall(r"^  (\w+) -> (\w+);$", text, re.M))
    return labels, edges


def tiny_model_and_loss(lib=cr):
    lib.manual_seed(0)
    model = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.ReLU(), lib.nn.Linear(4, 2))
    loss = model(lib.randn(5, 3)).sum()
    return model, loss


def test_tiny_graph_has_the_recorded_nodes_and_edges():
    model, loss = tiny_model_and_loss()
    text = graph(loss, params=dict(model.named_parameters()))
    assert text.startswith("digraph autograd {") and text.rstrip().endswith("}")
    labels, edges = parse_dot(text)
    ops = sorted(label for label in labels.values() if "Backward" in label)
    assert ops == ["LinearBackward0\n(5, 2) float32", "LinearBackward0\n(5, 4) float32",
                   "ReluBackward0\n(5, 4) float32", "SumBackward0\n() float32"]   # every op with its result's shape
    by_name = {label.split("\n")[0]: node for node, label in labels.items()}
    for name, p in model.named_parameters():
        assert labels[by_name[name]] == f"{name}\n{tuple(p.shape)} float32"
    assert labels["out0"] == "output\n() float32"
    # the two LinearBackward0 nodes told apart by the weight that feeds each
    linear_of = {target: f"linear {source_name[0]}" for source_name, source in by_name.items()
                 if source_name.endswith("weight") for s, target in edges if s == source}
    named = {node: linear_of.get(node, labels[node].split("\n")[0]) for node in labels}
    assert {(named[s], named[t]) for s, t in edges} == {
        ("0.weight", "linear 0"), ("0.bias", "linear 0"), ("linear 0", "ReluBackward0"),
        ("ReluBackward0", "linear 2"), ("2.weight", "linear 2"), ("2.bias", "linear 2"),
        ("linear 2", "SumBackward0"), ("SumBackward0", "output")}
    assert len(labels) == 4 + 4 + 1 and len(edges) == 8   # each node and edge once


@requires_torch
def test_an_op_in_the_middle_of_the_forward_has_pytorchs_shape_and_dtype():
    model, loss = tiny_model_and_loss()
    labels, _ = parse_dot(graph(loss, params=dict(model.named_parameters())))
    _, torch_loss = tiny_model_and_loss(torch)
    [meta] = first_node_named(torch_loss.grad_fn, "ReluBackward0")._input_metadata
    expected = f"ReluBackward0\n{tuple(meta.shape)} {str(meta.dtype).replace('torch.', '')}"
    assert expected == "ReluBackward0\n(5, 4) float32" and expected in labels.values()


def test_values_and_gradients_after_backward():
    model, loss = tiny_model_and_loss()
    before = graph(loss, params=dict(model.named_parameters()), show_values=True)
    assert "value: mean" in before and "grad:" not in before
    loss.backward()
    labels, _ = parse_dot(graph(loss, params=dict(model.named_parameters()), show_values=True))
    weight = model[0].weight
    label = next(lab for lab in labels.values() if lab.startswith("0.weight"))
    assert f"norm {weight.grad.norm().item():.4g}" in label
    assert f"mean {weight.detach().double().mean().item():.4g}" in label


def test_named_intermediate_tensors_and_several_outputs():
    x = cr.randn(2, 3, requires_grad=True)
    hidden = (x * 2).tanh()
    a, b = hidden.sum(), hidden.exp().mean()
    labels, edges = parse_dot(graph([a, b], params={"x": x, "hidden": hidden}))
    assert labels["out0"].startswith("output 0\n()") and labels["out1"].startswith("output 1\n()")
    assert "TanhBackward0\nhidden\n(2, 3) float32" in labels.values()
    assert "x\n(2, 3) float32" in labels.values()
    assert "ExpBackward0\n(2, 3) float32" in labels.values()   # not named, shape from autograd's record
    tanh = next(n for n, lab in labels.items() if lab.startswith("TanhBackward0"))
    assert sum(1 for source, _ in edges if source == tanh) == 2   # used by both outputs, drawn once


def test_a_leaf_output_and_unnamed_leaves():
    w = cr.randn(3, requires_grad=True)
    labels, edges = parse_dot(graph(w))
    assert labels == {"n0": "AccumulateGrad\n(3,) float32", "out0": "output\n(3,) float32"}
    assert edges == {("n0", "out0")}
    labels, _ = parse_dot(graph(w.double() * 2, show_values=True))    # the leaf's tensor is known unnamed
    assert f"AccumulateGrad\n(3,) float32\nvalue: mean {w.detach().double().mean().item():.4g}" in labels["n2"]
    assert labels["n1"] == "ToCopyBackward0\n(3,) float64"


def test_walk_is_reusable_on_its_own():
    model, loss = tiny_model_and_loss()
    walked = walk(loss, dict(model.named_parameters()))
    names = [node.name for node in walked.nodes]
    assert names[0] == "SumBackward0" and names.count("AccumulateGrad") == 4
    assert walked.nodes[0].outputs == [((), cr.float32)] and walked.nodes[0].variable is None
    parameters = {id(p) for p in model.parameters()}
    assert {id(node.variable) for node in walked.nodes if node.name == "AccumulateGrad"} == parameters
    assert all(node.outputs == [(tuple(node.variable.shape), node.variable.dtype)]
               for node in walked.nodes if node.variable is not None)
    assert walked.roots[0][0] == 0 and walked.roots[0][1] is loss
    leaves = {node.tensors[0][0] for node in walked.nodes if node.tensors}
    assert leaves == {"0.weight", "0.bias", "2.weight", "2.bias"}
    assert all(0 <= s < len(names) and 0 <= t < len(names) for s, t in walked.edges)


def test_bad_inputs_give_clear_errors():
    with pytest.raises(ValueError, match="does not require grad"):
        graph(cr.randn(3))
    with cr.no_grad():
        detached = nn.Linear(2, 2)(cr.randn(1, 2))
    with pytest.raises(ValueError, match="outside no_grad"):
        graph(detached)
    with pytest.raises(TypeError, match=r"params\['w'\] is a list"):
        graph(cr.randn(2, requires_grad=True).sum(), params={"w": [1, 2]})
    with pytest.raises(ValueError, match="cannot write"):
        write_graph("digraph {}", "graph.jpeg2000")


def test_write_dot_text(tmp_path):
    _, loss = tiny_model_and_loss()
    path = write_graph(graph(loss), str(tmp_path / "g.dot"))
    assert open(path).read() == graph(loss)


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed (apt-get install graphviz)")
def test_write_svg_through_graphviz(tmp_path):
    model, loss = tiny_model_and_loss()
    path = write_graph(graph(loss, params=dict(model.named_parameters())), str(tmp_path / "g.svg"))
    svg = open(path).read()
    assert path.endswith("g.svg") and "<svg" in svg and "0.weight" in svg and "LinearBackward0" in svg


def test_without_graphviz_the_dot_text_is_written_and_a_warning_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert not graphviz_available()
    _, loss = tiny_model_and_loss()
    with pytest.warns(UserWarning, match="apt-get install graphviz"):
        path = write_graph(graph(loss), str(tmp_path / "g.png"))
    assert path == str(tmp_path / "g.dot") and open(path).read() == graph(loss)
    assert not (tmp_path / "g.png").exists()
