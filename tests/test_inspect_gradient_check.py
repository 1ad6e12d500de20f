"""chainrule.inspect.check_model: correct models pass (the digits CNN in training mode with BatchNorm and
Dropout, and in eval mode; an LSTM reader; a BatchNorm MLP), a layer built with autograd.Function whose
backward is 1% off is found and named (in its input gradient, in its weight gradient, in the loss), the
user's model and generator are left as they were, and bad input gives clear errors."""
import os
import sys

import numpy as np
import pytest

import chainrule as cr
import chainrule.nn as nn
from chainrule.datasets import Digits
from chainrule.inspect import check_model

sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir, "examples"))
import sequence_digits  # noqa: E402
import train_digits  # noqa: E402


def digits(count=6):
    images, labels = Digits(train=False).tensors()
    return images[:count], labels[:count]


class LinearFunction(cr.autograd.Function):
    """y = x w^T + b with a hand-written backward; input_error/weight_error scale its gradients (1.0: right)."""

    @staticmethod
    def forward(ctx, x, weight, bias, input_error, weight_error):
        ctx.save_for_backward(x, weight)
        ctx.errors = (input_error, weight_error)
        return x @ weight.t() + bias

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        input_error, weight_error = ctx.errors
        return grad @ weight * input_error, grad.t() @ x * weight_error, grad.sum(0), None, None


class HandWrittenLinear(nn.Linear):
    def __init__(self, in_features, out_features, input_error=1.0, weight_error=1.0):
        super().__init__(in_features, out_features)
        self.errors = (input_error, weight_error)

    def forward(self, x):
        return LinearFunction.apply(x, self.weight, self.bias, *self.errors)


def mlp(hand_written):
    cr.manual_seed(0)
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.Tanh(), hand_written, nn.ReLU(), nn.Linear(16, 10))


def cross_entropy(model):
    images, labels = digits()
    return check_model(model, images, nn.CrossEntropyLoss(), targets=labels)


@pytest.mark.parametrize("mode", ["train", "eval"])
def test_the_digits_cnn_passes(mode):
    """In training mode BatchNorm uses the batch's statistics and Dropout a mask from the reseeded generator."""
    cr.manual_seed(0)
    model = train_digits.DigitsCNN().train(mode == "train")
    result = cross_entropy(model)
    assert result.passed, str(result)
    assert result.culprits == []
    assert "PASSED: all 50 gradients agree" in str(result)


def test_an_lstm_and_a_batchnorm_mlp_with_an_in_place_relu_pass():
    cr.manual_seed(0)
    reader = sequence_digits.RowReader(cell="lstm", hidden_size=12)
    result = cross_entropy(reader)
    assert result.passed, str(result)
    assert {row.gradient for row in result.rows if row.layer == "rnn"} >= {"weight_ih_l0", "weight_hh_l0", "input",
                                                                           "output"}
    norm_mlp = nn.Sequential(nn.Flatten(), nn.Linear(64, 16), nn.BatchNorm1d(16), nn.ReLU(inplace=True),
                             nn.Linear(16, 10)).train()
    result = cross_entropy(norm_mlp)
    assert result.passed, str(result)       # the in-place ReLU's dL/d input is its input's, not its output's


def test_a_hand_written_backward_that_is_right_passes():
    result = cross_entropy(mlp(HandWrittenLinear(32, 16)))
    assert result.passed, str(result)


@pytest.mark.parametrize("errors, wrong", [((1.01, 1.0), ["input"]), ((1.0, 0.99), ["weight"])])
def test_a_backward_one_percent_off_is_named(errors, wrong):
    """Its dL/d output is right and what it gives is 1% off: the layer is blamed, and only it, though every
    layer before it fails too when dL/d input is wrong."""
    result = cross_entropy(mlp(HandWrittenLinear(32, 16, *errors)))
    assert not result.passed
    assert result.culprits == ["3"]
    assert [row.gradient for row in result.failures if row.layer == "3"] == wrong
    assert all(row.passed for row in result.rows if row.layer in ("4", "5") or row.gradient == "output"
               and row.layer in ("", "3"))
    rows_before = [row for row in result.rows if row.layer in ("1", "2")]
    assert all(not row.passed for row in rows_before) == (wrong == ["input"])
    failing = next(row for row in result.failures if row.layer == "3")
    assert 0.005 < failing.max_rel_error < 0.02
    assert (f"The backward of '3' (HandWrittenLinear) is wrong: it receives the right dL/d output but gives a wrong "
            f"dL/d {wrong[0]}.") in str(result)


class OffByOnePercentMSE(cr.autograd.Function):
    @staticmethod
    def forward(ctx, output, target):
        ctx.save_for_backward(output, target)
        return ((output - target) ** 2).mean()

    @staticmethod
    def backward(ctx, grad):
        output, target = ctx.saved_tensors
        return grad * 2.02 * (output - target) / output.numel(), None


def test_a_wrong_loss_backward_is_blamed_on_the_loss():
    images, labels = digits()
    result = check_model(mlp(nn.Linear(32, 16)), images, OffByOnePercentMSE.apply,
                         targets=nn.functional.one_hot(labels, 10).float())
    assert result.culprits == ["loss_fn"]
    assert "loss_fn's backward is wrong" in str(result)


