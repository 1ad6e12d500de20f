"""Parent side of the fuzz suite: runs each case in two persistent child processes (chainrule and
the PyTorch oracle, see fuzz_worker.py) and checks chainrule's outcome against PyTorch's.

The rule (issue 15):
- where both return, the values, shapes and dtypes agree (NaN and inf in the same places);
- where PyTorch raises, chainrule raises a Python exception of a clean type (CLEAN_ERRORS);
- where chainrule raises and PyTorch returns, the test fails unless fuzz_known_differences.py
  says why (it also lists where chainrule is knowingly more lenient than PyTorch);
- a crash (signal) or a hang of the chainrule worker fails the test with the exact case; the
  worker is restarted for the next case.

Size of a run: CHAINRULE_FUZZ_EXAMPLES (default 150: 30-40 s on 2 cores) examples per test; e.g.
`CHAINRULE_FUZZ_EXAMPLES=3000 python3 -m pytest -q tests/fuzz` for a long run (about 10 min).
Hypothesis is derandomized and has no example database, so a run is the same on every machine.
CHAINRULE_FUZZ_HEADROOM_GIB (fuzz_worker.py) sizes the workers' address-space cap; 0 lifts it.
"""
import atexit
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import tempfile

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

from fuzz_known_differences import is_known_difference, is_known_leniency, is_pytorch_wrong
from fuzz_worker import Case

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = int(os.environ.get("CHAINRULE_FUZZ_EXAMPLES", "150"))
FUZZ_SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                         suppress_health_check=list(HealthCheck))
CASE_TIMEOUT_S = 20  # a case that runs longer is a hang (the fuzz inputs are tiny)

# Exception types a PyTorch program can expect (MemoryError: an allocation that cannot succeed;
# InvalidArgumentError and DTypeError: chainrule's ValueError and TypeError that are RuntimeErrors too).
CLEAN_ERRORS = {"ValueError", "TypeError", "IndexError", "RuntimeError", "NotImplementedError", "MemoryError",
                "InvalidArgumentError", "DTypeError"}

