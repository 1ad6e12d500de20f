"""chainrule.autograd.profiler: torch.autograd.profiler's older profiler API, sharing chainrule.profiler's
recorder (see its docstring for what is and is not recorded). emit_nvtx and emit_itt emit nothing:
chainrule does not annotate its kernels for Nsight or VTune; they warn once and run the block as is.
"""
import contextlib
import warnings

from chainrule._missing import missing_attribute_hook as _missing_attribute_hook
from chainrule.profiler._events import EventList, FunctionEvent, FunctionEventAvg  # noqa: F401
from chainrule.profiler._profile import AutogradProfile as profile  # noqa: F401
from chainrule.profiler._recording import record_function  # noqa: F401

__all__ = ["profile", "record_function", "emit_nvtx", "emit_itt", "EventList", "FunctionEvent", "FunctionEventAvg"]


def _emits_nothing(tool):
    @contextlib.contextmanager
    def context(enabled=True, record_shapes=False):
        if enabled:
            warnings.warn(f"chainrule emits no {tool} ranges: the block runs without them", stacklevel=3)
        yield
    return context


emit_nvtx = _emits_nothing("NVTX")
emit_itt = _emits_nothing("ITT")
__getattr__ = _missing_attribute_hook(__name__, "torch.autograd.profiler")
