"""chainrule.nn.utils.skip_init (torch.nn.utils.init): build a module without spending time on its
initialization, as PyTorch's: the module is built on the meta device (shapes only, so its init
functions do nothing) and then given uninitialized memory on `device` with to_empty()."""
import inspect

__all__ = ["skip_init"]


def skip_init(module_cls, *args, **kwargs):
    """module_cls(*args, **kwargs) with uninitialized parameters and buffers, which the caller will
    overwrite."""
    from chainrule.nn.modules.module import Module
    if not issubclass(module_cls, Module):
        raise RuntimeError(f"Expected a Module; got {module_cls}")
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    final_device = kwargs.pop("device", "cpu")
    kwargs["device"] = "meta"
    return module_cls(*args, **kwargs).to_empty(device=final_device)
