"""chainrule.inspect.TrainingStats: the recorded statistics equal the same statistics computed on the PyTorch
twin of the model trained the same way (activations, dL/dy, parameter gradients, update/weight ratios),
dead ReLU units are counted, eval-mode calls and skipped steps are not recorded, no hook stays attached
after remove() or a `with` block (left normally or by an exception), and plot() writes a PNG."""
import gc
import os
import weakref

import numpy as np
import pytest

import chainrule as cr
import chainrule.nn as nn
from chainrule.datasets import Digits
from chainrule.inspect import TrainingStats
from conftest import torch
from torch_twins import to_torch, twins


def small_mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 24), nn.ReLU(), nn.Linear(24, 10))


def batches(count=3, size=16):
    images, labels = Digits(train=True).tensors()
    return [(images[i * size:(i + 1) * size], labels[i * size:(i + 1) * size]) for i in range(count)]


def train(model, lib, data, step_size=0.1):
    optimizer = lib.optim.SGD(model.parameters(), lr=step_size, momentum=0.9)
    for images, labels in data:
        loss = lib.nn.functional.cross_entropy(model(images), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def torch_statistics(model, data):
    """{(layer, name): [value per step]} of the PyTorch twin, computed by hand with numpy."""
    expected, outputs = {}, {}

    def add(layer, name, value):
        expected.setdefault((layer, name), []).append(value)

    def keep(layer):
        def hook(module, args, output):
            if output.requires_grad:
                output.retain_grad()
            outputs[layer] = output
        return hook
    handles = [model[i].register_forward_hook(keep(str(i))) for i in range(4)]
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for images, labels in data:
        loss = torch.nn.functional.cross_entropy(model(images), labels)
        optimizer.zero_grad()
        loss.backward()
        before = {name: p.detach().clone() for name, p in model.named_parameters()}
        optimizer.step()
        for layer, output in outputs.items():
            y = output.detach().double().numpy()
            add(layer, "activation.mean", y.mean())
            add(layer, "activation.std", y.std(ddof=1))
            if output.grad is not None:      # the Flatten of the data gets no gradient
                add(layer, "activation.grad_mean", output.grad.double().numpy().mean())
                add(layer, "activation.grad_std", output.grad.double().numpy().std(ddof=1))
            if layer == "2":
                add(layer, "activation.dead", 1 - (y.reshape(len(y), -1) != 0).any(0).mean())
        for name, p in model.named_parameters():
            layer, tensor = name.split(".")
            grad = p.grad.double().numpy()
            add(layer, f"{tensor}.grad_mean", grad.mean())
            add(layer, f"{tensor}.grad_std", grad.std(ddof=1))
            add(layer, f"{tensor}.update_ratio", (p.detach() - before[name]).norm().item() / before[name].norm().item())
    for handle in handles:
        handle.remove()
    return expected


@pytest.mark.skipif(torch is None, reason="the oracle is missing: PyTorch (pip install torch==2.13.0)")
def test_statistics_equal_pytorchs():
    cr.manual_seed(0)
    ours, theirs = twins(small_mlp)
    data = batches()
    with TrainingStats(ours) as stats:
        train(ours, cr, data)
    expected = torch_statistics(theirs, to_torch(data))
    assert stats.steps == [1, 2, 3]
    assert stats.layers == ["0", "1", "2", "3"]
    for (layer, name), values in expected.items():
        np.testing.assert_allclose(stats.series(layer, name), values, rtol=1e-4, atol=1e-7, err_msg=f"{layer} {name}")
    recorded = {(layer, name) for layer in stats.layers for name in stats.names(layer)}
    assert recorded == set(expected)


def test_dead_relu_units_are_counted():
    model = small_mlp()
    with cr.no_grad():
        model[1].bias[:6] = -1e4          # 6 of the 24 units never fire, the others always do
        model[1].bias[6:] = 1e4
    images, labels = batches(1)[0]
    with TrainingStats(model) as stats:
        nn.functional.cross_entropy(model(images), labels).backward()
    assert stats.latest()["2"]["activation.dead"] == pytest.approx(6 / 24)
    assert "activation.dead" not in stats.latest()["1"]
    assert "25.0%" in str(stats)


def test_eval_calls_and_skipped_steps_are_not_recorded():
    model = small_mlp()
    data = batches(4)
    with TrainingStats(model, every=2, layers=["1", "3"], keep_tensors=True) as stats:
        train(model, cr, data)
        model.eval()
        with cr.no_grad():
            model(data[0][0])
    assert stats.steps == [2, 4]
    assert list(stats.latest()) == ["1", "3"]
    assert set(stats.last_tensors) == {("1", "activation"), ("1", "activation.grad"), ("1", "weight.grad"),
                                       ("1", "bias.grad"), ("3", "activation"), ("3", "activation.grad"),
                                       ("3", "weight.grad"), ("3", "bias.grad")}
    assert stats.last_tensors[("1", "weight.grad")].shape == (24, 64)
    assert np.isfinite(stats.series("1", "weight.update_ratio")).all()   # the last one read at the end


def assert_no_hook_keeps(stats_reference, model):
    gc.collect()
    assert stats_reference() is None, "a hook still holds the TrainingStats"
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())


def test_no_hook_stays_after_remove_or_an_exception():
    model = small_mlp()
    data = batches(2)
    stats = TrainingStats(model)
    train(model, cr, data)
    stats.remove()
    stats.remove()
    recorded = len(stats.steps)
    train(model, cr, data)
    assert len(stats.steps) == recorded
    reference = weakref.ref(stats)
    del stats
    assert_no_hook_keeps(reference, model)
    with pytest.raises(RuntimeError, match="stop"):
        with TrainingStats(model) as stats:
            train(model, cr, data[:1])
            raise RuntimeError("stop")
    reference = weakref.ref(stats)
    del stats
    assert_no_hook_keeps(reference, model)


def test_plot_writes_a_png(tmp_path):
    pytest.importorskip("matplotlib", reason="plot() draws with matplotlib")
    model = small_mlp()
    with TrainingStats(model) as stats:
        train(model, cr, batches(3))
    path = tmp_path / "stats.png"
    stats.plot(str(path))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and os.path.getsize(path) > 10_000
    with pytest.raises(ValueError, match="no step was recorded"):
        TrainingStats(small_mlp()).plot(str(path))


@pytest.mark.parametrize("call, error, message", [
    (lambda: TrainingStats(lambda x: x), TypeError, "model must be a chainrule.nn.Module, got function"),
    (lambda: TrainingStats(small_mlp(), layers=["1", "7"]), ValueError,
     "the model Sequential has no layer named '7'; its layers are: '0', '1', '2', '3'"),
    (lambda: TrainingStats(small_mlp(), every=0), ValueError, "every must be a positive int"),
])
def test_bad_input_is_named(call, error, message):
    with pytest.raises(error) as raised:
        call()
    assert message in str(raised.value)
