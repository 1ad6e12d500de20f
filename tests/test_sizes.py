"""Sizes that cannot exist: element counts, byte counts, strides and offsets past int64, and
ranges that would wrap. Each is a clear Python exception naming the op and the sizes, raised
before anything is allocated (issue 15, defect 2): these once segfaulted (`zeros(2**62)`,
`eye(2**32, 2**32)`, `linspace(0, 1, 2**62)`), made a tensor of numel 0 (`zeros(2**32, 2**32)`),
summed to 0.0 (`expand(2**32, 2**32).sum()`) or returned empty tensors (`arange(0, 1e30)`,
`narrow(0, 2**63 - 2, 3)`); a kernel's work buffer larger than memory says how many bytes it
asked for instead of a bare `std::bad_alloc`. They run in a child process (4 GiB of address
space), so a regression fails a test instead of ending the run; each is checked against PyTorch,
which raises for every one of them."""
import pytest

from child_process import UNDER_ASAN, run_in_child, torch_outcome
from conftest import requires_torch, torch

BIG = 2**62

# name: (the call, with `T` the library, its exception type here, words the message must hold)
CASES = {
    "zeros(2**62)": ("T.zeros(2**62)", "RuntimeError", "zeros: storage size calculation overflowed"),
    "zeros(2**32, 2**32)": ("T.zeros(2**32, 2**32)", "RuntimeError", "zeros: integer multiplication overflow"),
    "ones(2**31, 2**31, 4)": ("T.ones(2**31, 2**31, 4)", "RuntimeError", "ones: integer multiplication overflow"),
    "full((2**33, 2**33))": ("T.full((2**33, 2**33), 1.0)", "RuntimeError", "full: integer multiplication"),
    "zeros(0, 2**40, 2**40) strides": ("T.zeros(0, 2**40, 2**40)", "RuntimeError", "stride calculation overflowed"),
    "eye(2**32, 2**32)": ("T.eye(2**32, 2**32)", "RuntimeError", "eye: integer multiplication overflow"),
    "linspace(0, 1, 2**62)": ("T.linspace(0, 1, 2**62)", "RuntimeError", "linspace: storage size"),
    "randn(2**62)": ("T.randn(2**62)", "RuntimeError", "randn: storage size"),
    "randperm(2**62)": ("T.randperm(2**62)", "RuntimeError", "randperm: storage size"),
    "arange(0.0, 1e30, 1.0)": ("T.arange(0.0, 1e30, 1.0)", "RuntimeError", "arange: the range"),
    "arange(-2**63, 2**63 - 1)": ("T.arange(-2**63, 2**63 - 1)", "RuntimeError", "arange"),
    "arange(2**62)": ("T.arange(2**62)", "RuntimeError", "arange: storage size"),
    "expand(2**32, 2**32).sum()": ("T.zeros(1, 1).expand(2**32, 2**32).sum()", "RuntimeError",
                                   "expand: integer multiplication overflow"),
    "expand(2**62, 4)": ("T.zeros(1, 1).expand(2**62, 4)", "RuntimeError", "expand: integer multiplication"),
    "reshape(2**40, 2**40, 0)": ("T.zeros(0).reshape(2**40, 2**40, 0)", "RuntimeError",
                                 "integer multiplication overflow"),
    "repeat(2**62)": ("T.zeros(2).repeat(2**62)", "RuntimeError", "integer multiplication overflow"),
    "narrow start past int64": ("T.zeros(5).narrow(0, 2**63 - 2, 3)", "IndexError", "narrow: start"),
    "narrow length past int64": ("T.zeros(5).narrow(0, 2, 2**63 - 1)", "RuntimeError", "narrow: start (2) + length"),
    "as_strided past int64": ("T.zeros(4).as_strided((2**40,), (2**40,))", "RuntimeError", "as_strided"),
    "as_strided past storage": ("T.zeros(4).as_strided((5,), (1,))", "RuntimeError", "as_strided"),
    "cat of 2**62 + 2**62 rows": ("T.cat([T.zeros(1, 1).expand(BIG, 1), T.zeros(1, 1).expand(BIG, 1)])",
                                  "RuntimeError", "cat: integer addition overflow"),
    "empty_like of a huge expand": ("T.empty_like(T.zeros(1, 1).expand(2**31, 2**31))", "RuntimeError",
                                    "storage size calculation overflowed"),
    "new_zeros((2**62,))": ("T.zeros(1).new_zeros((BIG,))", "RuntimeError", "storage size"),
    "one_hot(num_classes=2**62)": ("T.nn.functional.one_hot(T.tensor([1]), num_classes=BIG)", "RuntimeError",
                                   "storage size"),
    "conv2d dilation 2**62": ("T.nn.functional.conv2d(T.zeros(1, 1, 4, 4), T.zeros(1, 1, 3, 3), dilation=BIG)",
                              "RuntimeError", "conv2d: integer multiplication overflow"),
    "conv2d padding 2**62": ("T.nn.functional.conv2d(T.zeros(1, 1, 4, 4), T.zeros(1, 1, 3, 3), padding=BIG)",
                             "RuntimeError", "conv2d: integer multiplication overflow"),
    "conv_transpose2d stride 2**62": (
        "T.nn.functional.conv_transpose2d(T.zeros(1, 1, 4, 4), T.zeros(1, 1, 3, 3), stride=BIG)",
        "RuntimeError", "conv_transpose2d: integer multiplication overflow"),
    "Linear(2**62, 2**62)": ("T.nn.Linear(BIG, BIG)", "RuntimeError", "integer multiplication overflow"),
    "conv1d work buffer past memory": ("T.nn.functional.conv1d(T.zeros(1, 1, 2**20), T.zeros(1, 1, 2**19))",
                                       "RuntimeError", "out of memory: cannot allocate a work buffer of"),
    "pad by 2**62 on each side": ("T.nn.functional.pad(T.zeros(1, 4), (BIG, BIG))", "RuntimeError",
                                  "pad: integer addition overflow"),
    "zeros(2**64)": ("T.zeros(2**64)", "TypeError", "18446744073709551616 does not fit in int64"),
    "view(2**64)": ("T.zeros(3).view(2**64)", "TypeError", "does not fit in int64"),
    "LSTM(2, 2**62) weights of 2**64 rows": ("T.nn.LSTM(2, BIG)", "TypeError", "does not fit in int64"),
}
# PyTorch names a size past int64 in one call differently (TypeError for a factory, ValueError or
# RuntimeError elsewhere); what matters is that it raises, as these do.
PYTORCH_TYPE_DIFFERS = {"view(2**64)", "LSTM(2, 2**62) weights of 2**64 rows", "narrow length past int64",
                        "conv2d dilation 2**62", "conv2d padding 2**62", "conv_transpose2d stride 2**62",
                        "arange(-2**63, 2**63 - 1)", "repeat(2**62)", "cat of 2**62 + 2**62 rows",
                        "conv1d work buffer past memory", "pad by 2**62 on each side"}  # PyTorch computes it (2**38 MACs, minutes)

