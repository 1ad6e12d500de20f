"""PyTorch twins of chainrule models and values, for the oracle comparisons of chainrule.inspect.

on_torch(cls_or_function) re-runs a class's or function's own code with its module's `nn` read as
torch.nn (and `cr` as torch), so an example's model and its PyTorch twin cannot drift apart; twins()
builds both and loads chainrule's state_dict into the twin; to_torch() turns chainrule tensors (in
nested containers) into torch tensors with the same values; first_node_named() finds an op in either
library's autograd graph, to compare what the two record about it."""
import sys
import types

import chainrule as cr
from conftest import torch


def _on_torch_function(function, module_globals, owner=None):
    closure = function.__closure__
    if owner is not None and closure is not None:   # the __class__ cell behind super() names the twin
        closure = tuple(types.CellType(owner) if name == "__class__" else cell
                        for name, cell in zip(function.__code__.co_freevars, closure))
    return types.FunctionType(function.__code__, module_globals, function.__name__, function.__defaults__, closure)


def on_torch(obj):
    """The same class or function with its module's `nn` read as torch.nn (and `cr` as torch): the example's own
    code builds the PyTorch twin, so the two architectures cannot drift apart."""
    module_globals = dict(vars(sys.modules[obj.__module__]), nn=torch.nn, cr=torch)
    if isinstance(obj, types.FunctionType):
        return _on_torch_function(obj, module_globals)
    twin = type(obj.__name__, (torch.nn.Module,), {})
    for name, member in vars(obj).items():
        if isinstance(member, types.FunctionType):
            setattr(twin, name, _on_torch_function(member, module_globals, owner=twin))
    return twin


def twins(factory, *args):
    """(chainrule model, PyTorch model with the same weights) from a class or function using `nn`."""
    ours = factory(*args)
    theirs = on_torch(factory)(*args)
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()})
    return ours, theirs


def to_torch(data):
    """`data` with every chainrule tensor of its (nested) dicts, lists and tuples as a torch tensor."""
    if isinstance(data, cr.Tensor):
        return torch.from_numpy(data.numpy().copy())
    if isinstance(data, dict):
        return {k: to_torch(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return type(data)(to_torch(v) for v in data)
    return data


def first_node_named(root_fn, name):
    """The first autograd node called `name` met walking back from root_fn (a grad_fn, PyTorch's or chainrule's)."""
    pending = [root_fn]
    while pending:
        fn = pending.pop(0)
        if fn.name() == name:
            return fn
        pending += [next_fn for next_fn, _ in fn.next_functions if next_fn is not None]
    raise LookupError(f"no {name} node behind {root_fn.name()}")
