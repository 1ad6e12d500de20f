"""RNN, LSTM and GRU layers and their single-step cells, with torch.nn's API, parameter names and layouts.

Parameters are named weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k} (+ "_reverse" for the
backward direction) with the gates stacked along dim 0 in torch's order (LSTM i,f,g,o; GRU r,z,n), so a
torch state_dict loads unchanged. Each layer projects the whole input sequence in one GEMM, then runs the
recurrence as one C++ op per direction (_C._nn.rnn_sequence: per step h W_hh^T and one fused gate kernel; its
backward one reverse sweep and one GEMM for W_hh's gradient). The cells and packed sequences run step by step
with the fused gate ops (_C._nn.rnn_cell_pointwise, lstm_cell_pointwise, gru_cell_pointwise). Everything
differentiates again under create_graph.
"""
import functools
import math
import warnings

from chainrule import _C
from chainrule.amp import cast_policy as _autocast
from chainrule.autograd import Function
from chainrule.nn import functional as F
from chainrule.nn import init
from chainrule.nn.modules.module import Module
from chainrule.nn.modules.linear import _new_weight
from chainrule.nn.utils.rnn import PackedSequence, pad_packed_sequence

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


class _Unbind(Function):
    """x.unbind(dim) whose backward stacks the piece gradients in one op. Recorded views would each scatter
    into a zero tensor of x's whole size (O(L^2) over a sequence). The backward is itself recorded, so
    create_graph differentiates it again."""

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim, ctx.dtype, ctx.device = dim, x.dtype, x.device
        pieces = x.unbind(dim)
        ctx.shapes = [tuple(p.shape) for p in pieces]
        return tuple(pieces)

    @staticmethod
    def backward(ctx, *grads):
        grads = [_C.zeros(shape, dtype=ctx.dtype, device=ctx.device) if g is None else g
                 for g, shape in zip(grads, ctx.shapes)]
        return _C.stack(grads, ctx.dim), None


def _unbind(x, dim):
    """x.unbind(dim), with an O(size) backward."""
    if x.requires_grad and _C.is_grad_enabled():
        return _Unbind.apply(x, dim)
    return tuple(x.unbind(dim))


# One time step of each recurrence. x_proj is W_ih x + b_ih for this step, (N, G*H); h, c are (N, H);
# w_hh is W_hh (G*H, H).

def _hidden_proj(h, w_hh, b_hh):
    """h W_hh^T + b_hh: (N, H) -> (N, G*H), one GEMM with the bias preloaded."""
    return _C._nn.linear(h, w_hh, b_hh)


def _rnn_step(nonlinearity, x_proj, state, w_hh, b_hh):
    return _C._nn.rnn_cell_pointwise(x_proj, _hidden_proj(state, w_hh, b_hh), nonlinearity)


def _lstm_step(x_proj, state, w_hh, b_hh):
    h, c = state
    return _C._nn.lstm_cell_pointwise(x_proj, _hidden_proj(h, w_hh, b_hh), c)


def _projected_lstm_step(w_hr, x_proj, state, w_hh, b_hh):
    h, c = _lstm_step(x_proj, state, w_hh, b_hh)
    return _C._nn.linear(h, w_hr, None), c


def _gru_step(x_proj, h, w_hh, b_hh):
    # b_hh stays with h W_hh^T: the reset gate scales W_hn h + b_hn
    return _C._nn.gru_cell_pointwise(x_proj, _hidden_proj(h, w_hh, b_hh), h)


_STEPS = {"RNN_TANH": functools.partial(_rnn_step, "tanh"), "RNN_RELU": functools.partial(_rnn_step, "relu"),
          "LSTM": _lstm_step, "GRU": _gru_step}


def _first_rows(value, rows):
    """The first `rows` batch rows of a tensor or of each tensor in a tuple (an LSTM state)."""
    return tuple(v[:rows] for v in value) if isinstance(value, tuple) else value[:rows]


def _with_rows(new, old, rows):
    """new for the first `rows` batch rows, old for the rest (sequences of a PackedSequence that are not running)."""
    if isinstance(new, tuple):
        return tuple(_with_rows(n, o, rows) for n, o in zip(new, old))
    return _C.cat([new, old[rows:]], 0)


