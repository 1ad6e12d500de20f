"""Starting a program as N ranks that meet over TCP, from a test: each rank a process of its own
with torchrun's variables (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT on a free port), no MPI
launcher, and a run that can never hang the test session (every rank is killed at the timeout)."""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

import pytest

_LAUNCHER_VARIABLES = ("OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "PMI_RANK", "RANK", "WORLD_SIZE",
                       "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT", "TORCHELASTIC_RUN_ID")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def clean_environment(**environment):
    """This process's environment without any launcher's variables, with `environment` added."""
    env = {name: value for name, value in os.environ.items() if name not in _LAUNCHER_VARIABLES}
    env["OMP_NUM_THREADS"] = "1"  # the ranks share 2 cores
    return dict(env, **environment)


def run_tcp(ranks, program, *args, timeout=60):
    """(exit codes, output of every rank, seconds) of `python program args` started as `ranks` ranks.
    As torchrun does, when one rank fails (non-zero exit) the others are stopped."""
    port = str(free_port())
    logs = [tempfile.TemporaryFile("w+") for _ in range(ranks)]
    processes = [subprocess.Popen([sys.executable, program, *args], stdout=log, stderr=subprocess.STDOUT, text=True,
                                  start_new_session=True,
                                  env=clean_environment(RANK=str(rank), WORLD_SIZE=str(ranks),
                                                        MASTER_ADDR="127.0.0.1", MASTER_PORT=port))
                 for rank, log in enumerate(logs)]
    start = time.monotonic()
    while any(p.poll() is None for p in processes):
        failed = any(p.returncode not in (None, 0) for p in processes)
        late = time.monotonic() - start > timeout
        if failed or late:
            for process in processes:
                if process.poll() is None:
                    os.killpg(process.pid, signal.SIGKILL)
            if late:
                pytest.fail(f"{program} on {ranks} ranks did not finish within {timeout} s:\n{_read(logs)}")
        time.sleep(0.05)
    return [p.returncode for p in processes], _read(logs), time.monotonic() - start


def _read(logs):
    text = ""
    for log in logs:
        log.seek(0)
        text += log.read()
        log.close()
    return text


def run_python(code, timeout=60, **environment):
    """`python -c code` in a clean environment (no launcher's variables), `environment` added."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout,
                          env=clean_environment(**environment))
