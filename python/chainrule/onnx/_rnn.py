"""ONNX converters for nn.RNN, nn.LSTM and nn.GRU: one ONNX RNN/LSTM/GRU node per layer (both
directions in one node), the layers chained as torch chains them; and for nn.RNNCell, LSTMCell and
GRUCell: the same op run for one step.

Layouts: ONNX takes X (seq, batch, input) and gives Y (seq, num_directions, batch, hidden), Y_h
(num_directions, batch, hidden). Its weights are W (dirs, gates*hidden, input), R (dirs, gates*hidden,
hidden) and B (dirs, 2*gates*hidden) = [W_b, R_b], with the gates in another order than torch's:
LSTM torch i,f,g,o -> ONNX i,o,f,c; GRU torch r,z,n -> ONNX z,r,h, and torch's GRU applies r after
the hidden matmul and its bias (ONNX linear_before_reset=1). The reordered weights are initializers.
"""
import numpy as np

from chainrule.nn.modules.rnn import RNNBase, RNNCellBase
from chainrule.onnx._graph import UnsupportedOperatorError
from chainrule.onnx._registry import converts_module

_ONNX_OP = {"RNN_TANH": "RNN", "RNN_RELU": "RNN", "LSTM": "LSTM", "GRU": "GRU"}
_GATE_ORDER = {"RNN_TANH": [0], "RNN_RELU": [0], "LSTM": [0, 3, 1, 2], "GRU": [1, 0, 2]}


def _reordered(array, mode):
    """torch's gate blocks (along dim 0) in ONNX's order."""
    blocks = np.split(array, len(_GATE_ORDER[mode]), axis=0)
    return np.concatenate([blocks[i] for i in _GATE_ORDER[mode]], axis=0)


def _weights(g, module, suffixes, hint):
    """The W, R and B initializers for the parameters named weight_ih<suffix>, ..., directions stacked
    (made once per module and layer)."""
    return g.memo((id(module), tuple(suffixes)), lambda: _new_weights(g, module, suffixes, hint))


def _new_weights(g, module, suffixes, hint):
    W, R, B = [], [], []
    for suffix in suffixes:
        def param(name):
            return getattr(module, name + suffix).detach().numpy()
        W.append(_reordered(param("weight_ih"), module.mode))
        R.append(_reordered(param("weight_hh"), module.mode))
        if module.bias:
            B.append(np.concatenate([_reordered(param("bias_ih"), module.mode),
                                     _reordered(param("bias_hh"), module.mode)]))
        else:
            B.append(np.zeros(2 * W[-1].shape[0], dtype=W[-1].dtype))
    prefix = g.module_path[-1] if g.module_path else "rnn"
    return [g.constant(np.stack(arrays), f"{prefix}.{kind}{hint}") for kind, arrays in zip("WRB", (W, R, B))]


def _attributes(module, directions):
    attributes = {"hidden_size": module.hidden_size, "direction": "bidirectional" if directions == 2 else "forward"}
    if module.mode == "GRU":
        attributes["linear_before_reset"] = 1
    elif module.mode != "LSTM":
        attributes["activations"] = ["Tanh" if module.mode == "RNN_TANH" else "Relu"] * directions
    return attributes


def _layer_state(g, state, layer, directions):
    """Rows layer*dirs .. (layer+1)*dirs of an (layers*dirs, batch, hidden) initial state, or '' for zeros."""
    if state is None:
        return ""
    return g.node("Slice", [g.value(state), g.ints([layer * directions]), g.ints([(layer + 1) * directions]),
                            g.ints([0], "axes")])


@converts_module(RNNBase)
def _rnn(g, module, result, input, hx=None):
    if not hasattr(input, "dim") or input.dim() != 3:
        raise UnsupportedOperatorError(f"chainrule.onnx.export: {type(module).__name__} {g.where()} needs a "
                                       "batched 3-D tensor input to export (not a PackedSequence or 2-D input)")
    if getattr(module, "proj_size", 0):
        raise UnsupportedOperatorError(f"chainrule.onnx.export: {type(module).__name__} {g.where()} has "
                                       f"proj_size={module.proj_size}, which ONNX's LSTM node cannot express")
    lstm = module.mode == "LSTM"
    h0, c0 = hx if (lstm and hx is not None) else (hx, None)
    directions = 2 if module.bidirectional else 1
    x = g.value(input)
    if module.batch_first:
        x = g.node("Transpose", [x], perm=[1, 0, 2])
    attributes = _attributes(module, directions)
    finals = [[], []]
    for layer in range(module.num_layers):
        suffixes = [f"_l{layer}", f"_l{layer}_reverse"][:directions]
        inputs = [x] + _weights(g, module, suffixes, f"_l{layer}") + ["", _layer_state(g, h0, layer, directions)]
        if lstm:
            inputs.append(_layer_state(g, c0, layer, directions))
        y, *states = g.node(_ONNX_OP[module.mode], inputs, outputs=3 if lstm else 2, **attributes)
        for final, state in zip(finals, states):
            final.append(state)
        # Y (seq, dirs, batch, hidden) -> (seq, batch, dirs * hidden): the next layer's input
        x = g.node("Reshape", [g.node("Transpose", [y], perm=[0, 2, 1, 3]), g.ints([0, 0, -1])])
    output = g.node("Transpose", [x], perm=[1, 0, 2]) if module.batch_first else x
    joined = [states[0] if len(states) == 1 else g.node("Concat", states, axis=0) for states in finals if states]
    return [output] + joined


@converts_module(RNNCellBase)
def _cell(g, module, result, input, hx=None):
    """One step: input (N, I) as a sequence of length 1; returns h' (and c' for LSTMCell)."""
    if input.dim() != 2:
        raise UnsupportedOperatorError(f"chainrule.onnx.export: {type(module).__name__} {g.where()} needs a "
                                       "batched 2-D input to export")
    lstm = module.mode == "LSTM"
    states = hx if (lstm and hx is not None) else (hx, None)
    axis = g.ints([0], "axes")
    inputs = [g.node("Unsqueeze", [g.value(input), axis])] + _weights(g, module, [""], "") + [""]
    inputs += ["" if state is None else g.node("Unsqueeze", [g.value(state), axis]) for state in states[:1 + lstm]]
    _, *finals = g.node(_ONNX_OP[module.mode], inputs, outputs=3 if lstm else 2, **_attributes(module, 1))
    return [g.node("Squeeze", [final, axis]) for final in finals]
