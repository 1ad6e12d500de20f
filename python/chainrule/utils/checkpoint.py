"""chainrule.utils.checkpoint: activation checkpointing, as torch.utils.checkpoint.

    out = checkpoint(block, x, use_reentrant=False)    # block's activations are not kept
    out = checkpoint_sequential(model, 2, x, use_reentrant=False)

The function runs without recording a graph; backward runs it again (with the random streams put
back where they were, so dropout draws the same masks) and backpropagates through that second run.

With use_reentrant=False (PyTorch's recommended form) the parameters of a function that is an
nn.Module (or a bound method of one, or a functools.partial of either) are inputs of the checkpoint
node, so autograd.grad(loss, params) sees them; other leaves the function closes over get their
gradient accumulated into .grad, as the reentrant form does for every leaf. With use_reentrant=True, as
in PyTorch, nothing flows back unless an input requires grad, and keyword arguments are refused.
"""
import functools
import warnings

from chainrule import _C, cuda
from chainrule._C import Tensor
from chainrule.autograd.function import Function
from chainrule.autograd.functional import grad as _grad
from chainrule.autograd.grad_mode import enable_grad
from chainrule.random import fork_rng
from chainrule._functions.random_draws import get_rng_state, set_rng_state

__all__ = ["checkpoint", "checkpoint_sequential", "noop_context_fn"]


def noop_context_fn():
    """The default context_fn: no context around the forward run or the recomputation."""
    import contextlib
    return contextlib.nullcontext(), contextlib.nullcontext()


def checkpoint(function, *args, use_reentrant=None, context_fn=noop_context_fn, determinism_check="default",
               debug=False, early_stop=True, **kwargs):
    """function(*args, **kwargs) without keeping its activations; backward recomputes them."""
    if use_reentrant is None:
        warnings.warn("torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. "
                      "use_reentrant=False is recommended, but if you need to preserve the current default "
                      "behavior, you can pass use_reentrant=True.", stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs and use_reentrant:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))
    if use_reentrant and (context_fn is not noop_context_fn or debug is not False):
        raise ValueError("Passing `context_fn` or `debug` is only supported when use_reentrant=False.")
    if determinism_check not in ("default", "none"):
        raise ValueError(f"determinism_check should be one of ['default', 'none'], but got {determinism_check}")
    tensor_args = [a for a in args if isinstance(a, Tensor)]
    if use_reentrant:
        if _C.is_grad_enabled() and not any(a.requires_grad for a in tensor_args):
            warnings.warn("None of the inputs have requires_grad=True. Gradients will be None", stacklevel=2)
        params, anchor = [], None
    else:
        params = [p for p in _module_parameters(function) if p.requires_grad]
        anchor = _C.empty(0, requires_grad=True)  # the node is recorded even when no input requires grad
    forward_context, recompute_context = context_fn()
    state = _State(function, kwargs, len(args), preserve, recompute_context, tensor_args)
    with forward_context:
        return _Checkpoint.apply(state, anchor, *args, *params)


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """Runs the modules of `functions` (a Sequential or a list) in order, checkpointing all but the last
    of `segments` equal chunks."""
    if use_reentrant is None:
        warnings.warn("torch.utils.checkpoint.checkpoint_sequential: the use_reentrant parameter should be "
                      "passed explicitly. use_reentrant=False is recommended, but if you need to preserve the "
                      "current default behavior, you can pass use_reentrant=True.", stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))
    from chainrule.nn import Sequential
    if isinstance(functions, Sequential):
        functions = list(functions.children())
    segment_size = len(functions) // segments
    end = -1
    for start in range(0, segment_size * (segments - 1), segment_size):
        end = start + segment_size - 1
        input = checkpoint(_run_range(functions, start, end), input, use_reentrant=use_reentrant,
                           preserve_rng_state=preserve)
    return _run_range(functions, end + 1, len(functions) - 1)(input)


def _run_range(functions, start, end):
    def forward(input):
        for j in range(start, end + 1):
            input = functions[j](input)
        return input
    return forward


def _module_parameters(function):
    """The parameters of a function that is a Module, a Module's bound method or a partial of either."""
    from chainrule.nn import Module
    while isinstance(function, functools.partial):
        function = function.func
    owner = function if isinstance(function, Module) else getattr(function, "__self__", None)
    return list(owner.parameters()) if isinstance(owner, Module) else []


class _State:
    """What the recomputation needs: the function, its keyword arguments, the random streams."""

    def __init__(self, function, kwargs, n_args, preserve, recompute_context, tensor_args):
        self.function, self.kwargs, self.n_args = function, kwargs, n_args
        self.recompute_context = recompute_context
        self.preserve = preserve
        self.devices = sorted({a.device.index or 0 for a in tensor_args if a.device.type == "cuda"})
        if preserve:
            self.cpu_state = get_rng_state()
            self.device_states = [cuda.get_rng_state(d) for d in self.devices]

    def recompute(self, args):
        with fork_rng(devices=self.devices, enabled=self.preserve):
            if self.preserve:
                set_rng_state(self.cpu_state)
                for device, device_state in zip(self.devices, self.device_states):
                    cuda.set_rng_state(device_state, device)
            with enable_grad(), self.recompute_context:
                return self.function(*args, **self.kwargs)


class _Checkpoint(Function):
    @staticmethod
    def forward(ctx, state, anchor, *args_and_params):
        args = args_and_params[:state.n_args]
        ctx.state, ctx.params = state, args_and_params[state.n_args:]
        ctx.save_for_backward(*args)
        return state.function(*args, **state.kwargs)

    @staticmethod
    def backward(ctx, *grad_outputs):
        state, params = ctx.state, list(ctx.params)
        inputs = [a.detach().requires_grad_(a.requires_grad) if isinstance(a, Tensor) else a
                  for a in ctx.saved_tensors]
        outputs = state.recompute(inputs)
        outputs = outputs if isinstance(outputs, tuple) else (outputs,)
        pairs = [(o, g) for o, g in zip(outputs, grad_outputs)
                 if isinstance(o, Tensor) and o.requires_grad and g is not None]
        wanted = [a for a in inputs if isinstance(a, Tensor) and a.requires_grad] + params
        known = {id(t) for t in wanted}
        others = [leaf for leaf in _leaves(o for o, _ in pairs) if id(leaf) not in known]
        if not pairs:
            grads = [None] * (len(wanted) + len(others))
        else:
            grads = list(_grad([o for o, _ in pairs], wanted + others, [g for _, g in pairs],
                               create_graph=_C.is_grad_enabled(), allow_unused=True))
        for leaf, g in zip(others, grads[len(wanted):]):  # leaves the checkpoint node does not list
            if g is not None:
                leaf.grad = g if leaf.grad is None else leaf.grad + g
        by_id = {id(t): g for t, g in zip(wanted, grads)}
        input_grads = [by_id.get(id(a)) if isinstance(a, Tensor) else None for a in inputs]
        return (None, None, *input_grads, *(by_id.get(id(p)) for p in params))


def _leaves(outputs):
    """The leaf tensors requiring grad that the graph of `outputs` reaches, each once."""
    seen, found, stack = {}, {}, [o.grad_fn for o in outputs if o.grad_fn is not None]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen[id(node)] = node  # kept alive: a node's Python object, once freed, may reuse its id
        variable = getattr(node, "variable", None)
        if variable is not None:
            found[id(variable)] = variable
        stack.extend(child for child, _ in node.next_functions if child is not None)
    return list(found.values())
