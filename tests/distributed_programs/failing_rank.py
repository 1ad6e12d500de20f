"""A rank that fails while the others wait in a collective: `raise` (an uncaught exception), `kill`
(SIGKILL, as an out-of-memory kill would be), `stall` (alive but never joining the collective,
with init_process_group's timeout set) or `exit` (sys.exit on rank 1 while rank 0 still has 20 s
of work before its next collective; timeout set). tests/test_distributed.py checks that mpirun
then ends every rank, non-zero, within a bounded time. Usage: mpirun -n 2 python failing_rank.py MODE"""
import datetime
import os
import signal
import sys
import time

from mpi4py import MPI

import chainrule as cr
import chainrule.distributed as dist

mode = sys.argv[1]
dist.init_process_group("mpi", timeout=datetime.timedelta(seconds=3) if mode in ("stall", "exit") else None)
MPI.COMM_WORLD.Barrier()  # everyone is up (outside the timeout: a slow start under load is not a stall)
if dist.get_rank() == 1:
    if mode == "raise":
        raise ValueError("rank 1 fails on purpose")
    if mode == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    if mode == "exit":
        sys.exit(3)
    time.sleep(60)  # stall: alive, but never joins the next collective
if mode == "exit":
    time.sleep(20)  # work before the next collective: rank 1's exit must not wait for it
dist.all_reduce(cr.ones(4))
print("rank 0 should not get here", flush=True)
