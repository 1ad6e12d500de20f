"""torch.qr / lu / lu_solve / triangular_solve / cholesky (and their Tensor methods) warn once per process
that they are deprecated, with PyTorch's messages (rosinality's glow-pytorch builds InvConv2d with torch.qr);
each library runs the same program in a fresh process."""
import json
import subprocess
import sys

from conftest import requires_torch

pytestmark = requires_torch

PROGRAM = r"""
import json, warnings
import {lib} as lib
A = lib.tensor([[4.0, 1.0], [1.0, 3.0]]); B = lib.tensor([[1.0], [2.0]])
calls = [("qr", lambda: lib.qr(A)), ("Tensor.qr", lambda: A.qr()), ("lu", lambda: lib.lu(A)),
         ("Tensor.cholesky", lambda: A.cholesky()), ("cholesky", lambda: lib.cholesky(A)),
         ("triangular_solve", lambda: lib.triangular_solve(B, A)),
         ("Tensor.lu_solve", lambda: B.lu_solve(*lib.linalg.lu_factor(A)))]
seen = []
for name, call in calls:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
        call()
    seen.append([name, [[w.category.__name__, str(w.message).split(" (Triggered")[0],
                         w.filename == "<string>"] for w in caught]])
print(json.dumps(seen))
"""


def run(lib):
    out = subprocess.run([sys.executable, "-c", PROGRAM.format(lib=lib)], capture_output=True, text=True,
                         check=True, timeout=120)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_legacy_linalg_functions_warn_once_as_torch():
    ours, theirs = run("chainrule"), run("torch")
    for (name, ours_warnings), (_, their_warnings) in zip(ours, theirs):
        assert [w[:2] for w in ours_warnings] == [w[:2] for w in their_warnings], name
        assert all(w[2] for w in ours_warnings), name  # at the caller's line, not inside chainrule
    assert [name for name, caught in ours if caught] == ["qr", "lu", "Tensor.cholesky", "triangular_solve",
                                                         "Tensor.lu_solve"]
