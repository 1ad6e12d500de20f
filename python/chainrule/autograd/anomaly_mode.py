"""Anomaly mode (torch.autograd.detect_anomaly / set_detect_anomaly).

With anomaly mode on and check_nan (the default), the C++ engine checks every gradient a backward
function returns and raises RuntimeError "Function 'SqrtBackward0' returned nan values in its 0th
output." at the first NaN, as PyTorch does. Off, the engine pays one flag test per node. The flag is
global (not per thread), as in PyTorch. Difference: PyTorch also records each op's forward stack
trace to print with the error; chainrule does not.
"""
import functools
import warnings

from chainrule import _C

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "is_anomaly_check_nan_enabled",
           "set_anomaly_enabled"]

is_anomaly_enabled = _C._is_anomaly_enabled
is_anomaly_check_nan_enabled = _C._is_anomaly_check_nan_enabled
set_anomaly_enabled = _C._set_anomaly_enabled


class detect_anomaly:
    """Context manager (or decorator, chainrule's addition) that turns anomaly detection on and restores
    the previous mode on exit."""

    def __init__(self, check_nan=True):
        self.prev = is_anomaly_enabled()
        self.check_nan = check_nan
        self.prev_check_nan = is_anomaly_check_nan_enabled()
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime and should only be "
                      "enabled for debugging.", stacklevel=2)

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self:
                return func(*args, **kwargs)
        return wrapper

    def __enter__(self):
        self.prev, self.prev_check_nan = is_anomaly_enabled(), is_anomaly_check_nan_enabled()
        set_anomaly_enabled(True, self.check_nan)

    def __exit__(self, *args):
        set_anomaly_enabled(self.prev, self.prev_check_nan)


class set_detect_anomaly:
    """Sets anomaly detection on or off now; as a context manager, restores the previous mode on exit."""

    def __init__(self, mode, check_nan=True):
        self.prev = is_anomaly_enabled()
        self.prev_check_nan = is_anomaly_check_nan_enabled()
        set_anomaly_enabled(mode, check_nan)

    def __enter__(self):
        pass

    def __exit__(self, *args):
        set_anomaly_enabled(self.prev, self.prev_check_nan)
