"""A rank that fails while the others wait in a collective: `raise` (an uncaught exception), `kill`
(SIGKILL, as an out-of-memory kill would be), `kill_forked` (the same, while a child it forked, as
DataLoader workers are, lives on), `stall` (alive but never joining the collective,
with init_process_group's timeout set) or `exit` (sys.exit on rank 1 while rank 0 still has 20 s
of work before its next collective; timeout set). tests/test_distributed.py checks that mpirun
then ends every rank, non-zero, within a bounded time; tests/test_distributed_tcp.py the same of ranks
meeting over TCP. Usage: mpirun -n 2 python failing_rank.py MODE [BACKEND (default mpi)]"""
import datetime
import os
import signal
import sys
import time

import chainrule as cr
import chainrule.distributed as dist

mode, backend = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else "mpi")
seconds = 3 if backend == "mpi" else 10  # over TCP the rendezvous waits under the same timeout: room to start
dist.init_process_group(backend, timeout=datetime.timedelta(seconds=seconds) if mode in ("stall", "exit") else None)
if backend == "mpi":
    from mpi4py import MPI
    MPI.COMM_WORLD.Barrier()  # everyone is up (outside the timeout: a slow start under load is not a stall)
# (over TCP, init_process_group returns once every rank has connected to every other: everyone is up)
if dist.get_rank() == 1:
    if mode == "raise":
        raise ValueError("rank 1 fails on purpose")
    if mode == "kill_forked" and os.fork() == 0:
        time.sleep(30)  # the child lives on: it must not keep its parent's connections open
        os._exit(0)
    if mode in ("kill", "kill_forked"):
        os.kill(os.getpid(), signal.SIGKILL)
    if mode == "exit":
        sys.exit(3)
    time.sleep(60)  # stall: alive, but never joins the next collective
if mode == "exit":
    time.sleep(20)  # work before the next collective: rank 1's exit must not wait for it
dist.all_reduce(cr.ones(4))
print("rank 0 should not get here", flush=True)
