"""Running chainrule calls in a fresh interpreter, so that a crash (SIGSEGV, SIGFPE, abort) fails
the one test that found it instead of ending the pytest run; and PyTorch's outcome of the same
call, to compare with. Used by the tests of inputs that once crashed the core (issue 15)."""
import os
import pickle
import resource
import signal
import subprocess
import sys
import textwrap
import warnings

import pytest

# Child side: `body` defines compute(case) with chainrule imported as cr; each case's outcome is
# ("value", result) or ("error", exception type name, message).
CHILD_MAIN = """
import pickle, sys
import chainrule as cr
{body}
def outcome(case):
    try:
        return ("value", compute(case))
    except Exception as e:
        return ("error", type(e).__name__, str(e))
cases = pickle.loads(sys.stdin.buffer.read())
sys.stdout.buffer.write(pickle.dumps([outcome(case) for case in cases]))
"""

CHILD_MEMORY_LIMIT = 4 << 30  # address space: a runaway allocation fails fast instead of swapping
# Under AddressSanitizer (tests/sanitize.sh preloads libasan) the shadow memory alone maps terabytes
# of address space; there ASAN_OPTIONS' max_allocation_size_mb bounds allocations instead.
UNDER_ASAN = "libasan" in os.environ.get("LD_PRELOAD", "")


def _limit_memory():
    if not UNDER_ASAN:
        resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY_LIMIT, CHILD_MEMORY_LIMIT))


def run_in_child(body, cases):
    """The outcome of compute(case) for each case, computed by `body` in a fresh interpreter."""
    script = CHILD_MAIN.replace("{body}", textwrap.dedent(body))
    result = subprocess.run([sys.executable, "-c", script], input=pickle.dumps(cases), capture_output=True,
                            timeout=300, preexec_fn=_limit_memory)
    if result.returncode < 0:
        pytest.fail(f"the child process died of {signal.Signals(-result.returncode).name} on cases {cases}:\n"
                    f"{result.stderr.decode()[-3000:]}")
    assert result.returncode == 0, result.stderr.decode()[-3000:]
    return pickle.loads(result.stdout)


def torch_outcome(fn):
    """("value", result) or ("error", type name, message) of a PyTorch call, warnings silenced."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # var/std: "degrees of freedom is <= 0"
            return ("value", fn())
    except Exception as e:
        return ("error", type(e).__name__, str(e))
