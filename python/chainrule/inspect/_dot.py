"""chainrule.inspect.graph: the autograd graph that produced a tensor, as Graphviz DOT text (torchviz's make_dot).

    loss = loss_fn(model(x), y)
    dot = graph(loss, params=dict(model.named_parameters()))
    write_graph(dot, "graph.svg")          # through Graphviz's `dot`, when it is installed

Boxes are the ops autograd recorded (grad_fn names, grey), the leaf tensors that get gradients
(AccumulateGrad, blue, labelled with their name in `params` when it is there) and the output
tensor(s) (green); every box shows the shape and dtype of each of its results, as autograd recorded
them. Arrows run the way the values flow forward, so backward() walks them from the output up. Any
other tensor named in `params` (an intermediate result, say) adds its name to the op that made it
(yellow). With show_values=True each box whose tensor is known (leaves, named tensors, outputs)
shows its value's mean, standard deviation, min and max, and after backward() its gradient's mean,
standard deviation and norm (an intermediate has a .grad when retain_grad() was called on it).
"""
import os
import shutil
import subprocess
import warnings

from chainrule.autograd import no_grad
from chainrule.inspect.autograd_walk import walk

COLOURS = {"op": "lightgrey", "leaf": "lightblue", "named": "lightyellow", "output": "darkolivegreen1"}
IMAGE_FORMATS = ("svg", "png", "pdf")
GRAPHVIZ_HINT = ("install Graphviz (Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz; "
                 "conda: conda install graphviz)")


def _quoted(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _statistics(tensor):
    """'value mean ... ' and, when it has one, 'grad mean ...' lines of a tensor."""
    with no_grad():
        value = tensor.detach().double()
        if value.numel() == 0:
            return ["value: empty"]
        lines = [f"value: mean {value.mean().item():.4g} std {value.std(unbiased=False).item():.4g} "
                 f"min {value.min().item():.4g} max {value.max().item():.4g}"]
        if (tensor.is_leaf or tensor.retains_grad) and tensor.grad is not None:  # no non-leaf .grad warning
            grad = tensor.grad.detach().double()
            lines.append(f"grad: mean {grad.mean().item():.4g} std {grad.std(unbiased=False).item():.4g} "
                         f"norm {grad.norm().item():.4g}")
    return lines


def _shape_line(shape, dtype):
    return f"{tuple(shape)} {str(dtype).replace('chainrule.', '')}"


def _node_label(node, show_values):
    """A node's name (a leaf's: its names in params, when it has any), its results' shapes and dtypes, and
    with show_values the statistics of the tensors known for it."""
    names = [name for name, _ in node.tensors]
    title = (names or [node.name]) if node.variable is not None else [node.name] + names
    known = [tensor for _, tensor in node.tensors] or ([node.variable] if node.variable is not None else [])
    lines = title + [_shape_line(shape, dtype) for shape, dtype in node.outputs]
    return lines + [line for tensor in known for line in _statistics(tensor)] if show_values else lines


def _output_label(name, tensor, show_values):
    return [name, _shape_line(tensor.shape, tensor.dtype)] + (_statistics(tensor) if show_values else [])


def graph(tensor, params=None, show_values=False):
    """Graphviz DOT text of the autograd graph that produced `tensor` (or a sequence of tensors).

    params: {name: tensor} labelling the graph's leaves (pass dict(model.named_parameters()));
    show_values: add value and gradient statistics to every box whose tensor is known (leaves, named
    tensors, outputs)."""
    walked = walk(tensor, params)
    lines = ["digraph autograd {",
             '  graph [rankdir=TB, fontname="monospace"];',
             '  node [shape=box, style="filled,rounded", fontname="monospace", fontsize=10];',
             "  edge [arrowsize=0.6];"]
    for node in walked.nodes:
        colour = COLOURS["leaf"] if node.variable is not None else COLOURS["named"] if node.tensors else COLOURS["op"]
        lines.append(f"  n{node.index} [label={_quoted(chr(10).join(_node_label(node, show_values)))}, "
                     f"fillcolor={colour}];")
    for source, target in walked.edges:
        lines.append(f"  n{source} -> n{target};")
    for i, (index, root) in enumerate(walked.roots):
        name = "output" if len(walked.roots) == 1 else f"output {i}"
        lines.append(f"  out{i} [label={_quoted(chr(10).join(_output_label(name, root, show_values)))}, "
                     f"fillcolor={COLOURS['output']}];")
        lines.append(f"  n{index} -> out{i};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def graphviz_available():
    """Whether Graphviz's `dot` program is on the PATH (write_graph needs it for images)."""
    return shutil.which("dot") is not None


def write_graph(dot_source, path, format=None):
    """Writes DOT text as an image (svg, png or pdf, from `format` or the file's extension) through
    Graphviz's `dot`, or as the text itself for a .dot/.gv path. Returns the path written.

    Without Graphviz nothing crashes: the DOT text goes to the same path ending in .dot instead, and a
    warning says so and how to install Graphviz."""
    format = (format or os.path.splitext(path)[1].lstrip(".")).lower()
    if format in ("dot", "gv"):
        with open(path, "w") as f:
            f.write(dot_source)
        return path
    if format not in IMAGE_FORMATS:
        raise ValueError(f"write_graph: cannot write {path!r} as {format!r}; use a path ending in "
                         f"{', '.join('.' + f for f in IMAGE_FORMATS)}, .dot or .gv, or pass format=")
    dot = shutil.which("dot")
    if dot is None:
        text_path = os.path.splitext(path)[0] + ".dot"
        write_graph(dot_source, text_path)
        warnings.warn(f"write_graph: Graphviz's `dot` program is not installed, so {path} was not drawn; the graph's "
                      f"DOT text is in {text_path}. To draw it, {GRAPHVIZ_HINT}, then call write_graph again.",
                      stacklevel=2)
        return text_path
    done = subprocess.run([dot, f"-T{format}", "-o", path], input=dot_source.encode(), capture_output=True,
                          timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"write_graph: Graphviz's dot failed (exit {done.returncode}) writing {path}: "
                           f"{done.stderr.decode(errors='replace').strip()}")
    return path
