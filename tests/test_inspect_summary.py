"""chainrule.inspect.summary against torchinfo 1.8.0: the same model built in PyTorch (the example's own
code run on torch.nn, the same state_dict loaded) gives the same rows (output shapes, parameter counts,
multiply-adds) and totals. Also: the table, the measured times, optimizer memory, the model left as it
was, hooks removed after success and failure, and clear errors for bad arguments."""
import os
import sys

import pytest

import chainrule as cr
import chainrule.nn as nn
from chainrule.inspect import summary
from conftest import requires_torch, torch
from torch_twins import to_torch, twins

try:
    import torchinfo
except ImportError:
    torchinfo = None

requires_torchinfo = pytest.mark.skipif(
    torch is None or torchinfo is None,
    reason="the oracle is missing: torchinfo on PyTorch (pip install torch==2.13.0 torchinfo==1.8.0)")

sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir, "examples"))
import gan_digits  # noqa: E402
import mlp_digits  # noqa: E402
import sequence_digits  # noqa: E402
import train_digits  # noqa: E402


def rows(stats):
    return [(r.class_name, r.depth, r.depth_index, r.is_recursive, r.output_size, r.num_params, r.trainable_params,
             r.macs, r.output_bytes) for r in stats.summary_list]


def assert_same_as_torchinfo(ours, theirs, **kwargs):
    """Both summaries of the twins, compared row by row and total by total; returns ours."""
    theirs_kwargs = {name: to_torch(value) for name, value in kwargs.items()}
    if "dtypes" in kwargs:
        theirs_kwargs["dtypes"] = [getattr(torch, str(d).split(".")[-1]) for d in kwargs["dtypes"]]
    expected = torchinfo.summary(theirs, verbose=0, **theirs_kwargs)
    got = summary(ours, verbose=0, **kwargs)
    assert rows(got) == rows(expected)
    for total in ("total_params", "trainable_params", "total_mult_adds", "total_output_bytes", "total_param_bytes"):
        assert getattr(got, total) == getattr(expected, total), total
    return got


# ---- the example models -------------------------------------------------------------------------------

EXAMPLES = {
    "mlp": (mlp_digits.make_mlp, (), (32, 1, 8, 8)),
    "digits_cnn": (train_digits.DigitsCNN, (), (32, 1, 8, 8)),
    "gru": (sequence_digits.RowReader, ("gru",), (32, 1, 8, 8)),
    "lstm": (sequence_digits.RowReader, ("lstm",), (32, 1, 8, 8)),
    "rnn": (sequence_digits.RowReader, ("rnn",), (32, 1, 8, 8)),
    "gan_generator": (gan_digits.Generator, (32, 16), (16, 32)),
    "gan_discriminator": (gan_digits.Discriminator, (16,), (16, 1, 8, 8)),
}


@requires_torchinfo
@pytest.mark.parametrize("name", EXAMPLES)
def test_example_models_match_torchinfo(name):
    factory, args, input_size = EXAMPLES[name]
    ours, theirs = twins(factory, *args)
    stats = assert_same_as_torchinfo(ours, theirs, input_size=input_size)
    assert stats.total_params == sum(p.numel() for p in ours.parameters()) > 0
    assert stats.total_mult_adds > 0


@requires_torchinfo
@pytest.mark.parametrize("name", EXAMPLES)
def test_example_models_without_input_match_torchinfo(name):
    factory, args, _ = EXAMPLES[name]
    assert_same_as_torchinfo(*twins(factory, *args))


# ---- single layers and module structures -------------------------------------------------------------

