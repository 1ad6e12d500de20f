"""examples/explain_digits.py end to end, fast: one epoch of training instead of saved weights, two
digits, on each device of the `device` fixture (cuda skips without a GPU); it must print the summary and write
the autograd graph and a PNG per attribution method."""
import os
import subprocess
import sys

import pytest

SCRIPT = os.path.join(os.path.dirname(__file__), os.pardir, "examples", "explain_digits.py")
PICTURES = ["saliency", "smoothgrad", "integrated_gradients", "grad_cam", "occlusion", "explain_digits"]


def test_explain_digits_writes_every_picture(tmp_path, device):
    pytest.importorskip("matplotlib", reason="the example draws with matplotlib")
    result = subprocess.run([sys.executable, SCRIPT, "--weights", "none", "--epochs", "1", "--count", "2",
                             "--out", str(tmp_path), "--device", device.type],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "Total params: 62,506" in result.stdout
    for name in PICTURES:
        path = tmp_path / f"{name}.png"
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
        assert os.path.getsize(path) > 10_000, f"{name}.png is nearly empty"
    graph_files = list(tmp_path.glob("autograd_graph.*"))
    assert graph_files and graph_files[0].stat().st_size > 1000
