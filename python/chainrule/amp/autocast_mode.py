"""autocast (torch.autocast / torch.amp.autocast): regions where some ops run in a lower precision.

On the CPU, a region casts as PyTorch's CPU autocast does (its lists, checked op by op against
PyTorch in tests/test_autocast.py):
- matrix products and convolutions (linear, matmul, mm, bmm, addmm, baddbmm, addbmm, conv1d/2d/3d,
  conv_transpose1d/2d/3d, prelu, scaled_dot_product_attention, linalg.vecdot) run on inputs cast to
  the region's dtype, bfloat16 unless asked otherwise (float16 is the other choice);
- losses, prod, quantile, cdist, trace, 3-d pooling, reflection/replication padding, grid_sample and
  the matrix factorizations run in float32;
- every other op runs in its inputs' dtype.
The casts are recorded, so gradients flow back to float32 parameters as float32. Casts of leaf
weights are cached for the outermost region. The C++ ops take their policy in cpp/autograd/autocast.h,
the Python ones in chainrule.amp.cast_policy; the region's state is thread-local.

A 'cuda' region is tracked but casts nothing yet: its ops run in their inputs' dtype. Without a CUDA
device it is disabled with PyTorch's warning.
"""
import functools
import warnings

from chainrule import _C

# What chainrule (as torch) exports from here: all but is_autocast_available, which is chainrule.amp's.
__all__ = ["autocast", "is_autocast_enabled", "get_autocast_dtype", "set_autocast_enabled", "set_autocast_dtype",
           "is_autocast_cache_enabled", "set_autocast_cache_enabled", "clear_autocast_cache",
           "autocast_increment_nesting", "autocast_decrement_nesting"]

_DEVICE_TYPES = ("cpu", "cuda", "mps", "xpu")
_LOWER_PRECISION = (_C.dtype.bfloat16, _C.dtype.float16)


class autocast:
    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        if not is_autocast_available(device_type):
            raise RuntimeError(f"User specified an unsupported autocast device_type '{device_type}'")
        self.device = device_type
        self.fast_dtype = dtype if dtype is not None else _C._get_autocast_dtype(device_type)
        self._cache_enabled = _C._is_autocast_cache_enabled() if cache_enabled is None else cache_enabled
        if enabled and device_type == "cuda":
            from chainrule import cuda
            if not cuda.is_available():
                warnings.warn("CUDA is not available or torch_xla is imported. Disabling autocast.", stacklevel=2)
                enabled = False
        elif enabled and self.fast_dtype not in _LOWER_PRECISION:
            name = device_type.upper()
            warnings.warn(f"In {name} autocast, but the target dtype is not supported. Disabling autocast.\n"
                          f"{name} Autocast only supports dtypes of chainrule.bfloat16, chainrule.float16 currently.",
                          stacklevel=2)
            enabled = False
        self._enabled = bool(enabled)

    def __enter__(self):
        self._previous = (_C._is_autocast_enabled(self.device), _C._get_autocast_dtype(self.device),
                          _C._is_autocast_cache_enabled())
        _C._set_autocast_enabled(self.device, self._enabled)
        _C._set_autocast_dtype(self.device, self.fast_dtype)
        _C._autocast_increment_nesting()
        _C._set_autocast_cache_enabled(self._cache_enabled)
        return self

    def __exit__(self, *exc):
        if _C._autocast_decrement_nesting() == 0:
            _C._clear_autocast_cache()
        enabled, dtype, cache_enabled = self._previous
        _C._set_autocast_enabled(self.device, enabled)
        _C._set_autocast_dtype(self.device, dtype)
        _C._set_autocast_cache_enabled(cache_enabled)
        return False

    def __call__(self, fn):
        if not callable(fn):
            raise TypeError(f"autocast()(func) requires a callable, but got {type(fn).__name__}. Did you mean to use "
                            "autocast as a context manager? For example:\n    with torch.autocast(device_type=...):\n"
                            "        output = model(input)")

        @functools.wraps(fn)
        def run_in_region(*args, **kwargs):
            with autocast(self.device, self.fast_dtype, self._enabled, self._cache_enabled):
                return fn(*args, **kwargs)

        return run_in_region


def is_autocast_available(device_type):
    """Whether autocast regions can name device_type."""
    return device_type in _DEVICE_TYPES


def is_autocast_enabled(device_type=None):
    """Whether the innermost autocast region for device_type (PyTorch's default: 'cuda') is on."""
    return _C._is_autocast_enabled("cuda" if device_type is None else device_type)


def get_autocast_dtype(device_type):
    """The dtype of the innermost region for device_type, or the default one outside regions."""
    return _C._get_autocast_dtype(device_type)


def set_autocast_enabled(device_type, enabled=None):
    """Turns autocast for device_type on or off (the legacy one-argument form means 'cuda')."""
    if enabled is None:
        device_type, enabled = "cuda", device_type
    _C._set_autocast_enabled(device_type, bool(enabled))


def set_autocast_dtype(device_type, dtype):
    _C._set_autocast_dtype(device_type, dtype)


def is_autocast_cache_enabled():
    return _C._is_autocast_cache_enabled()


def set_autocast_cache_enabled(enabled):
    _C._set_autocast_cache_enabled(bool(enabled))


def clear_autocast_cache():
    _C._clear_autocast_cache()


def autocast_increment_nesting():
    return _C._autocast_increment_nesting()


def autocast_decrement_nesting():
    return _C._autocast_decrement_nesting()


def _deprecated(name, replacement, fn):
    @functools.wraps(fn)
    def run(*args):
        warnings.warn(f"torch.{name}() is deprecated. Please use torch.{replacement} instead.", DeprecationWarning,
                      stacklevel=2)
        return fn(*args)

    run.__name__ = run.__qualname__ = name
    return run


# PyTorch's older per-device spellings, which warn that they are deprecated.
is_autocast_cpu_enabled = _deprecated("is_autocast_cpu_enabled", "is_autocast_enabled('cpu')",
                                      lambda: _C._is_autocast_enabled("cpu"))
set_autocast_cpu_enabled = _deprecated("set_autocast_cpu_enabled", "set_autocast_enabled('cpu', enabled)",
                                       lambda enabled: _C._set_autocast_enabled("cpu", bool(enabled)))
get_autocast_cpu_dtype = _deprecated("get_autocast_cpu_dtype", "get_autocast_dtype('cpu')",
                                     lambda: _C._get_autocast_dtype("cpu"))
set_autocast_cpu_dtype = _deprecated("set_autocast_cpu_dtype", "set_autocast_dtype('cpu', dtype)",
                                     lambda dtype: _C._set_autocast_dtype("cpu", dtype))
get_autocast_gpu_dtype = _deprecated("get_autocast_gpu_dtype", "get_autocast_dtype('cuda')",
                                     lambda: _C._get_autocast_dtype("cuda"))
set_autocast_gpu_dtype = _deprecated("set_autocast_gpu_dtype", "set_autocast_dtype('cuda', dtype)",
                                     lambda dtype: _C._set_autocast_dtype("cuda", dtype))
__all__ += ["is_autocast_cpu_enabled", "set_autocast_cpu_enabled", "get_autocast_cpu_dtype", "set_autocast_cpu_dtype",
            "get_autocast_gpu_dtype", "set_autocast_gpu_dtype"]
