"""Tensor methods that run Python on the host: apply_(fn) and map_(other, fn), which call a Python
function per element of a CPU tensor (torch.Tensor.apply_ / map_).

resize_, resize_as_, set_, share_memory_ and is_shared are in the core (cpp/ops/resize.h)."""
import chainrule
from chainrule._C import Tensor


def _as_element(value, dtype):
    """fn's result converted to an element of `dtype` as torch's apply_ does: any real number (an
    object with __float__ or __index__) is accepted, floats truncate toward zero into integer dtypes,
    and an integer that does not fit raises torch's RuntimeError."""
    if isinstance(value, (complex, str, bytes)) or not (hasattr(type(value), "__float__")
                                                         or hasattr(type(value), "__index__")):
        raise TypeError(f"must be real number, not {type(value).__name__}")
    if dtype == chainrule.bool:
        return bool(float(value))
    if dtype.is_floating_point:
        return float(value)
    number = int(value) if isinstance(value, int) else int(float(value))
    info = chainrule.iinfo(dtype)
    if not info.min <= number <= info.max:
        raise RuntimeError(f"value cannot be converted to type {str(dtype).split('.')[-1]} without overflow")
    return number


def _check_host_call(name, *tensors):
    for t in tensors:
        if t.device.type != "cpu":
            raise TypeError(f"{name} is only implemented on CPU tensors")
    if any(t.requires_grad for t in tensors):
        raise RuntimeError(f"Can't call {name}() on Variable that requires grad. Use var.detach().{name}() instead.")


def _write_elements(self, values):
    """Writes the flat list `values` into self, in self's element order (self may be a view)."""
    with chainrule.no_grad():
        self.copy_(chainrule.tensor(values, dtype=self.dtype).reshape(self.shape))
    return self


def apply_(self, callable):
    """Replaces each element x of this CPU tensor by callable(x), in place; returns self.
    Slow (one Python call per element), as in torch; not for tensors that require grad."""
    _check_host_call("apply_", self)
    return _write_elements(self, [_as_element(callable(x), self.dtype) for x in self.reshape(-1).tolist()])


def map_(self, tensor, callable):
    """Replaces each element x of this CPU tensor by callable(x, y), y the matching element of
    `tensor` broadcast to self's shape (same dtype required, as in torch), in place; returns self."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"map_(): argument 'other' (position 1) must be Tensor, not {type(tensor).__name__}")
    _check_host_call("map_", self, tensor)
    if tensor.dtype != self.dtype:
        raise TypeError(f"map_: expected {self.type()} for 'other' (got {tensor.type()})")
    others = tensor.expand(self.shape).reshape(-1).tolist()
    values = self.reshape(-1).tolist()
    return _write_elements(self, [_as_element(callable(x, y), self.dtype) for x, y in zip(values, others)])


Tensor.apply_ = apply_
Tensor.map_ = map_
