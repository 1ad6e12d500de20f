"""chainrule.distributed.optim.ZeroRedundancyOptimizer against torch's, rank by rank: under mpirun,
tests/distributed_programs/zero_checks.py trains with both (torch on gloo over loopback) and compares
the shares, the parameters, the consolidated state_dict and a load_state_dict round trip; the argument
errors are PyTorch's. llm.c's train_gpt2.py imports it (and uses it with --zero_stage=1 under DDP)."""
import pathlib
import socket

import pytest

from conftest import requires_torch
from mpi_launch import run_mpi, run_without_launcher

PROGRAM = pathlib.Path(__file__).resolve().parent / "distributed_programs" / "zero_checks.py"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@requires_torch
@pytest.mark.parametrize("ranks", [1, 2])
def test_zero_matches_torchs_on_every_rank(ranks):
    code, output, _ = run_mpi(ranks, str(PROGRAM), str(free_port()), timeout=120)
    assert code == 0, output
    for rank in range(ranks):
        assert f"rank {rank}: ok (zero)" in output, output


@requires_torch
def test_argument_errors_are_torchs():
    result = run_without_launcher(
        "import chainrule as cr, chainrule.distributed as dist\n"
        "from chainrule.distributed.optim import ZeroRedundancyOptimizer as Z\n"
        "dist.init_process_group('mpi')\n"
        "p = cr.nn.Parameter(cr.ones(2))\n"
        "for args, kw in [(([], cr.optim.SGD), {'lr': 0.1}), ((p, cr.optim.SGD), {'lr': 0.1}),\n"
        "                 (([p], cr.optim.SGD), {'lr': 0.1, 'overlap_with_ddp': True})]:\n"
        "    try: Z(*args, **kw)\n"
        "    except Exception as e: print(type(e).__name__, e)\n")
    lines = result.stdout.splitlines()
    assert lines[0] == "ValueError ZeroRedundancyOptimizer got an empty parameter list", result.stderr
    assert lines[1].startswith("TypeError `params` argument should be an iterable of Tensors")
    assert lines[2].startswith("NotImplementedError ZeroRedundancyOptimizer: overlap_with_ddp=True")
