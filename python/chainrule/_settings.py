"""Global switches PyTorch scripts set at start-up that do not change chainrule's results.

chainrule's CPU kernels are deterministic (the same inputs and thread count give the same bits) and
compute float32 matmuls in full float32, so these record the setting and report it back, nothing
more; `use_deterministic_algorithms(True)` therefore never has to raise.
"""

__all__ = ["use_deterministic_algorithms", "are_deterministic_algorithms_enabled",
           "is_deterministic_algorithms_warn_only_enabled", "set_float32_matmul_precision",
           "get_float32_matmul_precision", "set_num_interop_threads", "get_num_interop_threads"]

_deterministic = {"mode": False, "warn_only": False}
_matmul_precision = ["highest"]
_interop_threads = [1]  # chainrule runs no inter-op thread pool: ops run one after another


def use_deterministic_algorithms(mode, *, warn_only=False):
    if not isinstance(mode, bool):
        raise TypeError(f"use_deterministic_algorithms: expected a bool mode, got {type(mode).__name__}")
    _deterministic.update(mode=mode, warn_only=bool(warn_only))


def are_deterministic_algorithms_enabled():
    return _deterministic["mode"]


def is_deterministic_algorithms_warn_only_enabled():
    return _deterministic["warn_only"]


def set_float32_matmul_precision(precision):
    if precision not in ("highest", "high", "medium"):
        raise RuntimeError(f"set_float32_matmul_precision: invalid precision {precision!r}; "
                           "expected 'highest', 'high' or 'medium'")
    _matmul_precision[0] = precision


def get_float32_matmul_precision():
    return _matmul_precision[0]


def set_num_interop_threads(n):
    """The size of PyTorch's pool for running independent ops concurrently. chainrule has no such
    pool (ops run in order, each parallel inside), so the number is recorded and reported back."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise RuntimeError(f"set_num_interop_threads: expected a positive number of threads, got {n!r}")
    _interop_threads[0] = n


def get_num_interop_threads():
    return _interop_threads[0]
