"""Shared by the tests/test_tensorboard*.py files: write the same data with chainrule's SummaryWriter and
PyTorch's (the oracle), and read event files back with TensorBoard's own EventAccumulator."""
import numpy as np
import pytest

pytest.importorskip("tensorboard", reason='tensorboard is not installed (pip install "chainrule[tensorboard]")')
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402

import chainrule as cr  # noqa: E402

try:
    import torch
    from torch.utils.tensorboard import SummaryWriter as TorchSummaryWriter
except ImportError:  # the comparisons with PyTorch skip with this reason
    torch = TorchSummaryWriter = None

requires_torch_tensorboard = pytest.mark.skipif(TorchSummaryWriter is None,
                                                reason="PyTorch is not installed (pip install torch==2.13.0)")

KEEP_ALL = {"scalars": 0, "histograms": 0, "images": 0, "tensors": 0, "compressedHistograms": 0}


def read_events(log_dir):
    """TensorBoard's EventAccumulator over the event files in log_dir, everything kept."""
    accumulator = EventAccumulator(str(log_dir), size_guidance=KEEP_ALL)
    accumulator.Reload()
    return accumulator


def as_chainrule(value):
    return cr.tensor(value) if isinstance(value, np.ndarray) and value.dtype != np.uint8 else value


def as_torch(value):
    return torch.from_numpy(value.copy()) if isinstance(value, np.ndarray) and value.dtype != np.uint8 else value


def write_both(tmp_path, write):
    """write(writer, convert) with chainrule's writer (convert: NumPy -> chainrule tensor) in tmp_path/ours and
    PyTorch's (convert: NumPy -> torch tensor) in tmp_path/theirs; returns (ours, theirs) EventAccumulators."""
    from chainrule.utils.tensorboard import SummaryWriter
    for name, writer_class, convert in (("ours", SummaryWriter, as_chainrule),
                                        ("theirs", TorchSummaryWriter, as_torch)):
        with writer_class(str(tmp_path / name)) as writer:
            write(writer, convert)
    return read_events(tmp_path / "ours"), read_events(tmp_path / "theirs")


def decode_png(encoded):
    """The pixels of PNG bytes as an (H, W, C) uint8 array."""
    import io

    from PIL import Image
    return np.asarray(Image.open(io.BytesIO(encoded)))
