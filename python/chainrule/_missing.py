"""The AttributeError for a PyTorch name chainrule does not have yet.

`import chainrule as torch; torch.fft` should not fail later with a confusing error deeper in a
program: the lookup itself says that the name is PyTorch's, that chainrule lacks it, and where the
list of what is supported lives. Each public package calls `missing_attribute_hook(__name__,
"torch.nn")` for its module-level `__getattr__`; Tensor gets the same through `tensor_getattr`.
Subpackages are imported on first use (`chainrule.onnx` without `import chainrule.onnx`), as
PyTorch does for its lazily loaded ones.
"""
import importlib
import importlib.util
import sys

COVERAGE_DOC = "docs/from_pytorch.md"


def missing_attribute(owner, torch_owner, name):
    """The AttributeError for `owner.name`, where PyTorch's `torch_owner.name` may exist."""
    return AttributeError(
        f"{owner} has no attribute '{name}': chainrule does not have {torch_owner}.{name} yet "
        f"(see {COVERAGE_DOC} in the chainrule repository for what is supported)")


# The private subpackages torch imports at first use (torch._dynamo.config without an import of it).
_LAZY_PRIVATE_SUBPACKAGES = {"_dynamo", "_inductor"}


def missing_attribute_hook(module_name, torch_owner):
    """A module-level __getattr__ for `module_name`: a subpackage not imported yet is imported;
    dunder lookups (made by import machinery and tools such as pickle and doctest) get Python's
    plain error; other names get the pointer above."""

    def __getattr__(name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(f"module '{module_name}' has no attribute '{name}'")
        is_package = getattr(sys.modules[module_name], "__path__", None) is not None
        lazy = not name.startswith("_") or name in _LAZY_PRIVATE_SUBPACKAGES
        if is_package and lazy and importlib.util.find_spec(f"{module_name}.{name}"):
            return importlib.import_module(f"{module_name}.{name}")
        raise missing_attribute(f"module '{module_name}'", torch_owner, name)

    return __getattr__


def tensor_getattr(self, name):
    """Tensor.__getattr__: called only when the normal lookup failed."""
    if name.startswith("__") and name.endswith("__"):
        raise AttributeError(f"'Tensor' object has no attribute '{name}'")
    raise missing_attribute("'Tensor' object", "torch.Tensor", name)
