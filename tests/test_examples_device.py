"""The examples' --device option (examples/mlp_digits.py's add_device_option, shared by the others).

Each example trains for an epoch or two on the device the `device` fixture gives: cpu everywhere,
cuda where a GPU is visible (skipped elsewhere with "no CUDA device"). On the CPU, --device cpu must
be the very run the default gives on a machine without a GPU (the same weights to the last bit); on
a GPU the run must reach the CPU's results. examples/explain_digits.py's device runs are in
tests/test_example_explain_digits.py; examples/train_digits_distributed.py is CPU only and says so.
"""
import os
import re
import subprocess
import sys

import numpy as np
import pytest
from safetensors.numpy import load_file

import chainrule as cr

EXAMPLES_DIR = os.path.join(os.path.dirname(__file__), os.pardir, "examples")
sys.path.insert(0, EXAMPLES_DIR)
import mlp_digits  # noqa: E402
import sequence_digits  # noqa: E402

NO_GPU = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}  # what the default picks on a machine without a GPU: cpu


def run_example(script, out, *extra, env=os.environ):
    """Runs examples/`script` for one epoch into `out`, as a user runs it; returns its stdout."""
    command = [sys.executable, os.path.join(EXAMPLES_DIR, script), "--epochs", "1", "--out", str(out), *extra]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, env={**env, "MPLBACKEND": "Agg"})
    assert result.returncode == 0, f"{script} {' '.join(extra)} exited {result.returncode}:\n{result.stderr[-3000:]}"
    return result.stdout


@pytest.mark.parametrize("script", ["mlp_digits.py", "train_digits.py", "gan_digits.py", "sequence_digits.py",
                                    "explain_digits.py", "train_digits_distributed.py"])
def test_every_single_process_example_offers_the_device_option(script):
    help_text = subprocess.run([sys.executable, os.path.join(EXAMPLES_DIR, script), "--help"], capture_output=True,
                               text=True, timeout=120).stdout
    if script == "train_digits_distributed.py":
        assert "CPU only" in help_text and "--device" not in help_text.replace("(no --device)", "")
    else:
        assert "--device DEVICE" in help_text and "(default: cuda when available)" in help_text


@pytest.mark.parametrize("script, weights", [("train_digits.py", "digits_cnn.safetensors"),
                                             ("gan_digits.py", "generator.safetensors")])
def test_an_example_trains_on_the_device_given(tmp_path, device, script, weights):
    default = run_example(script, tmp_path / "default", env=NO_GPU)
    given = run_example(script, tmp_path / "given", "--device", device.type)
    default_weights, given_weights = (load_file(str(tmp_path / run / weights)) for run in ("default", "given"))
    assert default_weights.keys() == given_weights.keys()
    for name in default_weights:
        if device.type == "cpu":
            np.testing.assert_array_equal(given_weights[name], default_weights[name], err_msg=name)
        else:  # one epoch on another device: rounding differs, the training does not
            np.testing.assert_allclose(given_weights[name], default_weights[name], rtol=1e-2, atol=1e-2, err_msg=name)
    if script == "train_digits.py":
        accuracy = [float(re.search(r"test accuracy: ([0-9.]+)", out).group(1)) for out in (default, given)]
        assert accuracy[1] == pytest.approx(accuracy[0], abs=0.02)


def test_the_mlp_example_trains_on_the_device_given(device):
    _, accuracy, losses = mlp_digits.train(epochs=2, progress=False, device=device.type)
    _, cpu_accuracy, cpu_losses = mlp_digits.train(epochs=2, progress=False)
    assert losses == pytest.approx(cpu_losses, rel=1e-4) and accuracy == pytest.approx(cpu_accuracy, abs=0.02)


def test_the_sequence_example_trains_on_the_device_given(device):
    args = ["--cell", "lstm", "--epochs", "2", "--hidden", "16"]
    model, accuracy = sequence_digits.train(sequence_digits.parse_args(args + ["--device", device.type]))
    _, cpu_accuracy = sequence_digits.train(sequence_digits.parse_args(args + ["--device", "cpu"]))
    assert next(model.parameters()).device == device
    assert accuracy == pytest.approx(cpu_accuracy, abs=0.02)
