"""autocast (torch.autocast / torch.amp.autocast): regions where PyTorch runs some ops in a lower
precision (float16 or bfloat16).

chainrule does not cast inside an autocast region yet: every op runs in the dtype of its inputs
(float32 by default), so the results are those of full precision, a little more exact than
PyTorch's, and the memory and speed are float32's. (float16 and bfloat16 tensors themselves work,
through .half(), .bfloat16() and dtype=.) The region's state is tracked as PyTorch does,
so `is_autocast_enabled()` answers inside it, and it works as a context manager and as a decorator.
A 'cuda' region with no CUDA device is disabled with PyTorch's warning.
"""
import functools
import warnings

from chainrule import _C

__all__ = ["autocast", "is_autocast_enabled", "get_autocast_dtype"]

_DEVICE_TYPES = ("cpu", "cuda", "mps", "xpu")
_enabled = {}  # device type -> bool, for the innermost region
_dtypes = {"cpu": _C.dtype.bfloat16, "cuda": _C.dtype.float16}  # PyTorch's defaults


class autocast:
    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        if device_type not in _DEVICE_TYPES:
            raise RuntimeError(f"User specified an unsupported autocast device_type '{device_type}'")
        self.device_type = device_type
        self.fast_dtype = dtype if dtype is not None else _dtypes.get(device_type)
        if enabled and device_type == "cuda":
            from chainrule import cuda
            if not cuda.is_available():
                warnings.warn("CUDA is not available or torch_xla is imported. Disabling autocast.", stacklevel=2)
                enabled = False
        self._enabled = bool(enabled)

    def __enter__(self):
        self._previous = _enabled.get(self.device_type, False)
        _enabled[self.device_type] = self._enabled
        return self

    def __exit__(self, *exc):
        _enabled[self.device_type] = self._previous
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def run_in_region(*args, **kwargs):
            with autocast(self.device_type, self.fast_dtype, self._enabled):
                return fn(*args, **kwargs)

        return run_in_region


def is_autocast_enabled(device_type="cuda"):
    """Whether the innermost autocast region for device_type (PyTorch's default: 'cuda') is on."""
    return _enabled.get(device_type, False)


def get_autocast_dtype(device_type):
    """The dtype an autocast region for device_type asks for by default."""
    return _dtypes.get(device_type)
