"""The parameter / buffer / child-module registry of nn.Module (a mixin of Module).

register_parameter, register_buffer and add_module with torch's checks and messages, and the walks
over what they hold: parameters(), named_buffers(), children(), named_modules(), get_submodule() ...
"""
from chainrule._C import Tensor
from chainrule.nn.modules._printing import typename as _typename
from chainrule.nn.modules.foreign_layers import adopted
from chainrule.nn.modules.hooks import (_global_buffer_registration_hooks, _global_module_registration_hooks,
                                        _global_parameter_registration_hooks, run_registration_hooks)
from chainrule.nn.parameter import Parameter


def _is_module(value):
    from chainrule.nn.modules.module import Module  # module.py builds Module from this mixin
    return isinstance(value, Module)


def _check_member_name(kind, name, module, registry):
    """The checks register_parameter/register_buffer/add_module share, with torch's messages."""
    if not isinstance(name, str):
        raise TypeError(f"{kind} name should be a string. Got {_typename(name)}")
    if "." in name:
        raise KeyError(f"{kind} name can't contain \".\", got: {name}" if kind == "module"
                       else f"{kind} name can't contain \".\"")
    if name == "":
        raise KeyError(f"{kind} name can't be empty string \"\"")
    if hasattr(module, name) and name not in registry:
        raise KeyError(f"attribute '{name}' already exists")


class ModuleMembers:
    """Module's registries (_parameters, _buffers, _modules, set up by Module.__init__) and their walks."""

    def register_buffer(self, name, tensor, persistent=True):
        """Adds a tensor that is state but not a parameter (running_mean); persistent ones go in state_dict."""
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        _check_member_name("buffer", name, self, self._buffers)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{_typename(tensor)}' object to buffer '{name}' "
                            "(chainrule Tensor or None required)")
        self._buffers[name] = run_registration_hooks(_global_buffer_registration_hooks, self, name, tensor)
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def register_parameter(self, name, param):
        """Adds a Parameter (or None) under `name`; assigning a Parameter attribute does the same."""
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        _check_member_name("parameter", name, self, self._parameters)
        if param is None:
            self._parameters[name] = None
            return
        if not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{_typename(param)}' object to parameter '{name}' "
                            "(chainrule.nn.Parameter or None required)")
        if param.grad_fn is not None:
            raise ValueError(f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must be "
                             f"created explicitly. To express '{name}' as a function of another Tensor, "
                             "compute the value in the forward() method.")
        self._parameters[name] = run_registration_hooks(_global_parameter_registration_hooks, self, name, param)

    def add_module(self, name, module):
        """Adds a child module (or None) under `name`; assigning a Module attribute does the same."""
        module = adopted(module)
        if not _is_module(module) and module is not None:
            raise TypeError(f"{_typename(module)} is not a Module subclass")
        _check_member_name("module", name, self, self._modules)
        self._modules[name] = run_registration_hooks(_global_module_registration_hooks, self, name, module)

    def register_module(self, name, module):
        """Alias of add_module."""
        self.add_module(name, module)

    def _named_members(self, get_members_fn, prefix="", recurse=True, remove_duplicate=True):
        memo = set()
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for key, value in get_members_fn(module):
                if value is None or value in memo:
                    continue
                if remove_duplicate:
                    memo.add(value)
                yield (module_prefix + "." if module_prefix else "") + key, value

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """(name, Parameter) pairs, e.g. ('fc.weight', ...); a shared parameter appears once."""
        yield from self._named_members(lambda m: m._parameters.items(), prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        yield from self._named_members(lambda m: m._buffers.items(), prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        for _, buf in self.named_buffers(recurse=recurse):
            yield buf

    def named_children(self):
        memo = set()
        for name, module in self._modules.items():
            if module is not None and module not in memo:
                memo.add(module)
                yield name, module

    def children(self):
        for _, module in self.named_children():
            yield module

    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """(name, module) pairs for this module and all below it, a shared module once."""
        if memo is None:
            memo = set()
        if self in memo:
            return
        if remove_duplicate:
            memo.add(self)
        yield prefix, self
        for name, module in self._modules.items():
            if module is not None:
                yield from module.named_modules(memo, (prefix + "." if prefix else "") + name, remove_duplicate)

    def modules(self, remove_duplicate=True):
        for _, module in self.named_modules(remove_duplicate=remove_duplicate):
            yield module

    def get_submodule(self, target):
        """The module at a dotted path such as 'encoder.layers.0'."""
        if target == "":
            return self
        module = self
        for item in target.split("."):
            if not hasattr(module, item):
                raise AttributeError(f"{module._get_name()} has no attribute `{item}`")
            module = getattr(module, item)
            if not _is_module(module):
                raise AttributeError(f"`{item}` is not an nn.Module")
        return module

    def set_submodule(self, target, module, strict=False):
        """Puts `module` at a dotted path, replacing the module there; strict=True: only an existing one."""
        if target == "":
            raise ValueError("Cannot set the submodule without a target name!")
        if not _is_module(module):
            raise ValueError(f"`module` is not an nn.Module, found {type(module)}")
        parent_path, _, name = target.rpartition(".")
        parent = self.get_submodule(parent_path)
        if strict and not hasattr(parent, name):
            raise AttributeError(f"{parent._get_name()} has no attribute `{name}`")
        if hasattr(parent, name) and not _is_module(getattr(parent, name)):
            raise AttributeError(f"`{name}` is not an nn.Module")
        setattr(parent, name, module)

    def _get_member(self, target, registry, kind):
        module_path, _, name = target.rpartition(".")
        module = self.get_submodule(module_path)
        if not hasattr(module, name):
            raise AttributeError(f"{module._get_name()} has no attribute `{name}`")
        if name not in getattr(module, registry):
            raise AttributeError(f"`{name}` is not an {kind}")
        return getattr(module, name)

    def get_parameter(self, target):
        return self._get_member(target, "_parameters", "nn.Parameter")

    def get_buffer(self, target):
        return self._get_member(target, "_buffers", "buffer")
