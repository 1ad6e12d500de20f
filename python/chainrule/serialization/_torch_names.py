"""PyTorch's names for chainrule's classes and functions in a pickle, both ways.

A whole model saved with torch.save(model) pickles its layers by name: torch.nn.modules.conv.Conv2d,
torch.nn.functional.relu. chainrule.save writes chainrule's objects under PyTorch's names, so that
torch.load builds PyTorch's layers; chainrule.load answers PyTorch's names with chainrule's objects, so
that a model PyTorch saved comes back as chainrule layers. The modules' pickled state (their __dict__)
is PyTorch's layout in both (chainrule keeps the same attribute names).

chainrule's files do not all sit where PyTorch's do (BatchNorm2d is in chainrule.nn.modules.normalization,
torch.nn.modules.batchnorm in PyTorch), but its public namespaces (chainrule.nn, chainrule.nn.functional,
...) mirror PyTorch's, so an object is written under the shortest public namespace on its module's path
that holds it: chainrule.nn.BatchNorm2d becomes torch.nn.BatchNorm2d, which PyTorch resolves too.
"""
import importlib
import sys

_CHAINRULE, _TORCH = "chainrule", "torch"


def _is_public(path):
    return not any(part.startswith("_") for part in path.split("."))


def torch_name(obj):
    """(module, name) PyTorch knows obj by, for a chainrule class or function; None for anything else."""
    module, name = getattr(obj, "__module__", None) or "", getattr(obj, "__qualname__", None)
    if not (module == _CHAINRULE or module.startswith(_CHAINRULE + ".")) or not name or "." in name:
        return None
    parts = module.split(".")
    for end in range(1, len(parts) + 1):
        namespace = ".".join(parts[:end])
        if _is_public(namespace) and getattr(sys.modules.get(namespace), name, None) is obj:
            return _TORCH + namespace[len(_CHAINRULE):], name
    return None


def chainrule_counterpart(module, name):
    """chainrule's object for PyTorch's module.name (torch.nn.modules.conv.Conv2d ->
    chainrule.nn.modules.conv.Conv2d; torch.nn.modules.batchnorm.BatchNorm2d -> chainrule.nn's, found
    going up the path), or None where chainrule has none."""
    if not (module == _TORCH or module.startswith(_TORCH + ".")):
        return None
    parts = (_CHAINRULE + module[len(_TORCH):]).split(".")
    for end in range(len(parts), 0, -1):
        try:
            namespace = importlib.import_module(".".join(parts[:end]))
        except ImportError:
            continue
        found = getattr(namespace, name, None)
        if found is not None:
            return found
    return None
