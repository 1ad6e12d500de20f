"""TrainingStatsLogger (chainrule.inspect.TrainingStats in TensorBoard), read back with EventAccumulator: every
recorded statistic is one scalar per recorded step with TrainingStats's own value (update ratios included,
which arrive a step late), kept tensors are histograms of the last step, steps are the training loop's,
and a tensor with no finite value gets a warning instead of a histogram."""
import numpy as np
import pytest

from tensorboard_helpers import read_events

import chainrule as cr
import chainrule.nn as nn
import chainrule.nn.functional as F
from chainrule.inspect import TrainingStats
from chainrule.utils.tensorboard import SummaryWriter, TrainingStatsLogger


def train_and_log(log_dir, steps, **stats_options):
    """Trains a small MLP for `steps` steps, logging after each; returns the (removed) TrainingStats."""
    cr.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    optimizer = cr.optim.SGD(model.parameters(), lr=0.1)
    x, y = cr.randn(16, 4), cr.randint(0, 3, (16,))
    with SummaryWriter(str(log_dir)) as writer:
        stats = TrainingStats(model, **stats_options)
        logger = TrainingStatsLogger(writer, stats)
        for step in range(steps):
            optimizer.zero_grad()
            F.cross_entropy(model(x), y).backward()
            optimizer.step()
            logger.log(step)
        stats.remove()          # reads the last step's update ratios
        logger.log(steps - 1)
    return stats


def test_every_statistic_is_a_scalar_per_recorded_step(tmp_path):
    stats = train_and_log(tmp_path, steps=4)
    events = read_events(tmp_path)
    expected_tags = {f"{layer}/{name}" for layer in stats.layers for name in stats.names(layer)}
    assert set(events.Tags()["scalars"]) == expected_tags
    assert {"0/weight.update_ratio", "1/activation.dead", "2/activation.grad_std"} <= expected_tags
    assert events.Tags()["histograms"] == []                 # tensors were not kept
    for layer in stats.layers:
        for name in stats.names(layer):
            logged = events.Scalars(f"{layer}/{name}")
            assert [e.step for e in logged] == [0, 1, 2, 3], (layer, name)   # each step once, the loop's numbers
            np.testing.assert_allclose([e.value for e in logged], stats.series(layer, name), rtol=1e-6)


def test_recording_every_other_step_and_the_stats_own_step_numbers(tmp_path):
    stats = train_and_log(tmp_path, steps=5, every=2)
    assert stats.steps == [2, 4] and stats.calls == 5
    events = read_events(tmp_path)
    for tag in ("0/activation.mean", "0/weight.update_ratio", "2/bias.grad_mean"):
        assert [e.step for e in events.Scalars(tag)] == [1, 3]        # loop steps 1 and 3 are calls 2 and 4
    np.testing.assert_allclose([e.value for e in events.Scalars("0/weight.update_ratio")],
                               stats.series("0", "weight.update_ratio"), rtol=1e-6)
    with SummaryWriter(str(tmp_path / "own")) as writer:
        TrainingStatsLogger(writer, stats, prefix="mlp.").log()
    # a new logger writes the last two recorded steps (the only ones that may still get values)
    assert [e.step for e in read_events(tmp_path / "own").Scalars("mlp.0/activation.mean")] == [2, 4]


def test_kept_tensors_are_histograms_of_each_logged_step(tmp_path):
    stats = train_and_log(tmp_path, steps=3, keep_tensors=True)
    events = read_events(tmp_path)
    assert set(events.Tags()["histograms"]) == {f"{layer}/{what}" for layer, what in stats.last_tensors}
    assert {"0/activation", "0/activation.grad", "0/weight.grad", "1/activation"} <= set(events.Tags()["histograms"])
    for (layer, what), tensor in stats.last_tensors.items():
        logged = events.Histograms(f"{layer}/{what}")
        assert [e.step for e in logged] == [0, 1, 2]
        assert logged[-1].histogram_value.num == tensor.numel()
        np.testing.assert_allclose(logged[-1].histogram_value.sum, tensor.double().sum().item(), rtol=1e-5)


def test_a_model_without_layers_and_a_tensor_with_no_finite_value(tmp_path):
    model = nn.Linear(2, 2)
    with SummaryWriter(str(tmp_path)) as writer, TrainingStats(model, keep_tensors=True) as stats:
        model(cr.full((3, 2), float("nan")))
        with pytest.warns(RuntimeWarning, match="step 0: every value of 'model/activation' is NaN"):
            TrainingStatsLogger(writer, stats).log(0)
    assert "model/activation.mean" in read_events(tmp_path).Tags()["scalars"]
    assert read_events(tmp_path).Tags()["histograms"] == []
