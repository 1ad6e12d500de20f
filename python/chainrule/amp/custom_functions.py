"""custom_fwd / custom_bwd (torch.amp.custom_fwd, torch.amp.custom_bwd): decorators for the forward and
backward of an autograd.Function under autocast, as in PyTorch.

custom_fwd records on ctx whether autocast was on, so custom_bwd runs backward in the same autocast
state; with cast_inputs=dtype, forward runs with autocast off on its floating inputs cast to dtype.
"""
import collections.abc
import functools

from chainrule._C import Tensor, dtype as _dtype_type
from chainrule.amp.autocast_mode import autocast, get_autocast_dtype, is_autocast_enabled

__all__ = ["custom_fwd", "custom_bwd"]


def _check_device_type(device_type):
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")


def custom_fwd(fwd=None, *, device_type, cast_inputs=None):
    """Decorates an autograd.Function's forward(ctx, ...) (with or without arguments)."""
    _check_device_type(device_type)
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)

    @functools.wraps(fwd)
    def decorate_fwd(*args, **kwargs):
        args[0]._dtype = get_autocast_dtype(device_type)
        if cast_inputs is None:
            args[0]._fwd_used_autocast = is_autocast_enabled(device_type)
            return fwd(*args, **kwargs)
        args[0]._fwd_used_autocast = False
        if not is_autocast_enabled(device_type):
            return fwd(*args, **kwargs)
        with autocast(device_type=device_type, enabled=False):
            return fwd(*_cast(args, device_type, cast_inputs), **_cast(kwargs, device_type, cast_inputs))

    return decorate_fwd


def custom_bwd(bwd=None, *, device_type):
    """Decorates an autograd.Function's backward(ctx, ...): it runs in forward's autocast state."""
    _check_device_type(device_type)
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)

    @functools.wraps(bwd)
    def decorate_bwd(*args, **kwargs):
        with autocast(device_type=device_type, enabled=args[0]._fwd_used_autocast, dtype=args[0]._dtype):
            return bwd(*args, **kwargs)

    return decorate_bwd


def _cast(value, device_type, dtype):
    """value with each floating, non-float64 tensor on device_type cast to dtype, through containers."""
    if isinstance(value, Tensor):
        eligible = value.is_floating_point() and value.device.type == device_type and value.dtype != _float64
        return value.to(dtype) if eligible else value
    if isinstance(value, (str, bytes)) or not isinstance(value, collections.abc.Iterable):
        return value
    if isinstance(value, collections.abc.Mapping):
        return {_cast(k, device_type, dtype): _cast(v, device_type, dtype) for k, v in value.items()}
    cast = (_cast(v, device_type, dtype) for v in value)
    return type(value)(cast) if isinstance(value, (list, tuple)) else cast


_float64 = _dtype_type.float64
