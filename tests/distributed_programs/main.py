"""The program tests/test_distributed.py runs under `mpirun -n N`: every collective check and every
DistributedDataParallel check in one launch (each mpirun start costs about a second per rank here).
Argument: a folder every rank can write to (for the checkpoint check).
Prints `rank R: ok (collectives, ddp)` on success; any failure raises, and init_process_group's
excepthook then stops every rank."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import chainrule.distributed as dist  # noqa: E402
import collective_checks  # noqa: E402
import ddp_checks  # noqa: E402

dist.init_process_group(backend=sys.argv[2] if len(sys.argv) > 2 else "mpi")
done = [collective_checks.run_all(), ddp_checks.run_all(sys.argv[1])]
print(f"rank {dist.get_rank()}: ok ({', '.join(done)})\n", end="", flush=True)  # one write: the ranks share stdout
# No destroy_process_group: the ranks meet at the exit barrier (failure.py) and end with status 0.
