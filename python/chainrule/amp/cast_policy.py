"""Autocast's cast policies for the ops written in Python, as decorators (the C++ ops take theirs
with CR_AUTOCAST, cpp/autograd/autocast.h):

    @lower_precision   # matrix products: floating inputs cast to the region's dtype (not float64)
    @float32           # losses and the like: float16/bfloat16 inputs cast to float32
    @full_precision    # no casts, and none inside (the recurrent layers)
    @promote           # index_copy: floating inputs cast to the widest floating dtype among them

Inside a CPU autocast region the decorated op runs on its cast tensor arguments (tensors in lists and
tuples too; out= is left as given) with the region suspended, so its own sub-ops run as written, as PyTorch's listed ops
do; outside a region the decorator costs one flag test.
"""
import functools

from chainrule import _C

__all__ = ["lower_precision", "float32", "full_precision", "promote"]

_Tensor = _C.Tensor


def _cast_all(cast, value):
    if isinstance(value, _Tensor):
        return cast(value)
    if type(value) in (list, tuple):
        return type(value)(_cast_all(cast, v) for v in value)
    return value


def _policy(cast):
    def decorate(fn):
        @functools.wraps(fn)
        def run(*args, **kwargs):
            if not _C._autocast_cpu_enabled():
                return fn(*args, **kwargs)
            args = [_cast_all(cast, a) for a in args]
            kwargs = {k: v if k == "out" else _cast_all(cast, v) for k, v in kwargs.items()}
            _C._set_autocast_enabled("cpu", False)
            try:
                return fn(*args, **kwargs)
            finally:
                _C._set_autocast_enabled("cpu", True)

        return run

    return decorate


lower_precision = _policy(_C._autocast_lowered)
float32 = _policy(_C._autocast_float32)
full_precision = _policy(lambda t: t)


def promote(fn):
    @functools.wraps(fn)
    def run(*args, **kwargs):
        if not _C._autocast_cpu_enabled():
            return fn(*args, **kwargs)
        floating = [a.dtype for a in args if isinstance(a, _Tensor) and a.is_floating_point() and a.device.type == "cpu"]
        widest = _C._get_autocast_dtype("cpu")
        for dtype in floating:
            widest = _C._promote_types(widest, dtype)
        return _policy(lambda t: t.to(widest) if t.dtype in floating else t)(fn)(*args, **kwargs)

    return run
