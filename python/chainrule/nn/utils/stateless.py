"""torch.nn.utils.stateless: run a module with other tensors in place of its parameters and buffers.

_reparametrize_module puts the given tensors (by dotted names, "layer.weight") into the owning
module's _parameters/_buffers dicts (or plain attributes) for the duration of a `with` block and puts
the originals back afterwards, also when the block raises; gradients flow to the given tensors, as
the module reads them as its own. torch.func.functional_call (chainrule.func) is built on it; this
module's functional_call is PyTorch's deprecated single-dict form.
"""
import contextlib
import warnings

from chainrule._C import Tensor

__all__ = ["functional_call"]

_MISSING = object()  # an attribute the module did not have before the swap


def _swap_tensor(module, dotted_name, value):
    """Puts `value` at `dotted_name` (or removes it when value is _MISSING); returns what was there."""
    prefix, _, name = dotted_name.rpartition(".")
    owner = module.get_submodule(prefix)
    if value is not _MISSING and value is not None and not isinstance(value, Tensor):
        raise TypeError(f"{value} is not an instance of torch.Tensor")
    for registry in (owner._parameters, owner._buffers):
        if name in registry:
            original = registry[name]
            if value is _MISSING:
                del registry[name]
            else:
                registry[name] = value
            return original
    original = owner.__dict__.get(name, _MISSING)
    if value is _MISSING:
        owner.__dict__.pop(name, None)
    else:
        object.__setattr__(owner, name, value)
    return original


def _untie(module, tensors):
    """`tensors` plus, for every name given, the names tied to the same tensor in the module."""
    names_of = {}
    for name, tensor in _named_tensors(module):
        names_of.setdefault(id(tensor), set()).add(name)
    tied_names = {name: names for names in names_of.values() if len(names) > 1 for name in names}
    untied = dict(tensors)
    for given in [name for name in tensors if name in tied_names]:
        group = tied_names[given]
        values = {id(tensors[name]) for name in group if name in tensors}
        if len(values) > 1:
            raise ValueError(f"functional_call got multiple values for keys {sorted(group)}, which are tied. "
                             "Consider using tie_weights=False")
        untied.update({name: tensors[given] for name in group})
    return untied


def _named_tensors(module):
    yield from module.named_parameters(remove_duplicate=False)
    yield from module.named_buffers(remove_duplicate=False)


@contextlib.contextmanager
def _reparametrize_module(module, parameters_and_buffers, tie_weights=False, strict=False):
    tensors = _untie(module, parameters_and_buffers) if tie_weights else parameters_and_buffers
    if strict:
        valid = {name for name, _ in _named_tensors(module)}
        errors = []
        unexpected, missing = sorted(set(tensors) - valid), sorted(valid - set(tensors))
        if unexpected:
            errors.append(f"Unexpected key(s): {', '.join(map(repr, unexpected))}.")
        if missing:
            errors.append(f"Missing key(s): {', '.join(map(repr, missing))}.")
        if errors:
            raise RuntimeError("Error(s) in reparametrizing for {}:\n\t{}".format(module._get_name(),
                                                                                 "\n\t".join(errors)))
    originals = {}
    try:
        for name, value in tensors.items():
            originals[name] = _swap_tensor(module, name, value)
        yield
    finally:
        for name, original in reversed(list(originals.items())):
            _swap_tensor(module, name, original)


def _call_with(module, parameters_and_buffers, args, kwargs, tie_weights, strict):
    """module(*args, **kwargs) under the given tensors; a lone non-tuple args is one argument."""
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    with _reparametrize_module(module, parameters_and_buffers, tie_weights=tie_weights, strict=strict):
        return module(*args, **(kwargs or {}))


def functional_call(module, parameters_and_buffers, args=None, kwargs=None, *, tie_weights=True, strict=False):
    """Deprecated as in PyTorch 2.0: use chainrule.func.functional_call (a drop-in replacement)."""
    warnings.warn("`torch.nn.utils.stateless.functional_call` is deprecated as of PyTorch 2.0 and will be removed in "
                  "a future version of PyTorch. Please use `torch.func.functional_call` instead which is a drop-in "
                  "replacement.", FutureWarning, stacklevel=2)
    return _call_with(module, parameters_and_buffers, args, kwargs, tie_weights, strict)
