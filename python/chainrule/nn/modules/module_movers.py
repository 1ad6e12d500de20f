"""The device / dtype movers of nn.Module (a mixin of Module): apply, _apply, to(), float(), cuda() ...

Every mover goes through _apply(fn), which replaces each parameter's data (and grad) and each buffer
by fn(tensor) while keeping the Parameter objects, so optimizers built earlier still see them; as in
PyTorch, a move onto or off the meta device (shapes only) makes new Parameters instead.
"""
from chainrule import _C
from chainrule._C import Tensor, dtype as _dtype
from chainrule.autograd import no_grad
from chainrule.nn.parameter import Parameter


def _no_backend(name):
    """What moving a tensor to a device kind chainrule has no backend for does, as torch without that backend."""
    raise AssertionError(f"chainrule is not compiled with {name} enabled (Torch not compiled with {name} enabled)")


class ModuleMovers:
    """Module's conversions; each returns the module itself, as in PyTorch."""

    def apply(self, fn):
        """Calls fn on every sub-module (children first) and then on self, e.g. for custom init."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    def _apply(self, fn, recurse=True):
        """Replaces every parameter's data, grad and buffer by fn(tensor), keeping Parameter identity."""
        if recurse:
            for module in self.children():
                module._apply(fn)
        for key, param in self._parameters.items():
            if param is None:
                continue
            with no_grad():
                applied = fn(param.data)
                if applied.is_meta != param.is_meta:  # no shared data to trade: a new Parameter, as PyTorch's
                    self._parameters[key] = Parameter(applied, param.requires_grad)
                    continue
                param.data = applied
                if param.grad is not None:
                    grad = param.grad
                    grad.data = fn(grad.data)
        for key, buf in self._buffers.items():
            if buf is not None:
                self._buffers[key] = fn(buf)
        return self

    def to(self, *args, **kwargs):
        """Module.to(dtype), to(device), to(tensor), to(device, dtype), to(memory_format=): floating
        tensors change dtype; 4-d and 5-d ones take the memory format (channels_last)."""
        device, dtype = None, None
        for arg in list(args) + [v for k, v in kwargs.items() if k in ("device", "dtype", "tensor")]:
            if isinstance(arg, Tensor):
                device, dtype = arg.device, arg.dtype
            elif isinstance(arg, _dtype):
                dtype = arg
            elif arg is not None:
                device = arg
        unknown = set(kwargs) - {"device", "dtype", "tensor", "non_blocking", "memory_format"}
        if unknown:
            raise TypeError(f"to() got an unexpected keyword argument '{sorted(unknown)[0]}'")
        if dtype is not None and not dtype.is_floating_point:
            raise TypeError(f"nn.Module.to only accepts floating point dtypes, but got desired dtype={dtype}")

        memory_format = kwargs.get("memory_format")

        def convert(t):
            target = dtype if dtype is not None and t.is_floating_point() else t.dtype
            if memory_format is not None and t.dim() in (4, 5):  # as PyTorch: conv weights and the like
                return t.to(device if device is not None else t.device, target, memory_format=memory_format)
            return t.to(device if device is not None else t.device, target)

        return self._apply(convert)

    def float(self):
        return self._apply(lambda t: t.float() if t.is_floating_point() else t)

    def double(self):
        return self._apply(lambda t: t.double() if t.is_floating_point() else t)

    def half(self):
        return self._apply(lambda t: t.half() if t.is_floating_point() else t)

    def bfloat16(self):
        return self._apply(lambda t: t.bfloat16() if t.is_floating_point() else t)

    def cpu(self):
        return self._apply(lambda t: t.cpu())

    def cuda(self, device=None):
        return self._apply(lambda t: t.cuda(device))

    def ipu(self, device=None):
        return self._apply(lambda t: _no_backend("IPU"))

    def xpu(self, device=None):
        return self._apply(lambda t: _no_backend("XPU"))

    def mtia(self, device=None):
        return self._apply(lambda t: _no_backend("MTIA"))

    def type(self, dst_type):
        """Casts every parameter and buffer with Tensor.type(dst_type) (a dtype or a name like 'torch.DoubleTensor')."""
        return self._apply(lambda t: t.type(dst_type))

    def to_empty(self, *, device, recurse=True):
        """Replaces every parameter and buffer by an uninitialized tensor of its shape and dtype on `device`."""
        return self._apply(lambda t: _C.empty_like(t, device=device), recurse=recurse)

    def share_memory(self):
        """Moves every parameter, gradient and buffer into shared memory (Tensor.share_memory_)."""
        return self._apply(lambda t: t.share_memory_())
