"""Module: the base class of every layer and model, as torch.nn.Module.

It registers Parameters, buffers and sub-modules assigned as attributes, walks them (parameters(),
named_modules(), ...), saves and loads them (state_dict / load_state_dict with torch's key names, error
messages and hooks), converts them (to(), float(), to_empty(), ...), runs forward and backward hooks, and
prints like PyTorch. Module is one class built from mixins, one file each: module_members.py (the
registries and their walks), module_movers.py (to(), float(), ...), module_state_dict.py (state_dict /
load_state_dict) and module_calls.py (__call__ and hooks); this file holds attribute plumbing (pickling
included), modes and printing. The global hooks live in hooks.py and are re-exported here, as torch does.
"""
from collections import OrderedDict

from chainrule._C import Tensor
from chainrule.nn.modules import hooks as _hooks
from chainrule.nn.modules.hooks import (  # noqa: F401
    RemovableHandle, register_module_buffer_registration_hook, register_module_forward_hook,
    register_module_forward_pre_hook, register_module_full_backward_hook, register_module_full_backward_pre_hook,
    register_module_module_registration_hook, register_module_parameter_registration_hook)
from chainrule.nn.modules._printing import addindent as _addindent, typename as _typename
from chainrule.nn.modules.foreign_layers import adopted
from chainrule.nn.modules.module_calls import ModuleCalls
from chainrule.nn.modules.module_members import ModuleMembers
from chainrule.nn.modules.module_movers import ModuleMovers
from chainrule.nn.modules.module_state_dict import ModuleStateDict, _IncompatibleKeys  # noqa: F401
from chainrule.nn.parameter import Buffer, Parameter

__all__ = ["Module", "register_module_forward_pre_hook", "register_module_forward_hook",
           "register_module_full_backward_pre_hook", "register_module_full_backward_hook",
           "register_module_buffer_registration_hook", "register_module_module_registration_hook",
           "register_module_parameter_registration_hook"]

# The ordered hook dicts every Module holds, keyed by RemovableHandle id.
_HOOK_DICTS = ("_forward_hooks", "_forward_hooks_with_kwargs", "_forward_hooks_always_called", "_forward_pre_hooks",
               "_forward_pre_hooks_with_kwargs", "_backward_hooks", "_backward_pre_hooks", "_state_dict_hooks",
               "_state_dict_pre_hooks", "_load_state_dict_pre_hooks", "_load_state_dict_post_hooks")