class Frozen(nn.Module):
    """A frozen convolution feeding a trainable head, and a partly frozen linear layer."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.bn = nn.BatchNorm2d(4)
        self.head = nn.Linear(4 * 4 * 4, 5)
        self.conv.requires_grad_(False)
        self.head.bias.requires_grad_(False)

    def forward(self, x):
        return self.head(self.bn(self.conv(x)).flatten(1))


class Blocks(nn.Module):
    """A ModuleList (never called itself), a layer called twice, a parameter of its own, two inputs."""

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(cr.ones(6))
        self.blocks = nn.ModuleList([nn.Sequential(nn.Linear(6, 6), nn.ReLU()) for _ in range(2)])
        self.shared = nn.Linear(6, 6)

    def forward(self, x, y):
        for block in self.blocks:
            x = block(x)
        return self.shared(self.shared(x * self.scale + y))


class Tagger(nn.Module):
    """Embedding then a bidirectional two-layer LSTM, then a linear layer: a sequence tagger."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(20, 8)
        self.lstm = nn.LSTM(8, 12, num_layers=2, bidirectional=True, batch_first=True)
        self.out = nn.Linear(24, 3)

    def forward(self, tokens):
        return self.out(self.lstm(self.embed(tokens))[0])


def conv1d():
    return nn.Sequential(nn.Conv1d(4, 6, 3, padding=1), nn.BatchNorm1d(6), nn.Tanh())


def grouped_conv():
    return nn.Sequential(nn.Conv2d(4, 8, 3, groups=2, bias=False), nn.ConvTranspose2d(8, 2, 2, stride=2))


def gru_stack():
    return nn.GRU(5, 7, num_layers=2)


LAYERS = {
    "conv1d_batchnorm": (conv1d, {"input_size": (2, 4, 10)}),
    "grouped_and_transposed_conv": (grouped_conv, {"input_size": (2, 4, 6, 6)}),
    "frozen": (Frozen, {"input_size": (2, 3, 6, 6)}),
    "blocks_two_inputs": (Blocks, {"input_size": [(3, 6), (3, 6)]}),
    "embedding_lstm": (Tagger, {"input_size": (2, 9), "dtypes": [cr.long]}),
    "gru_stack": (gru_stack, {"input_size": (9, 2, 5)}),
    "gru_batch_dim": (gru_stack, {"input_size": (9, 5), "batch_dim": 1}),
    "depth_1": (train_digits.DigitsCNN, {"input_size": (4, 1, 8, 8), "depth": 1}),
}


@requires_torchinfo
@pytest.mark.parametrize("name", LAYERS)
def test_layers_match_torchinfo(name):
    factory, kwargs = LAYERS[name]
    assert_same_as_torchinfo(*twins(factory), **kwargs)


@requires_torchinfo
def test_input_data_and_forward_keyword_arguments_match_torchinfo():
    ours, theirs = twins(Blocks)
    x, y = cr.randn(3, 6), cr.randn(3, 6)
    assert_same_as_torchinfo(ours, theirs, input_data=[x], y=y)
    assert_same_as_torchinfo(ours, theirs, input_data={"x": x, "y": y})
    assert_same_as_torchinfo(ours, theirs, input_data=[x, y])


def test_frozen_parameters_are_counted_apart():
    stats = summary(Frozen(), input_size=(2, 3, 6, 6), verbose=0)
    conv, bn, head = (r for r in stats.summary_list if r.depth == 1)
    assert (conv.trainable, bn.trainable, head.trainable) == ("False", "True", "Partial")
    assert stats.trainable_params == stats.total_params - (4 * 3 * 9 + 4) - 5
    table = str(stats)
    assert "(112)" in table   # a frozen layer's parameters in parentheses, as torchinfo shows them
    assert f"Non-trainable params: {4 * 3 * 9 + 4 + 5}" in table


# ---- the table ------------------------------------------------------------------------------------------

def test_table_prints_rows_and_totals(capsys):
    stats = summary(train_digits.DigitsCNN(), input_size=(4, 1, 8, 8))
    printed = capsys.readouterr().out
    assert printed.strip() == str(stats).strip()
    for title in ("Layer (type:depth-idx)", "Output Shape", "Param #", "Mult-Adds", "Activations",
                  "Forward (ms)", "Backward (ms)"):
        assert title in printed
    assert "│    └─Conv2d: 2-1" in printed and "[4, 32, 8, 8]" in printed
    assert f"Total params: {stats.total_params:,}" in printed
    assert "Total mult-adds (M):" in printed and "Training memory: parameters" in printed


