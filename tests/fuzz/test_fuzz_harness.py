"""The fuzz harness itself: a worker that dies is reported with its signal, and the next case runs
in a fresh worker; a giant allocation fails fast under the worker's address-space limit."""
import os
import signal

import numpy as np

from fuzz_harness import Worker
from fuzz_worker import Case, T

SUM = Case("method", "sum", (T(np.arange(4.0), "contiguous"),))
# Under tests/sanitize.sh, AddressSanitizer turns the segfault into an abort (abort_on_error=1).
CRASH_SIGNAL = "SIGABRT" if "libasan" in os.environ.get("LD_PRELOAD", "") else "SIGSEGV"


def test_a_crash_is_reported_and_the_worker_restarts():
    worker = Worker("chainrule")
    try:
        assert worker.run(SUM)[0] == "value"
        os.kill(worker.proc.pid, signal.SIGSEGV)  # as a segfault in a kernel would
        assert worker.run(SUM)[:2] == ("crash", CRASH_SIGNAL)
        outcome = worker.run(SUM)
        assert outcome[0] == "value" and outcome[1][3] == 6.0
    finally:
        worker.stop()


def test_a_giant_allocation_fails_fast_in_the_worker():
    worker = Worker("chainrule")
    try:
        outcome = worker.run(Case("fn", "ones", ((2**33,),)))  # 32 GiB: over the address-space limit
        assert outcome[0] == "error" and outcome[1] in ("RuntimeError", "MemoryError"), outcome
    finally:
        worker.stop()