def _hidden_of(mode, state):
    return state[0] if mode == "LSTM" else state


def _shape_str(shape):
    return "(" + ", ".join(str(s) for s in shape) + ")"


def _reset_uniform(module):
    """Every weight uniform in +-1/sqrt(hidden_size), as torch's; a 0-size cell has only empty weights."""
    bound = 1.0 / math.sqrt(module.hidden_size) if module.hidden_size > 0 else 0.0
    for weight in module.parameters():
        init.uniform_(weight, -bound, bound)


class RNNBase(Module):
    """Shared machinery of RNN, LSTM and GRU: parameters, argument checks and the layer/direction loop."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        if mode not in _GATES:
            raise ValueError(f"Unrecognized RNN mode: {mode}")
        if not isinstance(dropout, (int, float)) or isinstance(dropout, bool) or not 0 <= dropout <= 1:
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an "
                             f"element being zeroed, got {dropout}")
        for name, size in (("input_size", input_size), ("hidden_size", hidden_size)):
            if not isinstance(size, int) or isinstance(size, bool):
                raise TypeError(f"{name} should be of type int, got: {type(size).__name__}")
            if size <= 0:
                raise ValueError(f"{name} must be greater than zero")
        if not isinstance(num_layers, int) or num_layers <= 0:
            raise ValueError(f"num_layers must be an integer greater than zero, got {num_layers}")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                          f"expects num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        num_directions = 2 if bidirectional else 1
        gate_size = _GATES[mode] * hidden_size
        real_hidden_size = proj_size or hidden_size  # the size of h (with proj_size, h = W_hr (o * tanh(c)))
        self._flat_weights_names = []
        for layer in range(num_layers):
            layer_input_size = input_size if layer == 0 else real_hidden_size * num_directions
            for direction in range(num_directions):
                suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
                shapes = {"weight_ih": (gate_size, layer_input_size), "weight_hh": (gate_size, real_hidden_size)}
                if bias:
                    shapes.update(bias_ih=(gate_size,), bias_hh=(gate_size,))
                if proj_size:
                    shapes.update(weight_hr=(proj_size, hidden_size))
                for kind, shape in shapes.items():
                    setattr(self, kind + suffix, _new_weight(*shape, device=device, dtype=dtype))
                    self._flat_weights_names.append(kind + suffix)
        self.reset_parameters()

    def reset_parameters(self):
        _reset_uniform(self)

    def flatten_parameters(self):
        """Does nothing, as on PyTorch's CPU path: the weights are already used in place (cuDNN is what wants
        them in one contiguous buffer)."""

    def _weight_names_per_cell(self):
        """Per layer and direction: the names of [weight_ih, weight_hh(, bias_ih, bias_hh)(, weight_hr)]."""
        per_cell = (4 if self.bias else 2) + (1 if self.proj_size else 0)
        names = self._flat_weights_names
        return [names[i:i + per_cell] for i in range(0, len(names), per_cell)]

    @property
    def all_weights(self):
        """Per layer and direction: [weight_ih, weight_hh(, bias_ih, bias_hh)(, weight_hr)], as torch's."""
        return [[getattr(self, name) for name in cell] for cell in self._weight_names_per_cell()]

    @property
    def _all_weights(self):
        """The weight names per layer and direction, as torch's RNNBase._all_weights (DeepAR and AWD-LSTM's
        init loops read it: `for names in lstm._all_weights: for name in filter(lambda n: "bias" in n, names)`)."""
        return self._weight_names_per_cell()

    @property
    def _flat_weights(self):
        """The weights in torch's order, as RNNBase._flat_weights."""
        return [getattr(self, name) for name in self._flat_weights_names]

    # A pickled RNN (torch.save(model)) carries what PyTorch's RNNBase rebuilds itself from: the weight names
    # per cell (_all_weights) and the weights in order (_flat_weights); chainrule reads its weights by name.
    _TORCH_ONLY_STATE = ("_all_weights", "_flat_weights", "_flat_weight_refs")

    def __getstate__(self):
        state = super().__getstate__()
        state["_all_weights"] = self._all_weights
        state["_flat_weights"] = self._flat_weights
        return state

    def __setstate__(self, state):
        super().__setstate__({key: value for key, value in state.items() if key not in self._TORCH_ONLY_STATE})

    def _cell_weights(self, layer, direction):
        suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
        return [getattr(self, kind + suffix) if (self.bias or kind.startswith("weight")) and
                (self.proj_size or kind != "weight_hr") else None
                for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")]

    def _name(self):
        return type(self).__name__

    def _check_input(self, input):
        if input.dim() not in (2, 3):
            raise ValueError(f"{self._name()}: Expected input to be 2D (L, H_in) or 3D "
                             f"({'N, L' if self.batch_first else 'L, N'}, H_in), got {input.dim()}D tensor of "
                             f"shape {_shape_str(input.shape)}")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"{self._name()}: input.size(-1) must be equal to input_size. "
                               f"Expected {self.input_size}, got {input.shape[-1]}")
        if input.dtype != self.weight_ih_l0.dtype:
            raise RuntimeError(f"{self._name()}: input must have the parameters' dtype {self.weight_ih_l0.dtype}, "
                               f"got {input.dtype}")

    def _check_hidden(self, hx, expected, what, batched):
        if hx.dim() != len(expected):
            kind = "batched 3-D" if batched else "unbatched 2-D"
            raise RuntimeError(f"{self._name()}: For {kind} input, {what} should also be {len(expected)}-D "
                               f"but got {hx.dim()}-D tensor")
        if hx.dtype != self.weight_ih_l0.dtype:
            raise RuntimeError(f"{self._name()}: {what} must have the parameters' dtype {self.weight_ih_l0.dtype}, "
                               f"got {hx.dtype}")
        if tuple(hx.shape) != tuple(expected):
            hint = ""
            if batched and hx.shape[0] == expected[0] and hx.shape[1] != expected[1]:
                hint = (f" (batch size {hx.shape[1]} != input batch size {expected[1]}; "
                        f"batch_first={self.batch_first}, and hx is always (D*num_layers, N, H))")
            raise RuntimeError(f"{self._name()}: Expected {what} of shape {_shape_str(expected)}, "
                               f"got {_shape_str(hx.shape)}{hint}")

    def _initial_state(self, hx, input, batched, batch):
        """hx as a list over layer*direction of per-cell states ((N, H) or LSTM (h, c))."""
        num_states = self.num_layers * (2 if self.bidirectional else 1)
        sizes = (self.proj_size or self.hidden_size, self.hidden_size)  # of h and of the LSTM's c
        expected = [(num_states, batch, size) if batched else (num_states, size) for size in sizes]
        if hx is None:
            zeros = [_C.zeros(shape, dtype=input.dtype, device=input.device) for shape in expected]
            hx = tuple(zeros) if self.mode == "LSTM" else zeros[0]
        if self.mode == "LSTM":
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise RuntimeError("LSTM: hx must be a tuple (h_0, c_0)")
            for state, shape, what in zip(hx, expected, ("h_0", "c_0")):
                self._check_hidden(state, shape, what, batched)
            h0, c0 = (s if batched else s.unsqueeze(1) for s in hx)
            return list(zip(h0.unbind(0), c0.unbind(0)))
        self._check_hidden(hx, expected[0], "hx", batched)
        return list((hx if batched else hx.unsqueeze(1)).unbind(0))

    def _run_direction(self, x, state, weights, reverse, batch_sizes=None):
        """x is (L, N, H_in); returns the outputs (L, N, H) and the final state. The time loop is one C++ op
        (_C._nn.rnn_sequence). With batch_sizes (packed input, longest sequence first) only the first
        batch_sizes[t] rows step at time t and the others keep their state, so the steps run one by one."""
        w_ih, w_hh, b_ih, b_hh, w_hr = weights
        length, batch, features = x.shape
        if self.mode != "GRU" and b_hh is not None:  # both biases sit outside the gate math: add them once
            b_ih, b_hh = b_ih + b_hh, None
        x_proj = F.linear(x.reshape(length * batch, features), w_ih, b_ih).reshape(length, batch, w_ih.shape[0])
        if batch_sizes is None and length > 0 and batch > 0 and w_hr is None:
            h0, c0 = state if self.mode == "LSTM" else (state, None)
            output, *cell = _C._nn.rnn_sequence(self.mode, x_proj, h0, c0, w_hh, b_hh, reverse)
            h_n = output[0 if reverse else length - 1]
            return output, (h_n, cell[0]) if self.mode == "LSTM" else h_n
        return self._run_steps(x_proj, state, w_hh, b_hh, reverse, batch_sizes, w_hr)

    def _run_steps(self, x_proj, state, w_hh, b_hh, reverse, batch_sizes, w_hr=None):
        """The recurrence one recorded step at a time: packed sequences (and empty ones), and LSTMs with
        proj_size (whose h is the projection w_hr (o * tanh(c)))."""
        length, batch = x_proj.shape[:2]
        step = _STEPS[self.mode]
        if w_hr is not None:
            step = functools.partial(_projected_lstm_step, w_hr)
        x_steps = _unbind(x_proj, 0)
        outputs = [None] * length
        for t in (range(length - 1, -1, -1) if reverse else range(length)):
            running = batch if batch_sizes is None else batch_sizes[t]
            if running == batch:
                state = step(x_steps[t], state, w_hh, b_hh)
            else:
                new = step(_first_rows(x_steps[t], running), _first_rows(state, running), w_hh, b_hh)
                state = _with_rows(new, state, running)
            outputs[t] = _hidden_of(self.mode, state)
        return _C.stack(outputs, 0), state

    @_autocast.full_precision  # PyTorch's CPU autocast leaves GRU and the cells in float32
    def forward(self, input, hx=None):
        packed = input if isinstance(input, PackedSequence) else None
        batch_sizes = None
        if packed is not None:  # run on the padded batch, sorted longest first; batch_first does not apply
            input = pad_packed_sequence(PackedSequence(packed.data, packed.batch_sizes))[0]
            batch_sizes = packed.batch_sizes.tolist()
            if hx is not None and packed.sorted_indices is not None:
                hx = tuple(h.index_select(1, packed.sorted_indices) for h in hx) if self.mode == "LSTM" else \
                    hx.index_select(1, packed.sorted_indices)
        self._check_input(input)
        batched = input.dim() == 3
        if not batched:
            input = input.unsqueeze(1)
        elif self.batch_first and packed is None:
            input = input.transpose(0, 1)
        if input.shape[0] == 0:
            raise RuntimeError(f"{self._name()}: Expected sequence length to be larger than 0 in RNN")
        states = self._initial_state(hx, input, batched, input.shape[1])
        num_directions = 2 if self.bidirectional else 1
        layer_input, final_states = input, []
        for layer in range(self.num_layers):
            if layer > 0 and self.dropout > 0 and self.training:
                layer_input = F.dropout(layer_input, self.dropout, True)
            outputs = []
            for direction in range(num_directions):
                index = layer * num_directions + direction
                output, state = self._run_direction(layer_input, states[index], self._cell_weights(layer, direction),
                                                    reverse=direction == 1, batch_sizes=batch_sizes)
                outputs.append(output)
                final_states.append(state)
            layer_input = outputs[0] if num_directions == 1 else _C.cat(outputs, 2)
        output = layer_input
        if self.mode == "LSTM":
            h_n, c_n = (_C.stack([s[i] for s in final_states], 0) for i in (0, 1))
            final = (h_n, c_n) if batched else (h_n.squeeze(1), c_n.squeeze(1))
        else:
            h_n = _C.stack(final_states, 0)
            final = h_n if batched else h_n.squeeze(1)
        if packed is not None:
            if packed.unsorted_indices is not None:
                final = tuple(f.index_select(1, packed.unsorted_indices) for f in final) if self.mode == "LSTM" \
                    else final.index_select(1, packed.unsorted_indices)
            data = _C.cat([output[t][:size] for t, size in enumerate(batch_sizes)], 0)
            return PackedSequence(data, packed.batch_sizes, packed.sorted_indices, packed.unsorted_indices), final
        if not batched:
            output = output.squeeze(1)
        elif self.batch_first:
            output = output.transpose(0, 1)
        return output, final

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh) (or relu, nonlinearity='relu')."""

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None, proj_size=0):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size, num_layers,
                         bias, batch_first, dropout, bidirectional, proj_size, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity  # like torch, not shown by repr


class LSTM(RNNBase):
    """LSTM with gates i,f,g,o; forward(input, (h_0, c_0)=None) -> (output, (h_n, c_n))."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device=device, dtype=dtype)


