"""nn.Parameter: a Tensor that a Module registers as a learnable parameter when assigned as an attribute;
nn.Buffer: one that it registers as a buffer; UninitializedParameter / UninitializedBuffer: a parameter
or buffer without a shape yet (lazy modules)."""
from chainrule import _C
from chainrule._C import Tensor
from chainrule._foreign_tensors import is_pytorch_tensor
from chainrule._tensor import tensor


class Parameter(Tensor):
    """A tensor sharing `data`'s storage (detached from its graph) that requires grad by default.

    Ops on a Parameter return plain Tensors; `p.data = t` swaps its data in place, as in PyTorch.
    """

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            data = _C.zeros(0)
        elif is_pytorch_tensor(data):
            data = tensor(data)  # a copy: a real PyTorch tensor cannot share a chainrule storage
        return Tensor._make_subclass(cls, data, requires_grad)

    def __init__(self, data=None, requires_grad=True):
        pass  # the instance is complete after __new__ (Tensor's own __init__ would reject the call)

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        copied = type(self)(self.data.clone(), self.requires_grad)
        if self.grad is not None:
            copied.grad = self.grad.clone()
        memo[id(self)] = copied
        return copied

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (self.data, self.requires_grad))

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__


class Buffer(Tensor):
    """A tensor that a Module registers as a buffer when assigned as an attribute (persistent: saved in
    its state_dict), sharing `data`'s storage. PyTorch marks a plain Tensor; chainrule returns this
    subclass, whose ops return plain Tensors."""

    def __new__(cls, data=None, *, persistent=True):
        if data is None:
            data = _C.zeros(0)
        return Tensor._make_subclass(cls, data, data.requires_grad)

    def __init__(self, data=None, *, persistent=True):
        self.persistent = persistent


def _rebuild_parameter(data, requires_grad):
    return Parameter(data, requires_grad)


class UninitializedParameter(Parameter):
    """A parameter whose shape is not known yet (LazyLinear's before its first forward): it holds no
    values; materialize(shape) gives it zeros of that shape and turns it into a plain Parameter."""

    cls_to_become = Parameter

    def __new__(cls, requires_grad=True, device=None, dtype=None):
        return Tensor._make_subclass(cls, _C.zeros(0, device=device, dtype=dtype), requires_grad)

    def __init__(self, requires_grad=True, device=None, dtype=None):
        pass

    def materialize(self, shape, device=None, dtype=None):
        """Gives the parameter `shape` (zeros, to be initialized by the module) and makes it a Parameter,
        on `device` and of `dtype` (by default its own)."""
        self.data = _C.zeros(shape, device=self.device if device is None else device, dtype=dtype or self.dtype)
        self.__class__ = self.cls_to_become

    def __deepcopy__(self, memo):
        if id(self) not in memo:
            memo[id(self)] = type(self)(self.requires_grad, device=self.device, dtype=self.dtype)
        return memo[id(self)]

    def __reduce_ex__(self, protocol):
        raise RuntimeError(f"Can't pickle an uninitialized parameter: run a forward pass (or load a state_dict) "
                           f"first so that it has a shape ({type(self).__name__})")

    def __repr__(self):
        return "<UninitializedParameter>"

    __str__ = __repr__


class UninitializedBuffer(Tensor):
    """A buffer whose shape is not known yet (a lazy norm layer's running statistics). Unlike PyTorch's,
    it is not materialized in place: the lazy module replaces it by a plain tensor of the right shape."""

    def __new__(cls, requires_grad=False, device=None, dtype=None):
        return Tensor._make_subclass(cls, _C.zeros(0, device=device, dtype=dtype), requires_grad)

    def __init__(self, requires_grad=False, device=None, dtype=None):
        pass

    def __repr__(self):
        return "<UninitializedBuffer>"

    __str__ = __repr__


def is_lazy(param):
    """Whether `param` is still an UninitializedParameter or UninitializedBuffer."""
    return isinstance(param, (UninitializedParameter, UninitializedBuffer))