def test_table_options():
    model = train_digits.DigitsCNN()
    shallow = str(summary(model, input_size=(4, 1, 8, 8), depth=1, verbose=0))
    assert "Sequential: 1-1" in shallow and "Conv2d" not in shallow
    detailed = str(summary(model, input_size=(4, 1, 8, 8), verbose=0, col_names=("kernel_size", "num_params"),
                           row_settings=("var_names", "depth", "ascii_only")))
    assert "Kernel Shape" in detailed and "Output Shape" not in detailed and "│" not in detailed
    assert "Conv2d (0): 2-1" in detailed and "[3, 3]" in detailed
    assert "└─weight" in str(summary(model, input_size=(4, 1, 8, 8), verbose=2))
    only_params = str(summary(model, verbose=0))
    assert "Param #" in only_params and "Mult-Adds" not in only_params


# ---- times and memory -------------------------------------------------------------------------------------

def test_forward_and_backward_times_are_measured():
    stats = summary(train_digits.DigitsCNN(), input_size=(8, 1, 8, 8), verbose=0)
    for row in stats.summary_list:
        assert row.forward_time is not None and row.forward_time >= 0
        assert row.backward_time is not None and row.backward_time >= 0
    convs = [r for r in stats.summary_list if r.class_name == "Conv2d"]
    assert all(r.forward_time > 0 and r.backward_time > 0 for r in convs)
    assert stats.forward_time >= max(r.forward_time for r in convs)
    assert stats.backward_time >= max(r.backward_time for r in convs)


def test_a_model_that_needs_no_gradient_has_no_backward_time():
    model = mlp_digits.make_mlp().requires_grad_(False)
    stats = summary(model, input_size=(4, 1, 8, 8), verbose=0)
    assert all(r.backward_time is None for r in stats.summary_list)
    assert "backward --" in str(stats)


def _torch_adam_state_bytes(model):
    optimizer = torch.optim.Adam(model.parameters())
    for p in model.parameters():
        p.grad = torch.zeros_like(p)
    optimizer.step()
    return sum(t.nbytes for state in optimizer.state.values() for t in state.values() if torch.is_tensor(t))


@requires_torch
def test_optimizer_state_memory_equals_torch_adams():
    ours, theirs = twins(train_digits.DigitsCNN)
    adam = summary(ours, input_size=(2, 1, 8, 8), optimizer=cr.optim.Adam, verbose=0)
    assert adam.optimizer_state_bytes == _torch_adam_state_bytes(theirs)


def test_optimizer_state_memory():
    ours = train_digits.DigitsCNN()
    param_bytes = sum(p.nbytes for p in ours.parameters())
    adam = summary(ours, input_size=(2, 1, 8, 8), optimizer=cr.optim.Adam, verbose=0)
    assert 2 * param_bytes <= adam.optimizer_state_bytes < 2.01 * param_bytes   # exp_avg, exp_avg_sq (+ steps)
    assert adam.training_memory_bytes == 2 * param_bytes + adam.optimizer_state_bytes
    assert "Adam state" in str(adam)
    momentum = cr.optim.SGD(ours.parameters(), lr=0.1, momentum=0.9)
    assert summary(ours, optimizer=momentum, verbose=0).optimizer_state_bytes == param_bytes
    assert summary(ours, optimizer=cr.optim.SGD, verbose=0).optimizer_state_bytes == 0
    assert not momentum.state and all(p.grad is None for p in ours.parameters())


# ---- the model is left as it was ---------------------------------------------------------------------------

