"""Data-parallel training on MPI: all-reduce bandwidth, and DistributedDataParallel's cost per step.

    mpirun -n 2 python bench/bench_distributed.py [--repeat R] [--max-mb 256] [--batch 64]
    (as root: mpirun --allow-run-as-root --oversubscribe -n 2 ...; PYTHONPATH=python outside a .pth install)

1. All-reduce (sum) of float32 tensors from 1 KB to 256 MB between the ranks: chainrule's
   dist.all_reduce on a tensor against mpi4py's Allreduce on a NumPy buffer (the limit of this
   transport: chainrule hands MPI the tensor's own memory, so the difference is its Python overhead
   and its cross-rank shape check). Results are checked before timing. GB/s = bytes / time.
2. DDP on the MLP and LeNet of bench_train.py (SGD steps, cross-entropy): time per step with each
   rank at batch B, against one process at batch 2B (rank 0 alone, while the other rank sleeps),
   both with one thread per process. Then the backward pass at batch B, both ranks running: plain,
   under DDP's hooks on a one-rank communicator (DDP's own costs: hooks, copies into the buckets,
   the division; no communication), and under DDP; and the buckets' all-reduces alone (started
   together, then waited for). The share of communication that backward hides is
   1 - (DDP backward - one-rank DDP backward) / all-reduces: 1 when it is entirely hidden, 0 when
   none of it is. Each model runs with the default buckets (25 MB, the first 1 MiB: one bucket for
   these small models, so nothing can overlap) and with a cap of a quarter of its gradients.
Every timing is the median over rounds of the slowest rank's time.
"""
import os
import statistics
import sys
import time
from types import SimpleNamespace

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_train import lenet, mlp  # noqa: E402
from common import bench_arguments, format_table, median_time  # noqa: E402

import chainrule as cr  # noqa: E402
import chainrule.distributed as dist  # noqa: E402
import chainrule.nn as nn  # noqa: E402
from chainrule.nn.parallel import DistributedDataParallel  # noqa: E402
from chainrule.nn.parallel._reducer import Reducer  # noqa: E402


def timed(fn):
    """fn as a function that returns the seconds it took."""
    def run():
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start
    return run


def slowest_rank_medians(fns, repeat, number):
    """For each fn of the dict fns (each returns the seconds of the part it times): the median over
    rounds of the slowest rank's mean of `number` calls. Contenders are timed in alternating rounds,
    so that the other jobs on the machine hit them alike; the ranks start each timing together."""
    comm, MPI = dist.group.WORLD.comm, dist.group.WORLD.MPI
    rounds = {name: [] for name in fns}
    for fn in fns.values():
        fn()
    for _ in range(repeat):
        for name, fn in fns.items():
            comm.Barrier()
            mine = sum(fn() for _ in range(number)) / number
            rounds[name].append(comm.allreduce(mine, op=MPI.MAX))
    return {name: statistics.median(times) for name, times in rounds.items()}


def calls_per_round(nbytes):
    return max(2, min(2000, int(2e8 / max(nbytes, 1))))


