"""Knobs: a module of named settings, as torch._dynamo.config and torch._inductor.config are.

Only the names it was made with can be read or set; any other name is an AttributeError ("... does
not exist"), as PyTorch's config modules raise. chainrule has no graph compiler, so the compiler
configs built from it keep what a program sets and read it back, and steer nothing.
"""
import sys
import types


class Knobs(types.ModuleType):
    """A namespace of named settings: only the names it was made with can be read or set."""

    def __init__(self, name, knobs, **namespaces):
        super().__init__(name)
        object.__setattr__(self, "_knob_names", frozenset(knobs) | frozenset(namespaces))
        for key, value in {**knobs, **namespaces}.items():
            object.__setattr__(self, key, value)

    def __getattr__(self, name):
        raise AttributeError(f"{self.__name__}.{name} does not exist")

    def __setattr__(self, name, value):
        if name not in self._knob_names:
            raise AttributeError(f"{self.__name__}.{name} does not exist")
        object.__setattr__(self, name, value)


def install(module_name, knobs, **namespaces):
    """Puts a Knobs module in the place of the module being imported as `module_name`."""
    sys.modules[module_name] = Knobs(module_name, knobs, **namespaces)
