"""torch.* functions written in Python (chainrule/_functions) whose helper tensors are made on the
input's device: on the `device` fixture's device, against PyTorch on the CPU, and, where PyTorch's
result does not depend on a value read back, with no host read (tests/host_reads.py)."""
import contextlib

import numpy as np
import pytest

import chainrule as cr
from conftest import assert_close, requires_torch, torch
from host_reads import no_host_reads

pytestmark = requires_torch

_X = np.array([[3.0, 1.0, 4.0, 1.0], [5.0, 9.0, 2.0, 6.0], [5.0, 3.0, 5.0, 8.0]])

CASES = {
    "cummax": lambda lib, x: lib.cummax(x, 1)[1],
    "cummin of a 0-d": lambda lib, x: lib.cummin(x[0, 0], 0)[1],
    "cummax of an empty dim": lambda lib, x: lib.cummax(x[:, :0], 1)[1],
    "mode of a 0-d": lambda lib, x: lib.mode(x[0, 0])[1],
    "block_diag": lambda lib, x: lib.block_diag(x[:2, :2], x[2:, 1:]),
    "vander": lambda lib, x: lib.vander(x[0], 3),
    "vander of N=0": lambda lib, x: lib.vander(x[0], 0),
    "isin of a number": lambda lib, x: lib.isin(5.0, x),
    "isin of an empty test": lambda lib, x: lib.isin(x, x[:0, 0]),
    "matrix_power(0)": lambda lib, x: x[:, :3].matrix_power(0),
    "index_fill": lambda lib, x: x.index_fill(1, lib.tensor([0, 2], device=x.device), -1.0),
    "index_fill by a 0-d tensor": lambda lib, x: x.index_fill(0, lib.tensor([1], device=x.device),
                                                            lib.tensor(7.0, device=x.device)),
    "Tensor.unfold": lambda lib, x: x.unfold(1, 2, 1),
    "logspace": lambda lib, x: lib.logspace(0, 2, 5, device=x.device),
    "kaiser_window": lambda lib, x: lib.kaiser_window(6, device=x.device, dtype=lib.float64),
}


# cumprod's forward (vander's powers) runs on the host; index_fill checks its indices there (PyTorch's
# GPU kernel asserts on the device instead)
READS_HOST = {"vander", "index_fill", "index_fill by a 0-d tensor"}


@pytest.mark.parametrize("name", list(CASES))
def test_on_the_inputs_device_without_host_reads(device, name):
    fn = CASES[name]
    with contextlib.nullcontext() if name in READS_HOST else no_host_reads():
        out = fn(cr, cr.tensor(_X, device=device))
    want = fn(torch, torch.tensor(_X))
    assert out.device == device
    assert_close(out.cpu(), want.numpy(), rtol=1e-12, atol=1e-12)


def test_argwhere_of_a_0d_reads_its_value_and_stays_on_the_device(device):
    for value in (0.0, 2.0):
        out = cr.argwhere(cr.tensor(value, device=device))
        assert out.device == device
        assert tuple(out.shape) == tuple(torch.argwhere(torch.tensor(value)).shape)