class Worker:
    """One persistent child running cases in `library`; restarted after it crashes or hangs."""

    def __init__(self, library):
        self.library, self.proc, self.stderr = library, None, None

    def _start(self):
        self.stderr = tempfile.TemporaryFile()
        boot = f"import sys; sys.path.insert(0, {HERE!r}); import fuzz_worker; fuzz_worker.serve({self.library!r})"
        self.proc = subprocess.Popen([sys.executable, "-c", boot], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.stderr)
        ready = self._receive(120)
        if ready != "ready":
            raise RuntimeError(f"the {self.library} fuzz worker did not start: {ready}")

    def _receive(self, timeout):
        """The next reply, or ("crash", signal, stderr tail) / ("hang", seconds) after stopping the child."""
        out = self.proc.stdout
        if not select.select([out], [], [], timeout)[0]:
            self.stop()
            return ("hang", timeout)
        header = out.read(8)
        body = out.read(struct.unpack("<Q", header)[0]) if len(header) == 8 else b""
        if len(header) == 8 and body:
            return pickle.loads(body)
        code = self.proc.wait()
        self.stderr.seek(0)
        tail = self.stderr.read().decode(errors="replace")[-1500:]
        self.proc = None
        name = signal.Signals(-code).name if code < 0 else f"exit status {code}"
        return ("crash", name, tail)

    def run(self, case):
        if self.proc is None:
            self._start()
        data = pickle.dumps(case)
        try:
            self.proc.stdin.write(struct.pack("<Q", len(data)) + data)
            self.proc.stdin.flush()
        except BrokenPipeError:
            pass  # it died; _receive reports how
        return self._receive(CASE_TIMEOUT_S)

    def stop(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


WORKERS = {"chainrule": Worker("chainrule"), "torch": Worker("torch")}
atexit.register(lambda: [w.stop() for w in WORKERS.values()])


def describe(case):
    """The case as a readable call with every input's dtype, layout and values."""
    np.set_printoptions(threshold=200, precision=8)

    def show(x):
        if type(x).__name__ == "T":
            return f"tensor({x.array.tolist() if x.array.size <= 200 else '...'}, dtype={x.array.dtype}, " \
                   f"shape={x.array.shape}, layout={x.layout})"
        if type(x).__name__ == "D":
            return x.name
        if isinstance(x, (list, tuple)):
            inner = ", ".join(show(v) for v in x)
            return f"[{inner}]" if isinstance(x, list) else f"({inner}{',' if len(x) == 1 else ''})"
        return repr(x)

    args = ", ".join([show(a) for a in case.args] + [f"{k}={show(v)}" for k, v in case.kwargs.items()])
    then = "".join(f".{m}{show(tuple(a))}" for m, a in case.then)
    return f"{case.call}:{case.name}({args}){then}"


def assert_same_value(ours, theirs, rtol, atol, where="result"):
    """Normalized results (fuzz_worker.normalize) equal: kind, dtype, shape, values, NaN places."""
    assert ours[0] == theirs[0], f"{where}: chainrule returns a {ours[0]}, PyTorch a {theirs[0]}"
    if ours[0] == "seq":
        assert len(ours[1]) == len(theirs[1]), f"{where}: {len(ours[1])} results, PyTorch {len(theirs[1])}"
        for i, (o, t) in enumerate(zip(ours[1], theirs[1])):
            assert_same_value(o, t, rtol, atol, f"{where}[{i}]")
        return
    if ours[0] == "value":
        o, t = ours[1], theirs[1]
        if isinstance(t, float) and isinstance(o, (int, float)):
            np.testing.assert_allclose(o, t, rtol=rtol, atol=atol, equal_nan=True, err_msg=where)
        else:
            assert o == t and type(o) is type(t), f"{where}: {o!r} != PyTorch's {t!r}"
        return
    if ours[0] in ("tensor", "big tensor"):
        assert ours[1] == theirs[1], f"{where}: dtype {ours[1]} != PyTorch's {theirs[1]}"
        assert ours[2] == theirs[2], f"{where}: shape {ours[2]} != PyTorch's {theirs[2]}"
    if ours[0] == "tensor":
        got, want = ours[3], theirs[3]
        if want.dtype.kind in "biu":
            np.testing.assert_array_equal(got, want, err_msg=where)
        else:
            floor = tolerances(ours[1])  # a float32 result of float64 or int64 inputs is float32-accurate
            rtol, atol = max(rtol, floor[0]), max(atol, floor[1])
            scale = float(np.max(np.abs(want[np.isfinite(want)]), initial=1.0))
            np.testing.assert_allclose(got, want, rtol=rtol, atol=atol * scale, equal_nan=True, err_msg=where)


def check(case, rtol=1e-5, atol=1e-6, allow_known=True):
    """Runs `case` in both workers and fails the test where chainrule breaks the rule above.
    atol is relative to the largest finite magnitude in PyTorch's result (summation order).
    allow_known=False: KNOWN_DIFFERENCES and KNOWN_LENIENCIES do not apply (for pinned open defects).
    With CHAINRULE_FUZZ_LOG=path (a survey run), failures are appended to that file instead."""
    log = os.environ.get("CHAINRULE_FUZZ_LOG")
    if log and allow_known:
        try:
            _check(case, rtol, atol, allow_known)
        except (AssertionError, pytest.fail.Exception) as e:
            with open(log, "a") as f:
                f.write(f"{str(e).strip()}\n\n")
        return
    _check(case, rtol, atol, allow_known)


def _check(case, rtol, atol, allow_known):
    theirs = WORKERS["torch"].run(case)
    ours = WORKERS["chainrule"].run(case)
    text = describe(case)
    if ours[0] == "crash":
        pytest.fail(f"chainrule crashed ({ours[1]}) on\n  {text}\nstderr: {ours[2]}")
    if ours[0] == "hang":
        pytest.fail(f"chainrule ran over {ours[1]} s on\n  {text}")
    if theirs[0] in ("crash", "hang"):
        return  # the oracle has no answer; chainrule did not crash, which is all we can ask
    if ours[0] == "error" and ours[1] not in CLEAN_ERRORS:
        pytest.fail(f"chainrule raised {ours[1]} ({ours[2]}) on\n  {text}\nexpected one of {sorted(CLEAN_ERRORS)}")
    if allow_known and is_pytorch_wrong(case, theirs):
        return  # PyTorch's answer is wrong there; chainrule's is pinned in test_fuzz_found.py
    if theirs[0] == "error":
        lenient = allow_known and is_known_leniency(case, theirs[2])
        assert ours[0] == "error" or lenient, \
            f"PyTorch raises {theirs[1]}: {theirs[2]}\nbut chainrule returns on\n  {text}"
        return
    if ours[0] == "error":
        if not allow_known or not is_known_difference(case, ours[1], ours[2], theirs[1]):
            pytest.fail(f"chainrule raised {ours[1]}: {ours[2]}\nwhere PyTorch returns, on\n  {text}")
        return
    try:
        assert_same_value(ours[1], theirs[1], rtol, atol)
    except AssertionError as e:
        raise AssertionError(f"{e}\non\n  {text}") from None


def check_raises(case):
    """chainrule raises a clean Python exception on `case` (for cases PyTorch would run for hours,
    e.g. a sum over 2**62 expanded elements: the oracle is not asked)."""
    ours = WORKERS["chainrule"].run(case)
    text = describe(case)
    assert ours[0] == "error" and ours[1] in CLEAN_ERRORS, f"chainrule gave {ours[:2]} on\n  {text}\n{ours[2:]}"


def tolerances(dtype):
    """(rtol, atol) fit for results computed in `dtype`."""
    return {"float32": (2e-4, 2e-5), "float16": (4e-3, 2e-3)}.get(dtype, (1e-7, 1e-9))


__all__ = ["Case", "FUZZ_SETTINGS", "check", "check_raises", "tolerances"]
