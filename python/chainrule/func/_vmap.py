"""torch.func.vmap as a loop: func runs once per index of the mapped dimension, on slices of the
inputs, and the per-index outputs are stacked along out_dims.

PyTorch batches each op instead (one call of func on BatchedTensors); chainrule has no batching
rules, so this version costs one call of func per batch element, and its results are the same.
The loop is differentiable (select and stack are), nests (vmap of vmap is a loop in a loop), and
composes with grad/jacrev. in_dims/out_dims, their checks and their error messages follow PyTorch's.

randomness: 'different' (each index draws its own numbers) is what a loop does; 'same' replays the
global generator's state for every index, so each draws the same numbers; 'error' (the default)
should raise on a random op inside func, which a loop cannot detect: chainrule runs it as 'different'.
"""
import functools

import chainrule as _cr
from chainrule._C import Tensor
from chainrule.func import _pytree

_RANDOMNESS = ("error", "different", "same")


def _name(func):
    return getattr(func, "__name__", repr(func))


def _flat_inputs(func, in_dims, args):
    """(flat args, their in_dims made non-negative, args' spec), with PyTorch's checks."""
    if not isinstance(in_dims, (int, tuple)):
        raise ValueError(f"vmap({_name(func)}, in_dims={in_dims}, ...)(<inputs>): expected `in_dims` to be int or a "
                         f"(potentially nested) tuple matching the structure of inputs, got: {type(in_dims)}.")
    if len(args) == 0:
        raise ValueError(f"vmap({_name(func)})(<inputs>): got no inputs. Maybe you forgot to add inputs, or you are "
                         "trying to vmap over a function with no inputs. The latter is unsupported.")
    flat_args, spec = _pytree.flatten(args)
    flat_in_dims = _pytree.broadcast_to_flat(in_dims, spec)
    if flat_in_dims is None:
        raise ValueError(f"vmap({_name(func)}, in_dims={in_dims}, ...)(<inputs>): in_dims is not compatible with the "
                         f"structure of `inputs`. in_dims has structure "
                         f"{_pytree.describe(_pytree.flatten(in_dims)[1])} but inputs has structure "
                         f"{_pytree.describe(spec)}.")
    normalized = []
    for arg, in_dim in zip(flat_args, flat_in_dims):
        where = f"vmap({_name(func)}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={in_dim}"
        if in_dim is not None and (not isinstance(in_dim, int) or isinstance(in_dim, bool)):
            raise ValueError(f"{where} for an input but in_dim must be either an integer dimension or None.")
        if in_dim is not None and not isinstance(arg, Tensor):
            raise ValueError(f"{where} for an input but the input is of type {type(arg)}. We cannot vmap over "
                             "non-Tensor arguments, please use None as the respective in_dim")
        if in_dim is not None and not -arg.dim() <= in_dim < arg.dim():
            raise ValueError(f"{where} for some input, but that input is a Tensor of dimensionality {arg.dim()} so "
                             f"expected in_dim to satisfy -{arg.dim()} <= in_dim < {arg.dim()}.")
        normalized.append(None if in_dim is None else in_dim % arg.dim())
    return flat_args, normalized, spec


def _batch_size(flat_args, flat_in_dims):
    sizes = [arg.size(d) for arg, d in zip(flat_args, flat_in_dims) if d is not None]
    if not sizes:
        raise ValueError("vmap: Expected at least one Tensor to vmap over")
    if any(size != sizes[0] for size in sizes):
        raise ValueError(f"vmap: Expected all tensors to have the same size in the mapped dimension, got sizes {sizes} "
                         "for the mapped dimension")
    return sizes[0]


def _flat_out_dims(func, out_dims, output, spec):
    def incompatible():
        return ValueError(f"vmap({_name(func)}, ..., out_dims={out_dims})(<inputs>): out_dims is not compatible with "
                          f"the structure of `outputs`. out_dims has structure "
                          f"{_pytree.describe(_pytree.flatten(out_dims)[1])} but outputs has structure "
                          f"{_pytree.describe(spec)}.")
    if isinstance(output, Tensor):  # PyTorch's edge case: out_dims=(d,) for a single Tensor
        if isinstance(out_dims, int) or out_dims is None:
            return [out_dims]
        if isinstance(out_dims, tuple) and len(out_dims) == 1:
            return list(out_dims)
        raise incompatible()
    flat = _pytree.broadcast_to_flat(out_dims, spec)
    if flat is None:
        raise incompatible()
    return flat


def _check_out_dims_types(func, out_dims):
    for out_dim in _pytree.flatten(out_dims)[0]:
        if out_dim is not None and not isinstance(out_dim, int):
            raise ValueError(f"vmap({_name(func)}, ..., out_dims={out_dims}): `out_dims` must be an int, None or a "
                             "python collection of ints representing where in the outputs the vmapped dimension should "
                             "appear.")


def _stack_outputs(func, out_dims, per_index_outputs):
    """The per-index outputs (same structure) as one output, each leaf stacked along its out_dim."""
    flat_first, spec = _pytree.flatten(per_index_outputs[0])
    flat_out_dims = _flat_out_dims(func, out_dims, per_index_outputs[0], spec)
    columns = list(zip(*(_pytree.flatten(out)[0] for out in per_index_outputs)))
    stacked = []
    for first, column, out_dim in zip(flat_first, columns, flat_out_dims):
        if out_dim is None:  # an unbatched output: PyTorch returns it as is; the loop keeps the first
            stacked.append(first)
            continue
        if not isinstance(first, Tensor):
            raise ValueError(f"vmap({_name(func)}, ...): `{_name(func)}` must only return Tensors, got type "
                             f"{type(first)}. Did you mean to set out_dims= to None for output?")
        stacked.append(_cr.stack(list(column), dim=out_dim))
    return _pytree.unflatten(stacked, spec)


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """func mapped over a dimension of its inputs: vmap(f)(x)[i] == f(x[i]) (see the module's notes).

    in_dims: an int, or a tuple as the positional args (nested as they are) of ints and None (None:
    the input is passed whole to every call); keyword args are passed whole. out_dims: where the
    mapped dimension goes in each output (an int, None, or a tree as the outputs). chunk_size only
    changes PyTorch's memory use; here it is checked and otherwise has no effect.
    randomness: 'same' replays the generator's state for each index; with 'error' PyTorch raises on
    a random op inside func, which chainrule does not detect: it runs such func as 'different'.
    """
    if randomness not in _RANDOMNESS:
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or 'same'. Got {randomness}")
    if chunk_size is not None and chunk_size <= 0:
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got {chunk_size})")

    @functools.wraps(func)
    def vmapped(*args, **kwargs):
        _check_out_dims_types(func, out_dims)
        flat_args, flat_in_dims, spec = _flat_inputs(func, in_dims, args)
        size = _batch_size(flat_args, flat_in_dims)
        # the CPU's generator and every GPU's, whose draws random GPU ops take
        rng_state = (_cr.get_rng_state(), _cr.cuda.get_rng_state_all()) if randomness == "same" else None
        outputs = []
        for index in range(size):
            if rng_state is not None:
                _cr.set_rng_state(rng_state[0])
                _cr.cuda.set_rng_state_all(rng_state[1])
            sliced = [arg if d is None else arg.select(d, index) for arg, d in zip(flat_args, flat_in_dims)]
            outputs.append(func(*_pytree.unflatten(sliced, spec), **kwargs))
        if not outputs:
            raise ValueError("vmap: chainrule cannot map over a dimension of size 0 (func is called once per index)")
        return _stack_outputs(func, out_dims, outputs)

    return vmapped
