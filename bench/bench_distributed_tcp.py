"""All-reduce between ranks that meet over TCP: chainrule's gloo rendezvous against PyTorch's gloo.

    python bench/bench_distributed_tcp.py [--ranks 2] [--max-mb 16] [--repeat 7] [--busy K]
    (PYTHONPATH=python outside a .pth install)

Starts the ranks itself for each contender, one process per rank (OMP_NUM_THREADS=1, a free
MASTER_PORT, RANK/WORLD_SIZE in the environment): chainrule over TCP (`init_process_group("gloo")`
with no MPI launcher), PyTorch's gloo (when PyTorch is installed), and chainrule on MPI under mpirun
(when mpi4py and mpirun are there; bench_distributed.py has MPI's own figures). Each rank sums
float32 tensors with dist.all_reduce, from 1 KB up to --max-mb; results are checked before timing.
A timing is the median over rounds of the slowest rank's mean of `number` calls, every round
starting at a barrier. Ratios: chainrule's time over PyTorch's (below 1: chainrule is faster).
"""
import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import bench_arguments, format_table  # noqa: E402

_SIZES_KB = (1, 16, 256, 4096, 16384, 65536)


def _worker(library, max_mb, repeat):
    """One rank: times all_reduce at each size; rank 0 prints {size: seconds} as JSON."""
    if library == "torch":
        import torch
        import torch.distributed as dist
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
        number = max(2, min(500, int(5e7 / (kb * 1024))))
        rounds = []
        for _ in range(repeat):
            dist.barrier()
            start = time.perf_counter()
            for _ in range(number):
                dist.all_reduce(tensor)
            slowest = torch.tensor([(time.perf_counter() - start) / number], dtype=torch.float64)
            dist.all_reduce(slowest, op=dist.ReduceOp.MAX)
            rounds.append(slowest.item())
        results[kb] = statistics.median(rounds)
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
            return {int(kb): seconds for kb, seconds in json.loads(line[7:]).items()}
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
    for kb in times["chainrule-tcp"]:
        label = f"{kb // 1024} MB" if kb >= 1024 else f"{kb} KB"
        row = [label] + [f"{times[name][kb] * 1e6:.0f}" for name in times]
        if "torch" in times:
            row.append(f"{times['chainrule-tcp'][kb] / times['torch'][kb]:.2f}")
        rows.append(row)
    header = ["size"] + [f"{name} us" for name in times] + (["tcp/torch"] if "torch" in times else [])
    print(f"all_reduce (sum, float32) on {args.ranks} ranks, one thread each")
    print(format_table(header, rows))


if __name__ == "__main__":
    main()
