"""The main job (examples/train_digits.py) and the GAN example with --tensorboard DIR: one epoch each, run
as a user runs them, log what their docstrings promise, and train exactly as without the flag (the
saved weights are equal to the last bit)."""
import os
import subprocess
import sys

import numpy as np
import pytest
from safetensors.numpy import load_file

from tensorboard_helpers import read_events

EXAMPLES_DIR = os.path.join(os.path.dirname(__file__), os.pardir, "examples")


def run_example(script, out, *extra):
    command = [sys.executable, os.path.join(EXAMPLES_DIR, script), "--epochs", "1", "--out", str(out), *extra]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "MPLBACKEND": "Agg"})
    assert result.returncode == 0, f"{script} exited {result.returncode}:\n{result.stderr[-3000:]}"
    return result.stdout


@pytest.mark.parametrize("script, weights", [("train_digits.py", "digits_cnn.safetensors"),
                                             ("gan_digits.py", "generator.safetensors")])
def test_tensorboard_flag_logs_and_leaves_training_unchanged(tmp_path, script, weights):
    plain = run_example(script, tmp_path / "plain")
    logged = run_example(script, tmp_path / "logged", "--tensorboard", str(tmp_path / "tb"))
    assert "TensorBoard" not in plain
    assert f"tensorboard --logdir {tmp_path / 'tb'}" in logged
    plain_weights, logged_weights = (load_file(str(tmp_path / run / weights)) for run in ("plain", "logged"))
    assert plain_weights.keys() == logged_weights.keys()
    for name in plain_weights:
        np.testing.assert_array_equal(plain_weights[name], logged_weights[name], err_msg=name)
    events = read_events(tmp_path / "tb")
    tags = events.Tags()
    if script == "train_digits.py":
        steps = len(events.Scalars("loss/train_batch"))
        assert steps == 45 and len(events.Scalars("learning_rate")) == steps   # 1,437 images in batches of 32
        assert [e.step for e in events.Scalars("loss/train")] == [1] and tags["graph"]
        assert "weights/features.0.weight" in tags["histograms"] and "gradients/classifier.4.bias" in tags["histograms"]
        assert [e.step for e in events.Histograms("weights/features.0.weight")] == [0]
        [test_accuracy] = read_events(tmp_path / "tb" / "accuracy_test").Scalars("accuracy")
        assert f"test accuracy: {test_accuracy.value:.4f}" in logged
    else:
        assert len(read_events(tmp_path / "tb" / "loss_D").Scalars("loss")) == 1797 // 64
        [samples] = events.Images("samples")
        assert (samples.width, samples.height) == (64, 64)                     # 8 x 8 grid of 8x8 digits
        assert "weights/G.project.0.weight" in tags["histograms"] and "gradients/D.net.0.weight" in tags["histograms"]