CHILD = """
T = cr
BIG = 2**62
def compute(expr):
    eval(expr)
    return None
"""


# AddressSanitizer's operator new aborts when memory runs out instead of throwing std::bad_alloc,
# so under tests/sanitize.sh the work-buffer case cannot run.
ASAN_ABORTS_ON_BAD_ALLOC = {"conv1d work buffer past memory"} if UNDER_ASAN else set()


@pytest.fixture(scope="module")
def outcomes():
    names = [name for name in CASES if name not in ASAN_ABORTS_ON_BAD_ALLOC]
    return dict(zip(names, run_in_child(CHILD, [CASES[name][0] for name in names])))


@pytest.mark.parametrize("name", list(CASES))
def test_an_impossible_size_is_a_clear_error(name, outcomes):
    if name in ASAN_ABORTS_ON_BAD_ALLOC:
        pytest.skip("AddressSanitizer aborts on an allocation failure in operator new (no std::bad_alloc)")
    _, error, words = CASES[name]
    got = outcomes[name]
    assert got[0] == "error", f"{name}: returned instead of raising"
    assert got[1] == error, f"{name}: raised {got[1]}: {got[2]}"
    assert words in got[2], f"{name}: the message {got[2]!r} does not say {words!r}"


@requires_torch
@pytest.mark.parametrize("name", sorted(set(CASES) - PYTORCH_TYPE_DIFFERS))
def test_pytorch_raises_the_same_exception_type(name):
    call, error, _ = CASES[name]
    theirs = torch_outcome(lambda: eval(call, {"T": torch, "BIG": BIG}))
    assert theirs[0] == "error" and theirs[1] == error, theirs


def test_sizes_that_fit_still_work_at_the_edges():
    outcomes = run_in_child(CHILD.replace("eval(expr)\n    return None", "return tuple(eval(expr).shape)"), [
        "T.zeros(0, 2**40)", "T.zeros(1, 1).expand(2**31, 2**31)", "T.zeros(5).narrow(0, -5, 5)",
        "T.zeros(5).narrow(0, 5, 0)", "T.arange(-2**62, 2**62, 2**61)", "T.zeros(8)[::2**62]",
    ])
    assert outcomes == [("value", (0, 2**40)), ("value", (2**31, 2**31)), ("value", (5,)), ("value", (0,)),
                        ("value", (4,)), ("value", (1,))]
