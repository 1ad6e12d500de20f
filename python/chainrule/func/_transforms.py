"""torch.func's autodiff transforms: grad, grad_and_value, vjp, jvp, jacrev, jacfwd, hessian.

Each is built on chainrule.autograd (the functions of torch.autograd.functional, in
autograd/_jacobians.py, where they fit): func runs on differentiable stand-ins for the arguments at
argnums (pytrees of Tensors), and the derivatives are taken with autograd.grad. While grad mode is on
they keep their graph (create_graph=True), so the transforms compose: grad(grad(f)), vmap(grad(f)),
jacrev(jacrev(f)), and a result stays differentiable w.r.t. tensors that func closes over (a model's
parameters). A top-level result whose graph reaches only the stand-ins is detached, as PyTorch's is.

Differences from PyTorch: jacfwd and jvp use reverse mode (jacfwd row by row, jvp by the double-vjp
trick), with the same values; jacrev's chunk_size and jacfwd's randomness are checked and unused.
"""
import contextlib
import functools

import chainrule as _cr
from chainrule._C import Tensor
from chainrule.autograd import _jacobians
from chainrule.autograd.grad_mode import enable_grad
from chainrule.autograd.graph import _reaches_a_tensor_besides
from chainrule.func import _pytree

_active = [0]  # how many transforms are running func now; results inside one keep their graph


@contextlib.contextmanager
def _nested():
    _active[0] += 1
    try:
        yield
    finally:
        _active[0] -= 1


def _normalize_argnums(argnums, num_args):
    def one(argnum):
        if not isinstance(argnum, int):
            raise RuntimeError(f"argnum must be int, got: {type(argnum)}")
        if -num_args <= argnum < num_args:
            return argnum % num_args
        raise RuntimeError(f"Got argnum={argnum}, but only {num_args} positional inputs")
    if isinstance(argnums, int):
        return one(argnums)
    if not isinstance(argnums, tuple):
        raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(argnums)}")
    if len(argnums) == 0:
        raise RuntimeError("argnums must be non-empty")
    if len(set(argnums)) != len(argnums):
        raise RuntimeError(f"argnums elements must be unique, got {argnums}")
    return tuple(one(a) for a in argnums)


class _FlatCall:
    """func as a function of the flat tensors at argnums, returning its flat outputs: what the
    functions of autograd/_jacobians.py take. It keeps what func returned beside them (output spec,
    aux) and the stand-ins it was called with."""

    def __init__(self, func, args, kwargs, argnums, has_aux, api):
        self.func, self.args, self.kwargs, self.has_aux, self.api = func, args, kwargs, has_aux, api
        self.argnums = _normalize_argnums(argnums, len(args))
        primals = args[self.argnums] if isinstance(self.argnums, int) else tuple(args[i] for i in self.argnums)
        self.flat_primals, self.primal_spec = _pytree.flatten(primals)
        for leaf in self.flat_primals:
            if not isinstance(leaf, Tensor):
                raise ValueError(f"Thing passed to transform API must be Tensor, got {type(leaf)}")
        self.stand_ins, self.output, self.output_spec, self.aux = (), None, None, None
        self.check_output = None  # called with func's output (aux removed) before it is flattened

    def __call__(self, *stand_ins):
        self.stand_ins = stand_ins
        primals = _pytree.unflatten(list(stand_ins), self.primal_spec)
        args = list(self.args)
        if isinstance(self.argnums, int):
            args[self.argnums] = primals
        else:
            for i, primal in zip(self.argnums, primals):
                args[i] = primal
        with _nested():
            output = self.func(*args, **self.kwargs)
        if self.has_aux:
            if not (isinstance(output, tuple) and len(output) == 2):
                raise RuntimeError(f"{self.api}(f)(*args): output of function f should be a tuple: (output, aux) "
                                   "if has_aux is True")
            output, self.aux = output
        self.output = output
        if self.check_output is not None:
            self.check_output(output)
        flat_outputs, self.output_spec = _pytree.flatten(output)
        for leaf in flat_outputs:
            if not isinstance(leaf, Tensor):
                raise RuntimeError(f"{self.api}: Expected f(*args) to return only tensors, got unsupported type "
                                   f"{type(leaf)}")
        return tuple(flat_outputs)

    def derivatives_need_graph(self, flat_outputs):
        """Whether the derivatives of func's outputs must keep a graph: inside another transform,
        or where the outputs reach a tensor besides the stand-ins (a model's parameters). Else the
        result would be detached anyway (see _finish), and recording it only costs: a Hessian's
        16,384 rows of backward passes each built and kept a graph."""
        return bool(_active[0]) or _reaches_a_tensor_besides(flat_outputs, self.stand_ins)

    def primal_shaped(self, flat):
        """flat tensors (one per primal leaf) in the structure of the argnums' arguments."""
        return _pytree.unflatten(list(flat), self.primal_spec)

    def finish(self, result):
        """result (with aux after it under has_aux) as returned to the caller (see _finish)."""
        result, aux = _finish((result, self.aux), self)
        return (result, aux) if self.has_aux else result


def _finish(tree, call):
    """`tree` as returned to the caller: detached at the top level when only the stand-ins made it."""
    flat, spec = _pytree.flatten(tree)
    if _active[0] or not _cr.is_grad_enabled() or _reaches_a_tensor_besides(flat, call.stand_ins):
        return tree
    return _pytree.unflatten([t.detach() if isinstance(t, Tensor) else t for t in flat], spec)


