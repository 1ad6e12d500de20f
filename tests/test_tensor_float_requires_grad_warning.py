"""float() of a tensor that requires grad warns once per process, as PyTorch does (d2l's Trainer and RealNVP
demos print float(loss) and '%.3f' % loss); each program runs in a fresh process, on chainrule and on torch,
since the warning is once-per-process state."""
import json
import subprocess
import sys

import pytest

from conftest import requires_torch

pytestmark = requires_torch

PROGRAM = r"""
import json, sys, warnings
import {lib} as lib
x = lib.ones(1, requires_grad=True)
events = []
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    with lib.no_grad():
        float(x)
    events.append(len(caught))
    float(lib.ones(1))
    int(x)
    events.append(len(caught))
    float(x * 2)
    events.append(len(caught))
    '%.3f' % x
    float(x)
    events.append(len(caught))
print(json.dumps([events, [str(w.message).split(" (Triggered")[0] for w in caught],
                  [w.category.__name__ for w in caught]]))
"""


def run(lib):
    out = subprocess.run([sys.executable, "-c", PROGRAM.format(lib=lib)], capture_output=True, text=True,
                         check=True, timeout=120)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_float_of_a_tensor_requiring_grad_warns_once_in_grad_mode_as_torch():
    ours, theirs = run("chainrule"), run("torch")
    assert ours == theirs
    assert ours[0] == [0, 0, 1, 1]