class GRU(RNNBase):
    """GRU with gates r,z,n; n = tanh(W_in x + b_in + r * (W_hn h + b_hn)), h' = (1 - z) * n + z * h."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, device=None, dtype=None, proj_size=0):  # proj_size: torch's error
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device=device, dtype=dtype)


class RNNCellBase(Module):
    """One time step: weight_ih (G*H, H_in), weight_hh (G*H, H), bias_ih, bias_hh (G*H,)."""

    def __init__(self, mode, input_size, hidden_size, bias, device=None, dtype=None):
        super().__init__()
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        gate_size = _GATES[mode] * hidden_size
        self.weight_ih = _new_weight(gate_size, input_size, device=device, dtype=dtype)
        self.weight_hh = _new_weight(gate_size, hidden_size, device=device, dtype=dtype)
        if bias:
            self.bias_ih = _new_weight(gate_size, device=device, dtype=dtype)
            self.bias_hh = _new_weight(gate_size, device=device, dtype=dtype)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self):
        _reset_uniform(self)

    def _check_state(self, state, what, input):
        expected = tuple(input.shape[:-1]) + (self.hidden_size,)
        if state.dtype != self.weight_ih.dtype:
            raise RuntimeError(f"{type(self).__name__}: {what} must have the parameters' dtype {self.weight_ih.dtype}, "
                               f"got {state.dtype}")
        if tuple(state.shape) != expected:
            raise RuntimeError(f"{type(self).__name__}: Expected {what} of shape {_shape_str(expected)} "
                               f"(input is {_shape_str(input.shape)}), got {_shape_str(state.shape)}")

    @_autocast.full_precision  # PyTorch's CPU autocast leaves GRU and the cells in float32
    def forward(self, input, hx=None):
        name = type(self).__name__
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D (H_in) or 2D (N, H_in), got {input.dim()}D tensor "
                             f"of shape {_shape_str(input.shape)}")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"{name}: input has inconsistent input_size: got {input.shape[-1]} "
                               f"expected {self.input_size}")
        if input.dtype != self.weight_ih.dtype:
            raise RuntimeError(f"{name}: input must have the parameters' dtype {self.weight_ih.dtype}, "
                               f"got {input.dtype}")
        if hx is None:
            zeros = _C.zeros(*input.shape[:-1], self.hidden_size, dtype=input.dtype, device=input.device)
            hx = (zeros, zeros) if self.mode == "LSTM" else zeros
        if self.mode == "LSTM":
            for state, what in zip(hx, ("h_0", "c_0")):
                self._check_state(state, what, input)
        else:
            self._check_state(hx, "hx", input)
        batched = input.dim() == 2
        if not batched:
            input = input.unsqueeze(0)
            hx = tuple(s.unsqueeze(0) for s in hx) if self.mode == "LSTM" else hx.unsqueeze(0)
        x_proj = F.linear(input, self.weight_ih, self.bias_ih)
        out = _STEPS[self.mode](x_proj, hx, self.weight_hh, self.bias_hh)
        if batched:
            return out
        return tuple(s.squeeze(0) for s in out) if self.mode == "LSTM" else out.squeeze(0)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s


class RNNCell(RNNCellBase):
    """h' = tanh(W_ih x + b_ih + W_hh h + b_hh) (or relu)."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size, bias,
                         device=device, dtype=dtype)
        self.nonlinearity = nonlinearity


class LSTMCell(RNNCellBase):
    """One LSTM step: forward(input, (h, c)=None) -> (h', c')."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, bias, device=device, dtype=dtype)


class GRUCell(RNNCellBase):
    """One GRU step: forward(input, h=None) -> h'."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, bias, device=device, dtype=dtype)