def _check_scalar(output):
    """grad_and_value's check of func's output, with PyTorch's messages."""
    if not isinstance(output, Tensor):
        raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a Tensor, got {type(output)}")
    if output.dim() != 0:
        raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, got tensor with "
                           f"{output.dim()} dims. Maybe you wanted to use the vjp or jacrev APIs instead?")


def grad_and_value(func, argnums=0, has_aux=False):
    """A function returning (gradient of func w.r.t. the args at argnums, func's value); with has_aux,
    func returns (value, aux) and the result is (gradient, (value, aux))."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        call = _FlatCall(func, args, kwargs, argnums, has_aux, "grad_and_value")
        call.check_output = _check_scalar
        (value,), grads = _jacobians.vjp(call, tuple(call.flat_primals), create_graph=_cr.is_grad_enabled(),
                                         _derivatives_need_graph=call.derivatives_need_graph)
        finished = call.finish((call.primal_shaped(grads), value))
        if not has_aux:
            return finished
        (gradient, value), aux = finished
        return gradient, (value, aux)
    return wrapper


def grad(func, argnums=0, has_aux=False):
    """A function returning the gradient of a scalar func w.r.t. the args at argnums (in their
    structure; a tuple of them for a tuple argnums); with has_aux, (gradient, aux)."""
    value_and_grad = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        gradient, value = value_and_grad(*args, **kwargs)
        return (gradient, value[1]) if has_aux else gradient
    return wrapper


def vjp(func, *primals, has_aux=False):
    """(func(*primals), vjp_fn[, aux]): vjp_fn(cotangents) is the tuple of vector-Jacobian products
    w.r.t. each primal; it may be called more than once."""
    call = _FlatCall(func, primals, {}, tuple(range(len(primals))), has_aux, "vjp")
    create_graph = _cr.is_grad_enabled()
    with enable_grad():
        stand_ins = _jacobians._grad_preprocess(tuple(call.flat_primals), create_graph, need_graph=True)
        flat_outputs = call(*stand_ins)
    output_spec = call.output_spec

    def vjp_fn(cotangents):
        flat_cotangents, spec = _pytree.flatten(cotangents)
        if spec != output_spec:
            raise RuntimeError("Expected pytree structure of cotangents to be the same as pytree structure of outputs "
                               f"to the function. cotangents: {_pytree.describe(spec)}, primal output: "
                               f"{_pytree.describe(output_spec)}")
        with _cr.autograd.set_grad_enabled(create_graph):
            grads = _jacobians._autograd_grad(flat_outputs, stand_ins, flat_cotangents, create_graph=create_graph,
                                              retain_graph=True)
            grads = _jacobians._fill_in_zeros(grads, stand_ins, False, create_graph, "back")
        return _finish(call.primal_shaped(grads), call)

    result = call.finish(call.output)
    return (result[0], vjp_fn, result[1]) if has_aux else (result, vjp_fn)


def jvp(func, primals, tangents, *, strict=False, has_aux=False):
    """(func(*primals), J @ tangents) (the double-vjp trick: reverse mode twice, same values)."""
    if not isinstance(primals, tuple):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals to be a tuple. E.g. it should be valid to call "
                           "f(*primals).")
    call = _FlatCall(func, primals, {}, tuple(range(len(primals))), has_aux, "jvp")
    flat_tangents, tangent_spec = _pytree.flatten(tangents)
    if tangent_spec != call.primal_spec:
        raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to have the same python "
                           "structure. For example, if primals is a tuple of 3 tensors, tangents also must be. Got "
                           f"primals with structure {_pytree.describe(call.primal_spec)} and tangents with structure "
                           f"{_pytree.describe(tangent_spec)}")
    outputs, products = _jacobians.jvp(call, tuple(call.flat_primals), tuple(flat_tangents),
                                       create_graph=_cr.is_grad_enabled(), strict=strict)
    result = call.finish((call.output, _pytree.unflatten(list(products), call.output_spec)))
    return (*result[0], result[1]) if has_aux else result


def _jacobian_with_argnums(func, argnums, has_aux, api):
    """jacrev/jacfwd: for each output leaf, its Jacobian w.r.t. the args at argnums (a tuple over a
    tuple argnums), each block shaped output.shape + input.shape."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        call = _FlatCall(func, args, kwargs, argnums, has_aux, api)
        blocks = _jacobians.jacobian(call, tuple(call.flat_primals), create_graph=_cr.is_grad_enabled(),
                                     _derivatives_need_graph=call.derivatives_need_graph)
        per_output = [call.primal_shaped(row) for row in blocks]
        return call.finish(_pytree.unflatten(per_output, call.output_spec))
    return wrapper


def jacrev(func, argnums=0, *, has_aux=False, chunk_size=None, _preallocate_and_copy=False):
    """The Jacobian of func w.r.t. the args at argnums, by reverse mode (one vjp per output element)."""
    if chunk_size is not None and chunk_size <= 0:
        raise ValueError("jacrev: `chunk_size` should be greater than 0.")
    return _jacobian_with_argnums(func, argnums, has_aux, "jacrev")


def jacfwd(func, argnums=0, has_aux=False, *, randomness="error"):
    """The Jacobian of func w.r.t. the args at argnums; PyTorch uses forward mode, chainrule has none
    and computes the same Jacobian by reverse mode, row by row."""
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or 'same'. Got {randomness}")
    return _jacobian_with_argnums(func, argnums, has_aux, "jacfwd")


def hessian(func, argnums=0):
    """The Hessian of a scalar func w.r.t. the args at argnums: jacfwd(jacrev(func))."""
    return jacfwd(jacrev(func, argnums), argnums)