def allreduce_table(repeat, max_mb):
    world = dist.group.WORLD
    MPI, comm = world.MPI, world.comm
    rows, size = [], 1024
    while size <= max_mb * 2 ** 20:
        array = np.ones(size // 4, np.float32)
        tensor = cr.ones(size // 4)
        dist.all_reduce(tensor)
        comm.Allreduce(MPI.IN_PLACE, array)
        assert tensor[0].item() == array[0] == world.size, "all_reduce gave a wrong sum"
        number = calls_per_round(size)
        times = slowest_rank_medians({"ours": timed(lambda: dist.all_reduce(tensor)),
                                      "theirs": timed(lambda: comm.Allreduce(MPI.IN_PLACE, array))}, repeat, number)
        ours, theirs = times["ours"], times["theirs"]
        label = f"{size // 2 ** 20} MB" if size >= 2 ** 20 else f"{size // 1024} KB"
        rows.append([label, f"{ours * 1e6:.1f}", f"{theirs * 1e6:.1f}", f"{size / ours / 1e9:.2f}",
                     f"{size / theirs / 1e9:.2f}", f"{theirs / ours:.2f}"])
        del array, tensor
        size *= 4
    return format_table(["size", "chainrule us", "mpi4py us", "chainrule GB/s", "mpi4py GB/s", "ratio"], rows)


def sleeping_barrier():
    """A barrier that sleeps instead of spinning, so a waiting rank leaves its core to the other."""
    request = dist.group.WORLD.comm.Ibarrier()
    while not request.Test():
        time.sleep(0.002)


def step_function(model, x, y, optimizer):
    loss_fn = nn.CrossEntropyLoss()

    def step():
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()
    return step


def backward_function(model, x, y):
    loss_fn = nn.CrossEntropyLoss()

    def run():
        for p in model.parameters():
            p.grad = None
        loss = loss_fn(model(x), y)
        start = time.perf_counter()
        loss.backward()
        return time.perf_counter() - start
    return run


def bucket_allreduces(reducer):
    """DDP's communication alone: the buckets' non-blocking all-reduces, started together and waited for
    (Open MPI's MPI_Iallreduce is about twice as slow as its blocking MPI_Allreduce on 2 MB here)."""
    MPI, comm = reducer.world.MPI, reducer.world.comm
    return lambda: MPI.Request.Waitall([comm.Iallreduce(MPI.IN_PLACE, bucket.buffer) for bucket in reducer.buckets])


class ReducedAlone(nn.Module):
    """model under DDP's gradient hooks, copies and division on a one-rank communicator (MPI_COMM_SELF):
    what DDP costs a backward pass apart from communication."""

    def __init__(self, model, bucket_cap_mb):
        super().__init__()
        self.model = model
        MPI = dist.group.WORLD.MPI
        alone = SimpleNamespace(MPI=MPI, comm=MPI.COMM_SELF, size=1, rank=0, timeout_s=None)
        self.reducer = Reducer(alone, list(model.named_parameters()), int(bucket_cap_mb * 2 ** 20), False)

    def forward(self, x):
        output = self.model(x)
        self.reducer.prepare_for_backward(output)
        return output


def quarter_of_gradients_mb(build):
    """A bucket cap that splits the model's gradients into about four buckets."""
    return round(sum(p.numel() * 4 for p in build(nn).parameters()) / 2 ** 20 / 4, 3)


def ddp_row(name, build, shape, batch, repeat, bucket_cap_mb):
    rank = dist.get_rank()
    cr.manual_seed(0)
    x, y = cr.randn(2 * batch, *shape), cr.randint(0, 10, (2 * batch,))
    mine = slice(rank * batch, (rank + 1) * batch)
    single = None
    sleeping_barrier()
    if rank == 0:  # one process at batch 2B, alone on the machine
        model = build(nn)
        single = median_time(step_function(model, x, y, cr.optim.SGD(model.parameters(), lr=0.01)), repeat, 5)
    sleeping_barrier()
    ddp = DistributedDataParallel(build(nn), bucket_cap_mb=bucket_cap_mb)
    times = slowest_rank_medians({
        "step": timed(step_function(ddp, x[mine], y[mine], cr.optim.SGD(ddp.parameters(), lr=0.01))),
        "plain backward": backward_function(build(nn), x[mine], y[mine]),
        "backward alone": backward_function(ReducedAlone(build(nn), bucket_cap_mb), x[mine], y[mine]),
        "ddp backward": backward_function(ddp, x[mine], y[mine]),
        "communication": timed(bucket_allreduces(ddp.reducer))}, repeat, 5)
    step, plain_backward, alone_backward, ddp_backward, communication = times.values()
    hidden = 1 - (ddp_backward - alone_backward) / communication
    grads_mb = sum(p.numel() * 4 for p in ddp.parameters()) / 2 ** 20
    if rank != 0:
        return None
    return [name, f"{batch}", f"{grads_mb:.2f}", f"{bucket_cap_mb:g}", f"{len(ddp.reducer.buckets)}",
            f"{single * 1e3:.2f}", f"{step * 1e3:.2f}", f"{step / single:.2f}", f"{plain_backward * 1e3:.2f}",
            f"{alone_backward * 1e3:.2f}", f"{ddp_backward * 1e3:.2f}", f"{communication * 1e3:.2f}", f"{hidden:.2f}"]


def main():
    parser = bench_arguments(__doc__, repeat=7)
    parser.add_argument("--max-mb", type=int, default=256, help="largest all-reduce, in MB")
    parser.add_argument("--batch", type=int, default=64, help="batch per rank (B) for the DDP steps")
    args = parser.parse_args()
    cr.set_num_threads(args.threads or 1)
    dist.init_process_group("mpi")
    if dist.get_world_size() != 2 and dist.get_rank() == 0:
        print(f"note: {dist.get_world_size()} ranks; the figures in bench/tools.md are for 2")
    table = allreduce_table(args.repeat, args.max_mb)
    rows = [ddp_row(name, build, (1, 28, 28), args.batch, args.repeat, cap)
            for name, build in (("mlp", mlp), ("lenet", lenet)) for cap in (25, quarter_of_gradients_mb(build))]
    if dist.get_rank() == 0:
        print(f"all-reduce (sum, float32), {dist.get_world_size()} ranks, median of {args.repeat} rounds")
        print(table)
        print(f"\nDDP step (SGD), {dist.get_world_size()} ranks x batch B vs 1 process x batch "
              f"{dist.get_world_size()}B, {cr.get_num_threads()} thread(s) per process, times in ms")
        print(format_table(["model", "B", "grads MB", "cap MB", "buckets", "1 proc step", "DDP step", "ratio",
                            "plain bwd", "1-rank DDP bwd", "DDP bwd", "all-reduce", "hidden"], rows))
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