def _hook_counts(model):
    return [len(m._forward_hooks) + len(m._forward_pre_hooks) + len(m._backward_hooks) for m in model.modules()]


def test_model_is_left_as_it_was():
    model = train_digits.DigitsCNN()
    model.features.eval()                       # mixed modes stay mixed
    model(cr.randn(4, 1, 8, 8)).sum().backward()
    grads = {name: p.grad.clone() for name, p in model.named_parameters()}
    buffers = {name: b.clone() for name, b in model.named_buffers()}
    summary(model, input_size=(4, 1, 8, 8), mode="train", verbose=0)
    assert not model.features.training and model.classifier.training and model.training
    for name, p in model.named_parameters():
        assert cr.equal(p.grad, grads[name]), name
    for name, b in model.named_buffers():
        assert cr.equal(b, buffers[name]), name
    assert sum(_hook_counts(model)) == 0


def test_inputs_that_require_grad_keep_their_grad():
    model = Blocks()
    x, y = cr.randn(3, 6, requires_grad=True), cr.randn(3, 6, requires_grad=True)
    y.grad = cr.ones(3, 6)
    summary(model, input_data=[x], y=y, verbose=0)
    assert x.grad is None and cr.equal(y.grad, cr.ones(3, 6))


def test_user_hooks_stay_and_ours_go():
    model = mlp_digits.make_mlp()
    calls = []
    handle = model[1].register_forward_hook(lambda module, args, output: calls.append(output.shape))
    summary(model, input_size=(3, 1, 8, 8), verbose=0)
    assert calls == [cr.Size([3, 128])]
    handle.remove()
    assert sum(_hook_counts(model)) == 0


def test_wrong_input_shape_names_the_layer_and_removes_hooks():
    model = train_digits.DigitsCNN()
    with pytest.raises(RuntimeError, match=r"layer 'features.0' \(Conv2d\), called with input of shape \[4, 3, 8, 8\]"):
        summary(model, input_size=(4, 3, 8, 8), verbose=0)
    assert sum(_hook_counts(model)) == 0
    assert model.training and all(p.grad is None for p in model.parameters())
    with pytest.raises(RuntimeError, match=r"layer 'classifier.2' \(Linear\), called with input of shape \[4, 1024\]"):
        summary(model, input_size=(4, 1, 16, 16), verbose=0)
    assert sum(_hook_counts(model)) == 0


def test_failure_in_the_models_own_code_is_named():
    with pytest.raises(RuntimeError, match=r"the model itself \(RowReader\)"):
        summary(sequence_digits.RowReader(), input_size=(4, 8), verbose=0)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"input_size": (2, 4), "input_data": cr.randn(2, 4)}, RuntimeError, "only one of input_data and input_size"),
    ({"input_size": (2, -4)}, ValueError, "positive int"),
    ({"input_size": 4}, TypeError, "input_size must be a list or tuple"),
    ({"col_names": ("output_size",)}, ValueError, "need a forward pass"),
    ({"input_size": (2, 4), "col_names": ("flops",)}, ValueError, "unknown column or row setting 'flops'"),
    ({"input_size": (2, 4), "cache_forward_pass": True}, ValueError, "cache_forward_pass is not supported"),
    ({"input_size": (2, 4), "dtypes": [cr.float32, cr.long]}, ValueError, "2 dtypes for 1 input sizes"),
    ({"input_size": (2, 4), "mode": "test"}, ValueError, "mode must be 'train' or 'eval'"),
    ({"input_size": (2, 4), "verbose": 3}, ValueError, "verbose must be"),
    ({"input_size": (2, 4), "optimizer": "adam"}, TypeError, "optimizer must be a chainrule.optim optimizer"),
])
def test_bad_arguments_give_clear_errors(kwargs, error, message):
    model = nn.Linear(4, 2)
    with pytest.raises(error, match=message):
        summary(model, **{"verbose": 0, **kwargs})
    assert sum(_hook_counts(model)) == 0
