"""PyTorch's out= keyword on the functions that have it: torch.add(a, b, out=c), torch.max(x, 1, out=(v, i)).

install() replaces each function out_argument_names.py lists (torch-level, torch.linalg and
torch.special) with a wrapper that, given out=, computes the result with the function itself and
writes it into out as PyTorch does:
  - out keeps its identity and is returned; a result of several tensors takes a tuple or list of
    as many and returns the same named tuple, holding the out tensors;
  - an out of another shape is resized (with PyTorch's UserWarning unless it had no elements);
  - the result is cast to out's dtype where PyTorch's casting rules allow it (can_cast: an int
    result into a float out, not the reverse), else RuntimeError "result type Float can't be cast to
    the desired output type Long". PyTorch asks for the very dtype on some ops (mm, argmax, linalg);
    chainrule accepts every allowed cast there too;
  - out on another device, an out with several elements sharing memory (expanded), and a result
    needing grad (an input requires grad, or a float out does, with grad mode on) are RuntimeErrors;
  - out may be an input (torch.add(a, b, out=a)): the result is computed before out is written;
  - factories (FACTORIES) make their result in out's dtype and device, and sum, prod, cumsum and
    cumprod compute in out's dtype (as if given dtype=out.dtype: a float input summed into a long out
    is cast before the sum, as in PyTorch);
  - out=None is the same as no out.
Without out= the call goes to the function from C (_C._KeywordDispatch, cpp/bindings/keyword_dispatch.cpp:
it looks for "out" among the keyword names and forwards the call, no Python frame in between): about
20-45 ns on a 0.5-1.7 us call, where a Python wrapper cost about 200 ns. With out= a tiny add takes
about 4.5 us (the checks read tensor properties from Python).
Tensor methods take no out=, as in PyTorch.
"""
import functools
import warnings

from chainrule import _C
from chainrule._C import Tensor
from chainrule._functions import out_argument_names
from chainrule._functions.dtypes import scalar_type_name
from chainrule._functions.promotion import can_cast

# PyTorch computes these in out's dtype (their out= overloads take the dtype from the result).
COMPUTED_IN_OUT_DTYPE = ("sum", "prod", "cumsum", "cumprod")


def _shape_text(shape):
    return "[" + ", ".join(str(size) for size in shape) + "]"


def _check_target(op, result, out):
    if not isinstance(out, Tensor):
        raise TypeError(f"{op}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if result.device != out.device:
        raise RuntimeError(f"Expected out tensor to have device {result.device}, but got {out.device} instead")
    if result.dtype != out.dtype and not can_cast(result.dtype, out.dtype):
        raise RuntimeError(f"result type {scalar_type_name(result.dtype)} can't be cast to the desired output "
                           f"type {scalar_type_name(out.dtype)}")
    strides = out.stride()
    if 0 in strides and any(stride == 0 and size > 1 for stride, size in zip(strides, out.shape)):
        raise RuntimeError("unsupported operation: more than one element of the written-to tensor refers to a "
                           "single memory location. Please clone() the tensor before performing the operation.")


def _check_no_grad(op, results, targets):
    if not _C.is_grad_enabled():
        return
    if any(r.requires_grad or (t.requires_grad and r.is_floating_point()) for r, t in zip(results, targets)):
        raise RuntimeError(f"{op}(): functions with out=... arguments don't support automatic differentiation, "
                           "but one of the arguments requires grad.")


def _write(result, out):
    """Resizes out to result's shape (warning when out had elements) and copies result into it."""
    if out._shape != result._shape:
        if out.numel() > 0:
            warnings.warn(
                f"An output with one or more elements was resized since it had shape {_shape_text(out.shape)}, "
                f"which does not match the required output shape {_shape_text(result.shape)}. This behavior is "
                "deprecated, and in a future PyTorch release outputs will not be resized unless they have zero "
                "elements. You can explicitly reuse an out tensor t by resizing it, inplace, to zero elements "
                "with t.resize_(0).", UserWarning, stacklevel=4)
        out.resize_(result.shape)
    if result is not out:
        out.copy_(result)


def _out_tensors(op, out, count):
    if not isinstance(out, (tuple, list)):
        raise TypeError(f"{op}(): argument 'out' must be tuple of Tensors, not {type(out).__name__}")
    if len(out) != count:
        raise TypeError(f"expected tuple of {count} elements but got {len(out)}")
    return tuple(out)


def call_with_out(function, op, taken_from_out, out, args, kwargs):
    """function(*args, **kwargs) written into out (a tensor, or a tuple of them); returns out.
    taken_from_out: the keywords ("dtype", "device") that default to out's."""
    if taken_from_out and isinstance(out, Tensor):
        for keyword in taken_from_out:
            kwargs.setdefault(keyword, getattr(out, keyword))
    result = function(*args, **kwargs)
    several = isinstance(result, tuple)
    results = tuple(result) if several else (result,)
    targets = _out_tensors(op, out, len(results)) if several else (out,)
    for r, t in zip(results, targets):
        _check_target(op, r, t)
    _check_no_grad(op, results, targets)
    for r, t in zip(results, targets):
        if t.requires_grad:  # a leaf no graph reaches here (checked above): written as data, as in PyTorch
            t.requires_grad_(False)
            try:
                _write(r, t)
            finally:
                t.requires_grad_(True)
        else:
            _write(r, t)
    if not several:
        return out
    return type(result)(*targets) if hasattr(type(result), "_fields") else targets


def with_out_argument(function, name, module_name, op, taken_from_out=()):
    """function with out= added; the same __name__, __doc__ and __qualname__, and __module__ module_name.
    A call without out= goes straight to function (_C._KeywordDispatch forwards it in C)."""
    def call_given_out(*args, out=None, **kwargs):
        if out is None:
            return function(*args, **kwargs)
        return call_with_out(function, op, taken_from_out, out, args, kwargs)

    dispatch = _C._KeywordDispatch(function, "out", call_given_out)
    functools.update_wrapper(dispatch, function)
    dispatch.__name__ = dispatch.__qualname__ = name
    dispatch.__module__ = module_name
    return dispatch


def install():
    """Wraps the listed functions of chainrule, chainrule.linalg and chainrule.special in place."""
    import chainrule
    taken_from_out = {name: ("dtype", "device") for name in out_argument_names.FACTORIES}
    taken_from_out.update({name: ("dtype",) for name in COMPUTED_IN_OUT_DTYPE})
    for namespace, names, op_prefix in ((chainrule, out_argument_names.TORCH, ""),
                                        (chainrule.linalg, out_argument_names.LINALG, "linalg_"),
                                        (chainrule.special, out_argument_names.SPECIAL, "special_")):
        for name in names:
            wrapped = with_out_argument(getattr(namespace, name), name, namespace.__name__, op_prefix + name,
                                        taken_from_out.get(name, ()) if namespace is chainrule else ())
            setattr(namespace, name, wrapped)