class Module(ModuleMembers, ModuleMovers, ModuleStateDict, ModuleCalls):
    """Base class for all neural-network modules; subclasses define forward()."""

    dump_patches = False
    _version = 1
    training: bool
    call_super_init = False  # True: __init__ passes its arguments on to the next class (cooperative mixins)

    def __init__(self, *args, **kwargs):
        if not self.call_super_init and kwargs:
            raise TypeError(f"{type(self).__name__}.__init__() got an unexpected keyword argument "
                            f"'{next(iter(kwargs))}'")
        if not self.call_super_init and args:
            raise TypeError(f"{type(self).__name__}.__init__() takes 1 positional argument but {len(args) + 1} "
                            "were given")
        set_ = object.__setattr__
        set_(self, "training", True)
        set_(self, "_parameters", {})
        set_(self, "_buffers", {})
        set_(self, "_non_persistent_buffers_set", set())
        set_(self, "_modules", {})
        set_(self, "_is_full_backward_hook", None)
        for hooks in _HOOK_DICTS:
            set_(self, hooks, OrderedDict())
        if self.call_super_init:
            super().__init__(*args, **kwargs)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    # ---- attribute plumbing -------------------------------------------------------------------

    def __getattr__(self, name):
        # Only called when normal lookup fails; reads __dict__ directly so that copy/pickle, which
        # probe attributes before __init__ state exists, never recurse.
        state = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            members = state.get(registry)
            if members is not None and name in members:
                return members[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __setattr__(self, name, value):
        def remove_from(*registries):
            for registry in registries:
                if name in registry:
                    if isinstance(registry, dict):
                        del registry[name]
                    else:
                        registry.discard(name)

        value = adopted(value)  # einops' torch layers become chainrule's (foreign_layers.py)
        params = self.__dict__.get("_parameters")
        modules = self.__dict__.get("_modules")
        buffers = self.__dict__.get("_buffers")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            remove_from(self.__dict__, buffers, modules, self._non_persistent_buffers_set)
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{_typename(value)}' as parameter '{name}' "
                                "(chainrule.nn.Parameter or None expected)")
            self.register_parameter(name, value)
        elif isinstance(value, Module):
            if modules is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            remove_from(self.__dict__, params, buffers, self._non_persistent_buffers_set)
            modules[name] = _hooks.run_registration_hooks(_hooks._global_module_registration_hooks, self, name, value)
        elif modules is not None and name in modules:
            if value is not None:
                raise TypeError(f"cannot assign '{_typename(value)}' as child module '{name}' "
                                "(chainrule.nn.Module or None expected)")
            modules[name] = _hooks.run_registration_hooks(_hooks._global_module_registration_hooks, self, name, value)
        elif isinstance(value, Buffer):
            if buffers is None:
                raise AttributeError("cannot assign buffer before Module.__init__() call")
            remove_from(self.__dict__, params, modules)
            self.register_buffer(name, value, value.persistent)
        elif buffers is not None and name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{_typename(value)}' as buffer '{name}' "
                                "(chainrule.Tensor or None expected)")
            buffers[name] = _hooks.run_registration_hooks(_hooks._global_buffer_registration_hooks, self, name, value)
        else:
            object.__setattr__(self, name, value)

    def __delattr__(self, name):
        if name in self._parameters:
            del self._parameters[name]
        elif name in self._buffers:
            del self._buffers[name]
            self._non_persistent_buffers_set.discard(name)
        elif name in self._modules:
            del self._modules[name]
        else:
            object.__delattr__(self, name)

    def __dir__(self):
        keys = (dir(self.__class__) + list(self.__dict__) + list(self._parameters) + list(self._modules)
                + list(self._buffers))
        return sorted(key for key in keys if not key[0].isdigit())

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("_compiled_call_impl", None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        for hooks in _HOOK_DICTS:  # modules pickled before a kind of hook existed
            self.__dict__.setdefault(hooks, OrderedDict())
        self.__dict__.setdefault("_non_persistent_buffers_set", set())
        self.__dict__.setdefault("_is_full_backward_hook", None)

    def _replicate_for_data_parallel(self):
        """A shallow copy sharing everything but its own (empty) parameter dict, as torch's DataParallel makes."""
        replica = self.__new__(type(self))
        replica.__dict__ = self.__dict__.copy()
        replica._parameters = {}
        replica._buffers = replica._buffers.copy()
        replica._modules = replica._modules.copy()
        replica._is_replica = True
        return replica

    # ---- modes and gradients ------------------------------------------------------------------

    def train(self, mode=True):
        """Sets training mode here and in every sub-module (Dropout, BatchNorm behave differently)."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.training = mode
        for module in self.children():
            module.train(mode)
        return self

    def eval(self):
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """Resets every parameter's grad: to None (the default), or to zeros in place."""
        for param in self.parameters():
            if param.grad is None:
                continue
            if set_to_none:
                param.grad = None
            else:
                if param.grad.grad_fn is not None:
                    param.grad = param.grad.detach()
                param.grad.requires_grad_(False)
                param.grad.zero_()

    # ---- printing -----------------------------------------------------------------------------

    def _get_name(self):
        return type(self).__name__

    def extra_repr(self):
        """The text inside this module's parentheses in repr (its constructor arguments); '' by default."""
        return ""

    def __repr__(self):
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({key}): " + _addindent(repr(module), 2) for key, module in self._modules.items()]
        lines = extra_lines + child_lines
        main = self._get_name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                main += extra_lines[0]
            else:
                main += "\n  " + "\n  ".join(lines) + "\n"
        return main + ")"
