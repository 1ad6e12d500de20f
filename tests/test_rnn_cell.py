"""nn.RNN / LSTM / GRU and their cells against torch.nn: outputs, final states and every gradient over a
grid of options (torch's state_dict copied into ours), unbatched input, gradcheck/gradgradcheck in
float64, dropout between layers, repr, bad input; and nn.utils.rnn.pad_sequence."""
import itertools

import numpy as np
import pytest

import chainrule as cr
import chainrule.nn as nn
from chainrule.autograd import gradcheck, gradgradcheck
from conftest import assert_close, requires_torch, torch

MODES = {"rnn_tanh": ("RNN", {}), "rnn_relu": ("RNN", {"nonlinearity": "relu"}), "lstm": ("LSTM", {}),
         "gru": ("GRU", {})}
INPUT, HIDDEN, LENGTH, BATCH = 3, 4, 5, 2


def _pair(mode, **options):
    """The same layer built by torch and by chainrule, ours loaded from torch's state_dict."""
    cls, extra = MODES[mode]
    theirs = getattr(torch.nn, cls)(INPUT, HIDDEN, **extra, **options)
    ours = getattr(nn, cls)(INPUT, HIDDEN, **extra, **options)
    ours.load_state_dict({k: cr.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    return ours, theirs


def _leaf(array, lib):
    if lib is torch:
        return torch.tensor(array, requires_grad=True)
    return cr.tensor(array).requires_grad_()


def _flat(result):
    """(output, h_n) or (output, (h_n, c_n)) -> a flat list of tensors."""
    output, final = result
    return [output] + (list(final) if isinstance(final, tuple) else [final])


def _run(module, lib, x, states, seeds):
    """Forward, then backward of sum(outputs * seeds); returns outputs and the input/state leaves."""
    x = _leaf(x, lib)
    leaves = [_leaf(s, lib) for s in states]
    hx = None if not leaves else (tuple(leaves) if len(leaves) == 2 else leaves[0])
    outs = _flat(module(x, hx))
    sum((o * (torch.tensor(s) if lib is torch else cr.tensor(s))).sum() for o, s in zip(outs, seeds)).backward()
    return outs, [x] + leaves


def _compare(ours, theirs, x, states, atol=1e-5):
    outs_t, leaves_t = _run(theirs, torch, x, states, seeds := [np.random.randn(*o.shape).astype(np.float32)
                                                                   for o in _flat(theirs(torch.tensor(x), None))])
    outs_o, leaves_o = _run(ours, cr, x, states, seeds)
    for o, t in zip(outs_o, outs_t):
        assert_close(o.detach(), t.detach().numpy(), rtol=1e-4, atol=atol)
    for o, t in zip(leaves_o, leaves_t):
        assert_close(o.grad, t.grad.numpy(), rtol=1e-4, atol=atol)
    params_t = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        assert_close(p.grad, params_t[name].grad.numpy(), rtol=1e-4, atol=atol)


@requires_torch
@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("num_layers,bidirectional,batch_first,bias,with_hx",
                         list(itertools.product([1, 2], [False, True], [False, True], [True, False], [False, True])))
def test_parity_with_torch(mode, num_layers, bidirectional, batch_first, bias, with_hx):
    ours, theirs = _pair(mode, num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first,
                         bias=bias)
    x = np.random.randn(*((BATCH, LENGTH) if batch_first else (LENGTH, BATCH)), INPUT).astype(np.float32)
    state_shape = (num_layers * (2 if bidirectional else 1), BATCH, HIDDEN)
    states = [np.random.randn(*state_shape).astype(np.float32)
              for _ in range(2 if mode == "lstm" else 1)] if with_hx else []
    _compare(ours, theirs, x, states)


@requires_torch
@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("with_hx", [False, True])
def test_unbatched_input(mode, with_hx):
    ours, theirs = _pair(mode, num_layers=2, bidirectional=True)
    x = np.random.randn(LENGTH, INPUT).astype(np.float32)
    states = [np.random.randn(4, HIDDEN).astype(np.float32) for _ in range(2 if mode == "lstm" else 1)]
    _compare(ours, theirs, x, states if with_hx else [])


@requires_torch
@pytest.mark.parametrize("mode", list(MODES))
def test_state_dict_keys_shapes_and_repr(mode):
    options = dict(num_layers=2, bidirectional=True, batch_first=True, bias=False, dropout=0.25)
    ours, theirs = _pair(mode, **options)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert tuple(p.shape) == tuple(q.shape), name
    assert repr(ours) == repr(theirs)
    plain_ours, plain_theirs = _pair(mode)
    assert repr(plain_ours) == repr(plain_theirs)
    assert len(ours.all_weights) == 4 and len(ours.all_weights[0]) == 2


@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
def test_init_is_uniform_in_one_over_sqrt_hidden(cls):
    bound = 1 / np.sqrt(16)
    for p in getattr(nn, cls)(8, 16, num_layers=2).parameters():
        values = p.detach().numpy()
        assert np.abs(values).max() <= bound and np.abs(values).max() > 0.8 * bound and values.std() > 0.1 * bound


CELLS = {"rnn_tanh": ("RNNCell", {}), "rnn_relu": ("RNNCell", {"nonlinearity": "relu"}), "lstm": ("LSTMCell", {}),
         "gru": ("GRUCell", {})}


@requires_torch
@pytest.mark.parametrize("mode", list(CELLS))
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("batched,with_hx", [(True, True), (True, False), (False, True), (False, False)])
def test_cells_match_torch(mode, bias, batched, with_hx):
    cls, extra = CELLS[mode]
    theirs = getattr(torch.nn, cls)(INPUT, HIDDEN, bias=bias, **extra)
    ours = getattr(nn, cls)(INPUT, HIDDEN, bias=bias, **extra)
    ours.load_state_dict({k: cr.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    assert list(ours.state_dict()) == list(theirs.state_dict()) and repr(ours) == repr(theirs)
    lead = (BATCH,) if batched else ()
    x = np.random.randn(*lead, INPUT).astype(np.float32)
    states = [np.random.randn(*lead, HIDDEN).astype(np.float32) for _ in range(2 if mode == "lstm" else 1)]

    def run(module, lib):
        leaves = [_leaf(a, lib) for a in [x] + (states if with_hx else [])]
        hx = None if not with_hx else (tuple(leaves[1:]) if mode == "lstm" else leaves[1])
        out = module(leaves[0], hx)
        outs = list(out) if isinstance(out, tuple) else [out]
        sum((o * o).sum() for o in outs).backward()
        return outs, leaves

    outs_t, leaves_t = run(theirs, torch)
    outs_o, leaves_o = run(ours, cr)
    for o, t in zip(outs_o + [v.grad for v in leaves_o], outs_t + [v.grad for v in leaves_t]):
        assert_close(o.detach(), t.detach().numpy(), rtol=1e-4, atol=1e-5)
    params_t = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        assert_close(p.grad, params_t[name].grad.numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("mode", list(MODES))
def test_gradcheck_and_gradgradcheck_float64(mode):
    cls, extra = MODES[mode]
    module = getattr(nn, cls)(2, 2, num_layers=2, bidirectional=True, **extra).double()
    x = cr.randn(3, 1, 2, dtype=cr.float64).requires_grad_()
    states = [cr.randn(4, 1, 2, dtype=cr.float64).requires_grad_() for _ in range(2 if mode == "lstm" else 1)]
    params = [module.weight_ih_l1, module.weight_hh_l0_reverse, module.bias_hh_l0]

    def fn(x, *rest):
        hx = tuple(rest[:2]) if mode == "lstm" else rest[0]
        return tuple(_flat(module(x, hx)))

    assert gradcheck(fn, (x, *states, *params))
    assert gradgradcheck(fn, (x, *states))


@pytest.mark.parametrize("cls", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cell_gradcheck_float64(cls):
    cell = getattr(nn, cls)(2, 3).double()
    x = cr.randn(2, 2, dtype=cr.float64).requires_grad_()
    assert gradcheck(lambda x, w, b: cell(x), (x, cell.weight_hh, cell.bias_ih))
    assert gradgradcheck(lambda x: cell(x), (x,))


@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
def test_dropout_between_layers(cls):
    x = cr.randn(6, 3, INPUT)
    with_p = getattr(nn, cls)(INPUT, HIDDEN, num_layers=2, dropout=0.0)
    assert_close(with_p(x)[0].detach(), with_p.eval()(x)[0].detach().numpy())
    module = getattr(nn, cls)(INPUT, HIDDEN, num_layers=2, dropout=0.9)
    module.eval()
    eval_out = module(x)[0].detach().numpy()
    assert_close(module(x)[0].detach(), eval_out)  # eval ignores dropout: deterministic
    module.train()
    train_outs = [module(x)[0].detach().numpy() for _ in range(4)]
    assert not np.allclose(train_outs[0], train_outs[1])  # random masks differ between calls
    assert all(not np.allclose(o, eval_out) for o in train_outs)
    # With p=1 the second layer sees only zeros, so its output is the same for every sequence in the batch.
    out = getattr(nn, cls)(INPUT, HIDDEN, num_layers=2, dropout=1.0)(x)[0].detach().numpy()
    assert np.allclose(out[:, 0], out[:, 1])


@requires_torch
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_pad_sequence_matches_torch(batch_first, padding_side):
    arrays = [np.random.randn(n, 2, 3).astype(np.float32) for n in (3, 5, 1)]
    ours = nn.utils.rnn.pad_sequence([cr.tensor(a) for a in arrays], batch_first=batch_first, padding_value=-1.5,
                                     padding_side=padding_side)
    theirs = torch.nn.utils.rnn.pad_sequence([torch.tensor(a) for a in arrays], batch_first=batch_first,
                                             padding_value=-1.5, padding_side=padding_side)
    assert_close(ours, theirs.numpy())


def test_pad_sequence_gradient_flows_and_bad_input():
    a = cr.randn(2, 3).requires_grad_()
    nn.utils.rnn.pad_sequence([a, cr.randn(4, 3)]).sum().backward()
    assert_close(a.grad, np.ones((2, 3), np.float32))
    with pytest.raises(RuntimeError, match="pad_sequence: .*sequence 1 has shape \\(2, 4\\)"):
        nn.utils.rnn.pad_sequence([cr.randn(2, 3), cr.randn(2, 4)])
    with pytest.raises(ValueError, match="padding_side"):
        nn.utils.rnn.pad_sequence([a], padding_side="middle")


def test_bad_input_messages():
    lstm = nn.LSTM(3, 4, num_layers=2)
    with pytest.raises(ValueError, match="LSTM: Expected input to be 2D .* got 4D"):
        lstm(cr.randn(1, 2, 3, 3))
    with pytest.raises(RuntimeError, match="LSTM: input.size\\(-1\\) must be equal to input_size. Expected 3, got 5"):
        lstm(cr.randn(5, 2, 5))
    with pytest.raises(RuntimeError, match="LSTM: Expected h_0 of shape \\(2, 2, 4\\), got \\(2, 5, 4\\).*batch"):
        lstm(cr.randn(5, 2, 3), (cr.randn(2, 5, 4), cr.randn(2, 2, 4)))
    with pytest.raises(RuntimeError, match="LSTM: Expected c_0 of shape \\(2, 2, 4\\), got \\(1, 2, 4\\)"):
        lstm(cr.randn(5, 2, 3), (cr.randn(2, 2, 4), cr.randn(1, 2, 4)))
    with pytest.raises(RuntimeError, match="LSTM: hx must be a tuple"):
        lstm(cr.randn(5, 2, 3), cr.randn(2, 2, 4))
    gru = nn.GRU(3, 4, batch_first=True)
    wrong_batch = "GRU: Expected hx of shape \\(1, 2, 4\\), got \\(1, 5, 4\\).*batch_first=True"
    with pytest.raises(RuntimeError, match=wrong_batch):
        gru(cr.randn(2, 5, 3), cr.randn(1, 5, 4))  # hx laid out batch-first by mistake is caught by its batch size
    with pytest.raises(RuntimeError, match="GRU: For batched 3-D input, hx should also be 3-D but got 2-D"):
        gru(cr.randn(2, 5, 3), cr.randn(1, 4))
    with pytest.raises(RuntimeError, match="RNN: For unbatched 2-D input, hx should also be 2-D but got 3-D"):
        nn.RNN(3, 4)(cr.randn(5, 3), cr.randn(1, 1, 4))
    with pytest.raises(RuntimeError, match="GRU: input must have the parameters' dtype chainrule.float64"):
        nn.GRU(3, 4).double()(cr.randn(5, 2, 3))
    with pytest.raises(RuntimeError, match="RNN: hx must have the parameters' dtype chainrule.float32"):
        nn.RNN(3, 4)(cr.randn(5, 2, 3), cr.randn(1, 2, 4, dtype=cr.float64))
    with pytest.raises(RuntimeError, match="LSTMCell: c_0 must have the parameters' dtype"):
        nn.LSTMCell(3, 4)(cr.randn(2, 3), (cr.randn(2, 4), cr.randn(2, 4, dtype=cr.float64)))
    with pytest.raises(RuntimeError, match="GRUCell: input must have the parameters' dtype"):
        nn.GRUCell(3, 4)(cr.randn(2, 3, dtype=cr.float64))
    with pytest.raises(ValueError, match="proj_size has to be smaller than hidden_size"):
        nn.LSTM(3, 4, proj_size=4)
    with pytest.raises(ValueError, match="proj_size should be a positive integer or zero"):
        nn.LSTM(3, 4, proj_size=-1)
    for make in (lambda: nn.modules.rnn.RNNBase("GRU", 3, 4, proj_size=2), lambda: nn.GRU(3, 4, proj_size=2),
                 lambda: nn.RNN(3, 4, proj_size=2)):
        with pytest.raises(ValueError, match="proj_size argument is only supported for LSTM, not RNN or GRU"):
            make()
    with pytest.raises(RuntimeError, match="LSTM: Expected h_0 of shape \\(1, 2, 2\\), got \\(1, 2, 4\\)"):
        nn.LSTM(3, 4, proj_size=2)(cr.randn(5, 2, 3), (cr.zeros(1, 2, 4), cr.zeros(1, 2, 4)))
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="dropout"):
        nn.GRU(3, 4, dropout=1.5)
    with pytest.raises(ValueError, match="GRUCell: Expected input to be 1D"):
        nn.GRUCell(3, 4)(cr.randn(1, 2, 3))
    with pytest.raises(RuntimeError, match="LSTMCell: input has inconsistent input_size: got 2 expected 3"):
        nn.LSTMCell(3, 4)(cr.randn(2, 2))
    with pytest.raises(RuntimeError, match="RNNCell: Expected hx of shape \\(2, 4\\)"):
        nn.RNNCell(3, 4)(cr.randn(2, 3), cr.randn(3, 4))


def test_fused_lstm_cell_pointwise_gradients_and_bad_input():
    lstm_pointwise = cr._C._nn.lstm_cell_pointwise
    x_gates, h_gates = (cr.randn(3, 8, dtype=cr.float64).requires_grad_() for _ in range(2))
    c_prev = cr.randn(3, 2, dtype=cr.float64).requires_grad_()
    args = (x_gates, h_gates, c_prev)
    assert gradcheck(lstm_pointwise, args)
    assert gradgradcheck(lstm_pointwise, args)  # the create_graph path uses recorded ops
    assert gradcheck(lambda x, h, c: lstm_pointwise(x.t(), h, c),
                     (cr.randn(8, 3, dtype=cr.float64).requires_grad_(), h_gates, c_prev))  # non-contiguous
    h, c = lstm_pointwise(*args)  # both outputs of the one node as roots of autograd.grad
    grads = cr.autograd.grad([h, c], list(args), grad_outputs=[cr.ones(3, 2, dtype=cr.float64)] * 2)
    h2, c2 = lstm_pointwise(*args)
    expected = cr.autograd.grad(h2.sum() + c2.sum(), list(args))
    for g, e in zip(grads, expected):
        assert_close(g, e.numpy())
    with pytest.raises(ValueError, match=r"lstm_cell_pointwise: expected h_gates of shape \(N, 4\*H\) for a state "
                                         r"\(N, H\) = \(3, 2\), got \(3, 6\)"):
        lstm_pointwise(cr.randn(3, 8), cr.randn(3, 6), cr.randn(3, 2))
    with pytest.raises(ValueError, match="lstm_cell_pointwise: expected x_gates"):
        lstm_pointwise(cr.randn(8), cr.randn(3, 8), cr.randn(3, 2))
    with pytest.raises(TypeError, match="lstm_cell_pointwise"):
        lstm_pointwise(cr.randn(3, 8), cr.randn(3, 8), cr.randn(3, 2, dtype=cr.float64))


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def test_fused_gru_cell_pointwise_matches_formulas_and_gradchecks():
    gru_pointwise = cr._C._nn.gru_cell_pointwise
    x_gates, h_gates = (cr.randn(3, 6, dtype=cr.float64).requires_grad_() for _ in range(2))
    h_prev = cr.randn(3, 2, dtype=cr.float64).requires_grad_()
    xg, hg, hp = x_gates.detach().numpy(), h_gates.detach().numpy(), h_prev.detach().numpy()
    reset, update = _sigmoid(xg[:, :2] + hg[:, :2]), _sigmoid(xg[:, 2:4] + hg[:, 2:4])
    candidate = np.tanh(xg[:, 4:] + reset * hg[:, 4:])
    assert_close(gru_pointwise(x_gates, h_gates, h_prev).detach(), (1 - update) * candidate + update * hp)
    assert gradcheck(gru_pointwise, (x_gates, h_gates, h_prev))
    assert gradgradcheck(gru_pointwise, (x_gates, h_gates, h_prev))  # the create_graph path uses recorded ops
    assert gradcheck(lambda x, h, p: gru_pointwise(x.t(), h, p),
                     (cr.randn(6, 3, dtype=cr.float64).requires_grad_(), h_gates, h_prev))  # non-contiguous
    with pytest.raises(ValueError, match=r"gru_cell_pointwise: expected h_gates of shape \(N, 3\*H\)"):
        gru_pointwise(cr.randn(3, 6), cr.randn(3, 4), cr.randn(3, 2))
    with pytest.raises(TypeError, match="gru_cell_pointwise: expected x_gates and the state of one floating dtype"):
        gru_pointwise(cr.randn(3, 6), cr.randn(3, 6), cr.randn(3, 2, dtype=cr.float64))


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_fused_rnn_cell_pointwise_matches_formulas_and_gradchecks(nonlinearity):
    rnn_pointwise = cr._C._nn.rnn_cell_pointwise
    x_proj, h_proj = (cr.randn(3, 4, dtype=cr.float64).requires_grad_() for _ in range(2))
    pre = x_proj.detach().numpy() + h_proj.detach().numpy()
    assert_close(rnn_pointwise(x_proj, h_proj, nonlinearity).detach(), np.tanh(pre) if nonlinearity == "tanh"
                 else np.maximum(pre, 0))
    assert gradcheck(lambda x, h: rnn_pointwise(x, h, nonlinearity), (x_proj, h_proj))
    assert gradgradcheck(lambda x, h: rnn_pointwise(x, h, nonlinearity), (x_proj, h_proj))
    with pytest.raises(ValueError, match=r"rnn_cell_pointwise: expected x_proj of shape \(N, H\) for a state"):
        rnn_pointwise(cr.randn(3, 5), cr.randn(3, 4), nonlinearity)
    with pytest.raises(ValueError, match="rnn_cell_pointwise: unknown nonlinearity 'gelu'"):
        rnn_pointwise(x_proj, h_proj, "gelu")


_SEQUENCE_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


def _sequence_inputs(mode, length=4, batch=3, hidden=2):
    gates = _SEQUENCE_GATES[mode]

    def make(*shape):
        return cr.randn(*shape, dtype=cr.float64).requires_grad_()
    return [make(length, batch, gates * hidden), make(batch, hidden), make(batch, hidden) if mode == "LSTM" else None,
            make(gates * hidden, hidden), make(gates * hidden) if mode == "GRU" else None]


@pytest.mark.parametrize("mode", list(_SEQUENCE_GATES))
@pytest.mark.parametrize("reverse", [False, True])
def test_rnn_sequence_equals_its_steps_and_gradchecks(mode, reverse):
    sequence = cr._C._nn.rnn_sequence
    inputs = _sequence_inputs(mode)
    present = [i for i, t in enumerate(inputs) if t is not None]

    def run(*tensors):
        args = list(inputs)
        for i, t in zip(present, tensors):
            args[i] = t
        return tuple(sequence(mode, *args, reverse))
    x_proj, h0, c0, w_hh, b_hh = inputs
    outputs = run(*[inputs[i] for i in present])
    h, c = h0, c0  # the same recurrence through the per-step fused ops
    for t in (range(3, -1, -1) if reverse else range(4)):
        h_gates = h.matmul(w_hh.t()) + (0 if b_hh is None else b_hh)
        if mode == "LSTM":
            h, c = cr._C._nn.lstm_cell_pointwise(x_proj[t], h_gates, c)
        elif mode == "GRU":
            h = cr._C._nn.gru_cell_pointwise(x_proj[t], h_gates, h)
        else:
            h = cr._C._nn.rnn_cell_pointwise(x_proj[t], h_gates, "relu" if mode == "RNN_RELU" else "tanh")
        assert_close(outputs[0][t].detach(), h.detach().numpy(), rtol=1e-12, atol=1e-12)
    if mode == "LSTM":
        assert_close(outputs[1].detach(), c.detach().numpy(), rtol=1e-12, atol=1e-12)
    args = tuple(inputs[i] for i in present)
    assert gradcheck(run, args)
    assert gradgradcheck(run, args)  # create_graph replays the steps as recorded ops


def test_rnn_sequence_bad_input():
    sequence = cr._C._nn.rnn_sequence
    x_proj, h0, c0, w_hh, _ = (t.detach() if t is not None else None for t in _sequence_inputs("LSTM"))
    with pytest.raises(ValueError, match=r"rnn_sequence: with 4 gates and h0 \(3, 2\) = \(N, H\), expected "
                                         r"x_proj \(L, N, 8\) and w_hh \(8, 2\), got \(4, 3, 8\) and \(6, 2\)"):
        sequence("LSTM", x_proj, h0, c0, w_hh[:6], None)
    with pytest.raises(ValueError, match="rnn_sequence: c0 is required for LSTM and only for LSTM"):
        sequence("LSTM", x_proj, h0, None, w_hh, None)
    with pytest.raises(ValueError, match="rnn_sequence: expected x_proj \\(L, N, G\\*H\\)"):
        sequence("LSTM", x_proj[0], h0, c0, w_hh, None)
    with pytest.raises(ValueError, match="rnn_sequence: unknown mode 'SRU'"):
        sequence("SRU", x_proj, h0, c0, w_hh, None)
    with pytest.raises(TypeError, match="rnn_sequence: expected every tensor to be a float64"):
        sequence("LSTM", x_proj, h0, c0, w_hh.float(), None)


def test_dropout_with_one_layer_warns_like_torch():
    with pytest.warns(UserWarning, match="dropout"):
        nn.GRU(3, 4, dropout=0.5)


@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
def test_empty_batch(cls):
    output, final = getattr(nn, cls)(3, 4, num_layers=2, bidirectional=True)(cr.randn(5, 0, 3))
    assert tuple(output.shape) == (5, 0, 8)
    assert tuple((final[0] if cls == "LSTM" else final).shape) == (4, 0, 4)


@requires_torch
@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("enforce_sorted,lengths", [(True, [5, 3, 3, 1]), (False, [2, 5, 1, 3])])
@pytest.mark.parametrize("with_hx", [False, True])
def test_packed_sequence_matches_torch(mode, enforce_sorted, lengths, with_hx):
    ours, theirs = _pair(mode, num_layers=2, bidirectional=True)
    x = np.random.randn(5, 4, INPUT).astype(np.float32)
    states = [np.random.randn(4, 4, HIDDEN).astype(np.float32) for _ in range(2 if mode == "lstm" else 1)]
    seeds = None

    def run(module, lib, pack):
        nonlocal seeds
        leaves = [_leaf(a, lib) for a in [x] + (states if with_hx else [])]
        hx = None if not with_hx else (tuple(leaves[1:]) if mode == "lstm" else leaves[1])
        output, final = module(pack(leaves[0], lengths, enforce_sorted=enforce_sorted), hx)
        outs = [output.data] + (list(final) if isinstance(final, tuple) else [final])
        seeds = seeds or [np.random.randn(*o.shape).astype(np.float32) for o in outs]
        sum((o * (torch.tensor(s) if lib is torch else cr.tensor(s))).sum() for o, s in zip(outs, seeds)).backward()
        return outs, leaves

    outs_t, leaves_t = run(theirs, torch, torch.nn.utils.rnn.pack_padded_sequence)
    outs_o, leaves_o = run(ours, cr, nn.utils.rnn.pack_padded_sequence)
    for o, t in zip(outs_o + [v.grad for v in leaves_o], outs_t + [v.grad for v in leaves_t]):
        assert_close(o.detach(), t.detach().numpy(), rtol=1e-4, atol=1e-5)
    params_t = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        assert_close(p.grad, params_t[name].grad.numpy(), rtol=1e-4, atol=1e-5)


@requires_torch
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("enforce_sorted", [False, True])
def test_pack_and_pad_packed_match_torch(batch_first, enforce_sorted):
    x = np.random.randn(3, 6, 2).astype(np.float32) if batch_first else np.random.randn(6, 3, 2).astype(np.float32)
    lengths = [6, 4, 1] if enforce_sorted else [4, 6, 1]
    ours = nn.utils.rnn.pack_padded_sequence(cr.tensor(x), lengths, batch_first, enforce_sorted)
    theirs = torch.nn.utils.rnn.pack_padded_sequence(torch.tensor(x), lengths, batch_first, enforce_sorted)
    assert_close(ours.data, theirs.data.numpy())
    assert ours.batch_sizes.tolist() == theirs.batch_sizes.tolist()
    for a, b in [(ours.sorted_indices, theirs.sorted_indices), (ours.unsorted_indices, theirs.unsorted_indices)]:
        assert (a is None) == (b is None) and (a is None or a.tolist() == b.tolist())
    padded, lens = nn.utils.rnn.pad_packed_sequence(ours, batch_first, -2.0, total_length=8)
    padded_t, lens_t = torch.nn.utils.rnn.pad_packed_sequence(theirs, batch_first, -2.0, total_length=8)
    assert_close(padded, padded_t.numpy())
    assert lens.tolist() == lens_t.tolist()
    seqs = [np.random.randn(n, 2).astype(np.float32) for n in (2, 5, 3)]
    packed = nn.utils.rnn.pack_sequence([cr.tensor(s) for s in seqs], enforce_sorted=False)
    packed_t = torch.nn.utils.rnn.pack_sequence([torch.tensor(s) for s in seqs], enforce_sorted=False)
    assert_close(packed.data, packed_t.data.numpy())


def test_packing_bad_input():
    with pytest.raises(RuntimeError, match="must be sorted in decreasing order"):
        nn.utils.rnn.pack_padded_sequence(cr.randn(4, 2, 3), [2, 3])
    with pytest.raises(ValueError, match="pack_padded_sequence: got 3 lengths for a batch of 2"):
        nn.utils.rnn.pack_padded_sequence(cr.randn(4, 2, 3), [3, 2, 1])
    with pytest.raises(RuntimeError, match="pack_padded_sequence: every length must be in \\[1, 4\\]"):
        nn.utils.rnn.pack_padded_sequence(cr.randn(4, 2, 3), [5, 2])
    packed = nn.utils.rnn.pack_padded_sequence(cr.randn(4, 2, 3), [4, 2])
    with pytest.raises(ValueError, match="total_length"):
        nn.utils.rnn.pad_packed_sequence(packed, total_length=3)


@requires_torch
@pytest.mark.parametrize("batch_first", [False, True])
def test_unpad_and_unpack_sequence_match_torch(batch_first):
    seqs = [np.random.randn(n, 2).astype(np.float32) for n in (2, 5, 3)]
    padded = nn.utils.rnn.pad_sequence([cr.tensor(s) for s in seqs], batch_first=batch_first)
    padded_t = torch.nn.utils.rnn.pad_sequence([torch.tensor(s) for s in seqs], batch_first=batch_first)
    before = padded.numpy().copy()
    ours = nn.utils.rnn.unpad_sequence(padded, cr.tensor([2, 5, 3]), batch_first=batch_first)
    theirs = torch.nn.utils.rnn.unpad_sequence(padded_t, torch.tensor([2, 5, 3]), batch_first=batch_first)
    assert len(ours) == len(theirs) == 3
    for o, t, s in zip(ours, theirs, seqs):
        assert_close(o, t.numpy())
        assert_close(o, s)
    np.testing.assert_array_equal(padded.numpy(), before)  # the input is left as it was
    packed = nn.utils.rnn.pack_sequence([cr.tensor(s) for s in seqs], enforce_sorted=False)
    packed_t = torch.nn.utils.rnn.pack_sequence([torch.tensor(s) for s in seqs], enforce_sorted=False)
    for o, t in zip(nn.utils.rnn.unpack_sequence(packed), torch.nn.utils.rnn.unpack_sequence(packed_t)):
        assert_close(o, t.numpy())
    with pytest.raises(ValueError):
        torch.nn.utils.rnn.unpad_sequence(torch.zeros(2, 4), torch.tensor([4, 1, 2]), batch_first=True)


def test_unpad_sequence_keeps_gradients_and_rejects_a_length_count_mismatch():
    padded = cr.randn(2, 4, 3, requires_grad=True)
    first, second = nn.utils.rnn.unpad_sequence(padded, [4, 1], batch_first=True)
    (first.sum() + 2 * second.sum()).backward()
    expected = np.zeros((2, 4, 3), np.float32)
    expected[0] = 1
    expected[1, 0] = 2
    assert_close(padded.grad, expected)
    with pytest.raises(ValueError, match="unpad_sequence: got 3 lengths for a batch of 2"):  # PyTorch: ValueError
        nn.utils.rnn.unpad_sequence(cr.zeros(2, 4), [4, 1, 2], batch_first=True)


@requires_torch
@pytest.mark.parametrize("options", [{}, {"num_layers": 2, "bidirectional": True}, {"batch_first": True, "bias": False}])
@pytest.mark.parametrize("packed", [False, True])
def test_lstm_with_proj_size_matches_torch(options, packed):
    """h = W_hr (o * tanh(c)): outputs, final states and every gradient against torch's, with torch's
    parameter names and shapes (weight_hh (4H, P), weight_hr (P, H)) and repr."""
    theirs = torch.nn.LSTM(INPUT, HIDDEN, proj_size=2, **options)
    ours = nn.LSTM(INPUT, HIDDEN, proj_size=2, **options)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    assert repr(ours) == repr(theirs) and len(ours.all_weights[0]) == len(theirs.all_weights[0])
    ours.load_state_dict({k: cr.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    layers = 2 * options.get("num_layers", 1) if options.get("bidirectional") else options.get("num_layers", 1)
    x = np.random.randn(3, 5, INPUT).astype(np.float32) if options.get("batch_first") else \
        np.random.randn(5, 3, INPUT).astype(np.float32)
    h0, c0 = np.random.randn(layers, 3, 2).astype(np.float32), np.random.randn(layers, 3, HIDDEN).astype(np.float32)
    results = []
    for lib, module in ((cr, ours), (torch, theirs)):
        leaves = [_leaf(a, lib) for a in (x, h0, c0)]
        inp = leaves[0]
        if packed:
            inp = lib.nn.utils.rnn.pack_padded_sequence(inp, [5, 3, 2], batch_first=bool(options.get("batch_first")),
                                                        enforce_sorted=False)
        output, (h_n, c_n) = module(inp, (leaves[1], leaves[2]))
        output = output.data if packed else output
        (output.sum() + (h_n * 2).sum() + (c_n * 3).sum()).backward()
        results.append([t.detach().numpy() for t in (output, h_n, c_n)] +
                       [leaf.grad.numpy() for leaf in leaves] + [p.grad.numpy() for p in module.parameters()])
    for o, t in zip(*results):
        assert_close(o, t, rtol=1e-4, atol=1e-5)
