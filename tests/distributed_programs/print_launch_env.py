"""Prints, as one JSON line per process, what a launcher gave it: the torchrun variables, its
arguments, sys.path[0] and __name__. tests/test_distributed_run.py runs it under PyTorch's torchrun
and under `python -m chainrule.distributed.run` (as a script and with -m) and compares."""
import json
import os
import sys

TORCHRUN_VARIABLES = ["RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "GROUP_RANK", "GROUP_WORLD_SIZE",
                      "ROLE_RANK", "ROLE_WORLD_SIZE", "ROLE_NAME", "MASTER_ADDR", "MASTER_PORT", "TORCHELASTIC_RUN_ID",
                      "TORCHELASTIC_RESTART_COUNT", "TORCHELASTIC_MAX_RESTARTS", "TORCHELASTIC_USE_AGENT_STORE",
                      "TORCH_NCCL_ASYNC_ERROR_HANDLING", "OMP_NUM_THREADS"]
# One write of the whole line: the ranks share the launcher's stdout, and print's separate writes of
# its pieces could interleave with the other rank's.
launched = json.dumps({"environment": {name: os.environ.get(name) for name in TORCHRUN_VARIABLES},
                       "argv": sys.argv[1:], "path0": sys.path[0], "name": __name__})
print(f"launched {launched}\n", end="", flush=True)
