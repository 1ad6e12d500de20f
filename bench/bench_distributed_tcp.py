"""All-reduce and DDP steps between ranks that meet over TCP: chainrule's gloo against PyTorch's gloo.

    python bench/bench_distributed_tcp.py [--ranks 2] [--max-mb 16] [--repeat 7] [--busy K]
    (PYTHONPATH=python outside a .pth install)

Starts the ranks itself for each contender, one process per rank (OMP_NUM_THREADS=1, a free
MASTER_PORT, RANK/WORLD_SIZE in the environment): chainrule over TCP (`init_process_group("gloo")`
with no MPI launcher), PyTorch's gloo (when PyTorch is installed), and chainrule on MPI under mpirun
(when mpi4py and mpirun are there; bench_distributed.py has MPI's own figures). Each rank sums
float32 tensors with dist.all_reduce, from 1 KB up to --max-mb; results are checked before timing.
Then a DistributedDataParallel training step (SGD, cross-entropy, batch 64 per rank) of
bench_train.py's MLP and LeNet. A timing is the median over rounds of the slowest rank's mean of
`number` calls, every round starting at a barrier. Ratios: chainrule's time over PyTorch's (below 1:
chainrule is faster).
"""
import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_train import lenet, mlp  # noqa: E402
from common import bench_arguments, format_table  # noqa: E402

_SIZES_KB = (1, 16, 256, 4096, 16384, 65536)


def _slowest_rank_median(torch, dist, fn, number, repeat):
    """Median over rounds of the slowest rank's mean seconds per call of fn."""
    rounds = []
    for _ in range(repeat):
        dist.barrier()
        start = time.perf_counter()
        for _ in range(number):
            fn()
        slowest = torch.tensor([(time.perf_counter() - start) / number], dtype=torch.float64)
        dist.all_reduce(slowest, op=dist.ReduceOp.MAX)
        rounds.append(slowest.item())
    return statistics.median(rounds)


def _ddp_step(torch, build):
    """One SGD step of a DDP model built by build(nn) on a batch of 64 digits-sized images."""
    model = torch.nn.parallel.DistributedDataParallel(build(torch.nn))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    x, y = torch.randn(64, 1, 28, 28), torch.randint(0, 10, (64,))

    def step():
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
    return step


def _worker(library, max_mb, repeat):
    """One rank: times all_reduce at each size and DDP steps; rank 0 prints {case: seconds} as JSON."""
    if library == "torch":
        import torch
        import torch.distributed as dist
        torch.set_num_threads(1)
    else:
        import chainrule as torch
        import chainrule.distributed as dist
    dist.init_process_group("mpi" if library == "chainrule-mpi" else "gloo")
    results = {}
    for kb in (kb for kb in _SIZES_KB if kb <= max_mb * 1024):
        tensor = torch.ones(kb * 256)
        dist.all_reduce(tensor)
        assert tensor[0].item() == dist.get_world_size(), "all_reduce gave a wrong sum"
        tensor.zero_()  # sums of zeros stay finite however many rounds run
        label = f"{kb // 1024} MB" if kb >= 1024 else f"{kb} KB"
        results[label] = _slowest_rank_median(torch, dist, lambda: dist.all_reduce(tensor),
                                              max(2, min(500, int(5e7 / (kb * 1024)))), repeat)
    for name, build in (("DDP step, MLP", mlp), ("DDP step, LeNet", lenet)):
        step = _ddp_step(torch, build)
        step()
        results[name] = _slowest_rank_median(torch, dist, step, 10, repeat)
    if dist.get_rank() == 0:
        print("RESULT " + json.dumps(results), flush=True)
    dist.destroy_process_group()


def _launch(library, ranks, arguments):
    """{size in KB: seconds} of one contender, or None when it cannot run here."""
    from chainrule.distributed.run import find_mpirun, mpirun_command
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
    from tcp_launch import clean_environment, free_port
    program = [sys.executable, os.path.abspath(__file__), "--worker", library, *arguments]
    if library == "chainrule-mpi":
        if find_mpirun() is None:
            return None
        commands = [(mpirun_command(ranks, program), clean_environment())]
    else:
        port = str(free_port())
        commands = [(program, clean_environment(RANK=str(r), WORLD_SIZE=str(ranks), MASTER_ADDR="127.0.0.1",
                                                MASTER_PORT=port)) for r in range(ranks)]
    processes = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True) for command, env in commands]
    outputs = [p.communicate()[0] for p in processes]
    for line in "".join(outputs).splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"{library}: no result (exit codes {[p.returncode for p in processes]})")


def main():
    if "--worker" in sys.argv:
        index = sys.argv.index("--worker")
        _worker(sys.argv[index + 1], float(sys.argv[sys.argv.index("--max-mb") + 1]),
                int(sys.argv[sys.argv.index("--repeat") + 1]))
        return
    parser = bench_arguments(__doc__)
    parser.add_argument("--ranks", type=int, default=2)
    parser.add_argument("--max-mb", type=float, default=16)
    args = parser.parse_args()
    arguments = ["--max-mb", str(args.max_mb), "--repeat", str(args.repeat)]
    try:
        import torch  # noqa: F401
        contenders = ["chainrule-tcp", "torch", "chainrule-mpi"]
    except ImportError:
        contenders = ["chainrule-tcp", "chainrule-mpi"]
    times = {name: _launch(name, args.ranks, arguments) for name in contenders}
    times = {name: result for name, result in times.items() if result is not None}
    rows = []
    for case in times["chainrule-tcp"]:
        row = [case] + [f"{times[name][case] * 1e6:.0f}" for name in times]
        if "torch" in times:
            row.append(f"{times['chainrule-tcp'][case] / times['torch'][case]:.2f}")
        rows.append(row)
    header = ["case"] + [f"{name} us" for name in times] + (["tcp/torch"] if "torch" in times else [])
    print(f"all_reduce (sum, float32) and DDP steps on {args.ranks} ranks, one thread each")
    print(format_table(header, rows))


if __name__ == "__main__":
    main()
