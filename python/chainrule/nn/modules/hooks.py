"""RemovableHandle: what Module.register_*_hook returns; handle.remove() unregisters the hook. Also the
global hooks every module runs, as in torch.nn.modules.module: forward (register_module_forward_pre_hook /
register_module_forward_hook), full backward (register_module_full_backward_pre_hook /
register_module_full_backward_hook) and registration (register_module_{buffer,module,parameter}_registration_hook)."""
import weakref
from collections import OrderedDict
from itertools import count

_next_id = count()


class RemovableHandle:
    """Removes its hook from the dict(s) it was registered in (held weakly, like torch.utils.hooks)."""

    def __init__(self, hooks_dict, *, extra_dict=None):
        self.hooks_dict_ref = weakref.ref(hooks_dict)
        self.id = next(_next_id)
        extras = extra_dict if isinstance(extra_dict, (list, tuple)) else [extra_dict] if extra_dict is not None else []
        self.extra_dict_ref = tuple(weakref.ref(d) for d in extras)

    def remove(self):
        for ref in (self.hooks_dict_ref, *self.extra_dict_ref):
            hooks = ref()
            if hooks is not None and self.id in hooks:
                del hooks[self.id]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


# Hooks every module runs before its own (torch.nn.modules.module's global hooks), e.g. for a profiler.
_global_forward_pre_hooks = OrderedDict()
_global_forward_hooks = OrderedDict()
_global_forward_hooks_with_kwargs = OrderedDict()
_global_forward_hooks_always_called = OrderedDict()


def add_hook(hooks, hook, prepend=False, flags=()):
    """Registers hook in the ordered dict `hooks` (first if prepend) and returns its RemovableHandle.

    flags: (flag_dict, on) pairs; each flag_dict marks the hook (id -> True) where on is true, and the
    handle's removal clears every one of them (how with_kwargs and always_call are kept)."""
    flag_dicts = [flag_dict for flag_dict, _ in flags]
    handle = RemovableHandle(hooks, extra_dict=flag_dicts or None)
    hooks[handle.id] = hook
    for flag_dict, on in flags:
        if on:
            flag_dict[handle.id] = True
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


def register_module_forward_pre_hook(hook):
    """hook(module, args) -> None or new args, run by every module's call before its own pre-hooks."""
    return add_hook(_global_forward_pre_hooks, hook)


def register_module_forward_hook(hook, *, with_kwargs=False, always_call=False):
    """hook(module, args, output) (with_kwargs: hook(module, args, kwargs, output)) -> None or a new output,
    run by every module's call after forward, before its own forward hooks; always_call: also when forward
    raises (output is then None)."""
    handle = RemovableHandle(_global_forward_hooks, extra_dict=[_global_forward_hooks_with_kwargs,
                                                                _global_forward_hooks_always_called])
    _global_forward_hooks[handle.id] = hook
    if with_kwargs:
        _global_forward_hooks_with_kwargs[handle.id] = True
    if always_call:
        _global_forward_hooks_always_called[handle.id] = True
    return handle


_global_backward_pre_hooks = OrderedDict()
_global_backward_hooks = OrderedDict()


def register_module_full_backward_pre_hook(hook):
    """hook(module, grad_output) -> None or a new grad_output, run in every module's backward before its own."""
    return add_hook(_global_backward_pre_hooks, hook)


def register_module_full_backward_hook(hook):
    """hook(module, grad_input, grad_output) -> None or a new grad_input, run in every module's backward
    before its own full backward hooks."""
    return add_hook(_global_backward_hooks, hook)


# Hooks run when a module registers a buffer, child module or parameter: hook(module, name, value) may
# return a replacement value.
_global_buffer_registration_hooks = OrderedDict()
_global_module_registration_hooks = OrderedDict()
_global_parameter_registration_hooks = OrderedDict()


def register_module_buffer_registration_hook(hook):
    return add_hook(_global_buffer_registration_hooks, hook)


def register_module_module_registration_hook(hook):
    return add_hook(_global_module_registration_hooks, hook)


def register_module_parameter_registration_hook(hook):
    return add_hook(_global_parameter_registration_hooks, hook)


def run_registration_hooks(hooks, module, name, value):
    """value after each hook(module, name, value) of `hooks` that returned a replacement."""
    for hook in hooks.values():
        output = hook(module, name, value)
        if output is not None:
            value = output
    return value
