"""`python -m chainrule.distributed.run --transport tcp`: the ranks as processes of the launcher's
own, meeting at the TCP rendezvous (rendezvous.py), as torchrun starts its workers.

Each of this node's --nproc_per_node processes gets torchrun's variables (RANK = node_rank *
nproc_per_node + LOCAL_RANK, WORLD_SIZE = nnodes * nproc_per_node, LOCAL_RANK, LOCAL_WORLD_SIZE,
GROUP_RANK, ROLE_RANK, ... and the shared ones run.py makes) and runs the program directly. The
launcher watches them: when one exits non-zero, the others are stopped (SIGTERM, then SIGKILL after
a grace period), as torchrun does (run.py starts the group again while --max_restarts allows). Several
machines: the same command on each, with --nnodes, its --node_rank and node 0's --master_addr and
--master_port; rank 0 (on node 0) serves the store there.
"""
import signal
import subprocess
import time

__all__ = ["launch"]

_GRACE_S = 5.0  # how long a stopped process may take to end before it is killed


def _rank_environment(shared, node_rank, nproc, nnodes, local_rank):
    rank, world_size = node_rank * nproc + local_rank, nnodes * nproc
    return dict(shared, RANK=str(rank), LOCAL_RANK=str(local_rank), WORLD_SIZE=str(world_size),
                LOCAL_WORLD_SIZE=str(nproc), GROUP_RANK=str(node_rank), GROUP_WORLD_SIZE=str(nnodes),
                ROLE_RANK=str(rank), ROLE_WORLD_SIZE=str(world_size))


def _stop(processes):
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + _GRACE_S
    for process in processes:
        try:
            process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _run_group(command, environments, monitor_interval):
    """(0, None) when every process ends with 0, else (its status, its local rank) for the first that failed."""
    processes = [subprocess.Popen(command, env=environment) for environment in environments]
    try:
        while True:
            for local_rank, process in enumerate(processes):
                status = process.poll()
                if status not in (None, 0):
                    _stop(processes)
                    return status, local_rank
            if all(process.poll() == 0 for process in processes):
                return 0, None
            time.sleep(monitor_interval)
    except BaseException:  # Ctrl-C on the launcher: the processes go with it
        _stop(processes)
        raise


def launch(command, shared, node_rank, nproc, nnodes, monitor_interval, restart):
    """Runs `command` as this node's ranks, once: (0, None), or (the exit status, which process failed how)."""
    environments = [_rank_environment(dict(shared, TORCHELASTIC_RESTART_COUNT=str(restart)), node_rank, nproc,
                                      nnodes, local_rank) for local_rank in range(nproc)]
    status, local_rank = _run_group(command, environments, monitor_interval)
    if status == 0:
        return 0, None
    return status, f"local rank {local_rank}, " + (f"signal {-status}" if status < 0 else f"exit status {status}")