class SharedLayer(nn.Module):
    """One Linear applied twice: its parameters get two contributions, its activations two values."""

    def __init__(self):
        super().__init__()
        self.shared, self.head = nn.Linear(64, 64), nn.Linear(64, 10)

    def forward(self, x):
        return self.head(self.shared(self.shared(x.flatten(1)).tanh()).tanh())


def test_a_layer_called_twice_has_its_parameters_checked():
    cr.manual_seed(0)
    result = cross_entropy(SharedLayer())
    assert result.passed, str(result)
    assert [row.gradient for row in result.rows if row.layer == "shared"] == ["weight", "bias"]
    assert result.notes == ["'shared' was called 2 times in one forward: its parameters are checked, not its input "
                            "and output gradients"]


def test_entries_are_a_seeded_subset_of_large_tensors():
    model = mlp(nn.Linear(32, 16))
    first, again = cross_entropy(model), cross_entropy(model)
    weight = next(row for row in first.rows if row.layer == "1" and row.gradient == "weight")
    assert (weight.checked, weight.numel) == (16, 32 * 64)
    bias = next(row for row in first.rows if row.layer == "5" and row.gradient == "bias")
    assert (bias.checked, bias.numel) == (10, 10)
    assert [r.max_abs_error for r in first.rows] == [r.max_abs_error for r in again.rows]
    images, labels = digits()
    more = check_model(model, images, nn.CrossEntropyLoss(), targets=labels, max_entries=40, seed=3)
    assert next(row for row in more.rows if row.layer == "1" and row.gradient == "weight").checked == 40


def test_the_model_and_the_generator_are_left_as_they_were():
    cr.manual_seed(0)
    model = train_digits.DigitsCNN().train()
    model.features[1].eval()
    for p in list(model.parameters())[::3]:
        p.grad = cr.randn(*p.shape)
    hook = model.features[3].register_forward_hook(lambda *args: None)
    state = {name: value.numpy().copy() for name, value in model.state_dict().items()}
    grads = [None if p.grad is None else p.grad.numpy().copy() for p in model.parameters()]
    modes = [m.training for m in model.modules()]
    hooks = [(len(m._forward_hooks), len(m._forward_pre_hooks)) for m in model.modules()]
    cr.manual_seed(7)
    expected_draw = cr.rand(3).numpy()
    cr.manual_seed(7)
    cross_entropy(model)
    np.testing.assert_array_equal(cr.rand(3).numpy(), expected_draw)
    assert all(np.array_equal(state[name], value.numpy()) for name, value in model.state_dict().items())
    assert all(p.dtype == cr.float32 for p in model.parameters())
    assert all((g is None and p.grad is None) or np.array_equal(g, p.grad.numpy())
               for g, p in zip(grads, model.parameters()))
    assert [m.training for m in model.modules()] == modes
    assert [(len(m._forward_hooks), len(m._forward_pre_hooks)) for m in model.modules()] == hooks
    hook.remove()


class NumpyNoise(nn.Module):
    """Draws from numpy's generator, which check_model cannot reseed."""

    def forward(self, x):
        return x + cr.tensor(np.random.randn(*x.shape), dtype=x.dtype)


FROZEN_EMBEDDING = nn.Embedding(10, 4).requires_grad_(False)   # integer input, nothing trainable
BAD_CALLS = [
    (lambda m, x, y: check_model(lambda v: v, x, nn.CrossEntropyLoss(), targets=y), TypeError,
     "model must be a chainrule.nn.Module, got function"),
    (lambda m, x, y: check_model(m, x.numpy(), nn.CrossEntropyLoss(), targets=y), TypeError,
     "inputs must be a tensor or a tuple of tensors"),
    (lambda m, x, y: check_model(m, x, "cross-entropy", targets=y), TypeError, "loss_fn must be callable"),
    (lambda m, x, y: check_model(m, x, nn.CrossEntropyLoss(), targets=y, max_entries=0), ValueError,
     "max_entries must be a positive int"),
    (lambda m, x, y: check_model(m, x, nn.CrossEntropyLoss(reduction="none"), targets=y), ValueError,
     "loss_fn must return one number (a 0-d tensor), got a tensor of shape (6,)"),
    (lambda m, x, y: check_model(m, x[:, :, :4], nn.CrossEntropyLoss(), targets=y), RuntimeError,
     "the model failed on inputs of shape [(6, 1, 4, 8)] (converted to float64)"),
    (lambda m, x, y: check_model(nn.Sequential(m, NumpyNoise()), x, nn.CrossEntropyLoss(), targets=y), RuntimeError,
     "the model draws random numbers outside chainrule's generator"),
    (lambda m, x, y: check_model(FROZEN_EMBEDDING, y, lambda out: out.sum()), ValueError,
     "the loss does not depend on any trainable parameter or floating input"),
]


@pytest.mark.parametrize("call, error, message", BAD_CALLS)
def test_bad_input_is_named(call, error, message):
    """...and the model and the generator are left as they were when check_model raises."""
    images, labels = digits()
    model = mlp(nn.Linear(32, 16))
    generator = cr.get_rng_state().numpy().copy()
    with pytest.raises(error) as raised:
        call(model, images, labels)
    assert message in str(raised.value)
    assert all(p.dtype == cr.float32 and p.grad is None for p in model.parameters())
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())
    np.testing.assert_array_equal(cr.get_rng_state().numpy(), generator)
