"""Run by tests/test_zero_redundancy_optimizer.py under `mpirun -n N`, with a free loopback port: on
every rank, torch's ZeroRedundancyOptimizer (gloo over 127.0.0.1:port) and chainrule's (MPI) train
the same model on the same gradients; the ranks' shares, the parameters after each step (an lr set
between steps included), the consolidated state_dict and a load_state_dict round trip must agree.
Prints `rank R: ok (zero)`; a failed check raises and stops every rank."""
import sys

import numpy as np
import torch
import torch.distributed as torch_dist
from torch.distributed.optim import ZeroRedundancyOptimizer as TorchZero

import chainrule as cr
import chainrule.distributed as dist
from chainrule.distributed.optim import ZeroRedundancyOptimizer

SHAPES = [(5, 3), (5,), (2, 5), (2,), (7, 2)]


def params(lib):
    rng = np.random.default_rng(0)
    return [lib.nn.Parameter(lib.tensor(rng.standard_normal(shape).astype(np.float32))) for shape in SHAPES]


def step(zero, lib, parameters, seed):
    rng = np.random.default_rng(seed)  # the same gradients on every rank, as after DDP's averaging
    for p in parameters:
        p.grad = lib.tensor(rng.standard_normal(tuple(p.shape)).astype(np.float32))
    zero.step()
    zero.zero_grad()


def assert_equal(a, b, what):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape and np.allclose(a, b, rtol=1e-6, atol=1e-7), f"{what}: torch {a} != chainrule {b}"


def check_state_dicts(ours, theirs):
    assert ours["param_groups"] == theirs["param_groups"], (ours["param_groups"], theirs["param_groups"])
    assert sorted(ours["state"]) == sorted(theirs["state"])
    for index, state in theirs["state"].items():
        for name, value in state.items():
            assert_equal(value.numpy(), ours["state"][index][name].numpy(), f"state[{index}][{name}]")


def main(port):
    dist.init_process_group("mpi")
    rank, size = dist.get_rank(), dist.get_world_size()
    torch_dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=size)
    groups = {}
    for lib, cls in ((torch, TorchZero), (cr, ZeroRedundancyOptimizer)):
        ps = params(lib)
        zero = cls(ps[:4], optimizer_class=lib.optim.AdamW, lr=0.01, betas=(0.9, 0.95), weight_decay=0.1)
        zero.add_param_group({"params": ps[4:], "weight_decay": 0.0})
        groups[lib] = (zero, ps)
    for seed in range(3):
        for lib, (zero, ps) in groups.items():
            if seed == 2:
                zero.param_groups[0]["lr"] = 0.003
            step(zero, lib, ps, seed)
    (torch_zero, torch_ps), (zero, ps) = groups[torch], groups[cr]
    assert [[tuple(p.shape) for p in g["params"]] for g in torch_zero.optim.param_groups] == \
        [[tuple(p.shape) for p in g["params"]] for g in zero.optim.param_groups], "this rank's share differs"
    for i, (a, b) in enumerate(zip(torch_ps, ps)):
        assert_equal(a.detach().numpy(), b.detach().numpy(), f"parameter {i} after 3 steps")
    for z in (torch_zero, zero):
        z.consolidate_state_dict(to=0)
    if rank == 0:
        check_state_dicts(zero.state_dict(), torch_zero.state_dict())
    else:
        for z in (torch_zero, zero):
            try:
                z.state_dict()
            except RuntimeError as error:
                assert "has not been consolidated on this rank" in str(error)
            else:
                raise AssertionError("state_dict() without consolidating on this rank did not raise")
    saved = [zero.state_dict() if rank == 0 else None]
    dist.broadcast_object_list(saved, src=0)
    fresh_ps = params(cr)
    fresh = ZeroRedundancyOptimizer(fresh_ps[:4], optimizer_class=cr.optim.AdamW, lr=0.5)
    fresh.add_param_group({"params": fresh_ps[4:]})
    fresh.load_state_dict(saved[0])
    with cr.no_grad():
        for p, q in zip(fresh_ps, ps):
            p.copy_(q)
    step(fresh, cr, fresh_ps, 7)
    step(zero, cr, ps, 7)
    for i, (a, b) in enumerate(zip(ps, fresh_ps)):
        assert_equal(a.detach().numpy(), b.detach().numpy(), f"parameter {i} after a step from the loaded state")
    torch_dist.destroy_process_group()
    print(f"rank {rank}: ok (zero)\n", end="", flush=True)


main(int(sys.argv[1]))
