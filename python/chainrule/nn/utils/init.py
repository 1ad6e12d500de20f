"""chainrule.nn.utils.skip_init (torch.nn.utils.init): build a module without spending time on its
initialization. PyTorch builds it on the meta device and then allocates uninitialized memory;
chainrule has no meta device, so the module is built as usual on `device` (its values are one
valid choice of "uninitialized")."""
import inspect

__all__ = ["skip_init"]


def skip_init(module_cls, *args, **kwargs):
    """module_cls(*args, **kwargs), whose parameters the caller will overwrite."""
    from chainrule.nn.modules.module import Module
    if not issubclass(module_cls, Module):
        raise RuntimeError(f"Expected a Module; got {module_cls}")
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    kwargs.setdefault("device", "cpu")
    return module_cls(*args, **kwargs)
