"""User-defined differentiable ops, as in PyTorch:

    class Square(chainrule.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return 2 * x * grad

    y = Square.apply(x)

once_differentiable marks a backward that cannot itself be differentiated.
"""
import contextlib
import functools
import warnings

from chainrule import _C
from chainrule._C import Tensor
from chainrule.autograd import forward_ad
from chainrule.autograd.grad_mode import no_grad


class FunctionCtx:
    """What forward hands to backward: saved tensors (checked for in-place changes) and any attribute."""

    def save_for_backward(self, *tensors):
        self._saved = tensors
        self._versions = tuple(t._version if isinstance(t, Tensor) else None for t in tensors)

    @property
    def saved_tensors(self):
        saved = getattr(self, "_saved", ())
        for i, (t, v) in enumerate(zip(saved, self._versions)):
            if isinstance(t, Tensor) and t._version != v:
                raise RuntimeError(f"{self._name}: saved tensor {i} was modified by an in-place operation "
                                   f"(version {v} when saved, {t._version} now)")
        return saved


def _keep_saved_outputs_without_history(ctx, outputs):
    """Saved outputs are kept detached (keeping them whole would make a reference cycle through their
    grad_fn), with the output number backward hands them back under."""
    saved = getattr(ctx, "_saved", ())
    output_nrs = tuple(next((i for i, o in enumerate(outputs) if s is o), None) for s in saved)
    ctx._saved = tuple(s if nr is None else s.detach() for s, nr in zip(saved, output_nrs))
    ctx._saved_output_nrs = output_nrs


@contextlib.contextmanager
def _saved_outputs_attached_to(ctx, node):
    """While backward runs, its saved outputs have the function's node as grad_fn (as PyTorch unpacks them),
    so a create_graph backward differentiates through them too."""
    detached = getattr(ctx, "_saved", ())
    if not any(nr is not None for nr in ctx._saved_output_nrs):
        yield
        return
    ctx._saved = tuple(s if nr is None else _C._saved_output(s, node, nr)
                       for s, nr in zip(detached, ctx._saved_output_nrs))
    try:
        yield
    finally:
        ctx._saved = detached


def _pack_saved(ctx, pack_hook, unpack_hook):
    """Under autograd.graph.saved_tensors_hooks, what save_for_backward kept is held packed until
    backward reads it (_unpacked), as the core holds the tensors its own ops save."""
    with no_grad():
        ctx._packed = tuple(pack_hook(s) if isinstance(s, Tensor) else s for s in ctx._saved)
    ctx._is_tensor = tuple(isinstance(s, Tensor) for s in ctx._saved)
    ctx._unpack_hook, ctx._saved = unpack_hook, ()


@contextlib.contextmanager
def _unpacked(ctx):
    """While backward runs, the packed saved tensors are unpacked (the in-place check is the hooks'
    concern then: an unpacked tensor is a new one)."""
    if not hasattr(ctx, "_packed"):
        yield
        return
    ctx._saved = tuple(ctx._unpack_hook(p) if is_tensor else p for p, is_tensor in zip(ctx._packed, ctx._is_tensor))
    ctx._versions = tuple(s._version if isinstance(s, Tensor) else None for s in ctx._saved)
    try:
        yield
    finally:
        ctx._saved = ()


class Function:
    """Subclass with static forward(ctx, *args) and backward(ctx, *grad_outputs); call with apply()."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("autograd.Function subclasses must define forward(ctx, ...)")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("autograd.Function subclasses must define backward(ctx, ...)")

    @staticmethod
    def jvp(ctx, *grad_inputs):
        raise NotImplementedError("You must implement the jvp function for custom autograd.Function to use it with "
                                  "forward mode AD.")

    def __init__(self, *args, **kwargs):
        warnings.warn(f"{self.__class__} should not be instantiated. Methods on autograd functions are all static, "
                      "so you should invoke them on the class itself. Instantiating an autograd function will raise "
                      "an error in a future version of PyTorch.", DeprecationWarning, stacklevel=2)

    def __call__(self, *args, **kwargs):
        # an instance called as a function is the pre-0.4 style (forward(self, ...)), which PyTorch no longer runs
        raise RuntimeError("Legacy autograd function with non-static forward method is deprecated. Please use "
                           "new-style autograd function with static forward method. (Example: "
                           "https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)")

    @classmethod
    def apply(cls, *args):
        ctx = FunctionCtx()
        ctx._name = cls.__name__
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        with no_grad():
            result = cls.forward(ctx, *args)
        single = not isinstance(result, tuple)
        outputs = (result,) if single else result
        # An input returned as is becomes a new tensor sharing its data, so the input keeps its own history.
        outputs = tuple(o.detach() if any(o is a for a in args) else o for o in outputs)
        if cls.jvp is not Function.jvp and forward_ad.has_duals():
            outputs = _forward_through_jvp(cls, ctx, args, outputs)
            return outputs[0] if single else outputs
        if _C.is_grad_enabled() and any(ctx.needs_input_grad):
            differentiable = [o for o in outputs if isinstance(o, Tensor) and o.is_floating_point()]
            _keep_saved_outputs_without_history(ctx, differentiable)
            hooks = _C._current_saved_tensor_hooks()
            if hooks is not None:
                _pack_saved(ctx, *hooks)

            def run_backward(node, *grads):  # runs inside the engine, which sets grad mode (create_graph)
                with _unpacked(ctx), _saved_outputs_attached_to(ctx, node):
                    grads_in = cls.backward(ctx, *grads)
                return _gradients_of_tensor_inputs(cls, args, grads_in)

            # one edge per tensor argument, as PyTorch's next_functions (None where it needs no gradient)
            inputs = [a if a.requires_grad else None for a in args if isinstance(a, Tensor)]
            _C._record_python_function(cls.__name__ + "Backward", inputs, differentiable, run_backward, ctx)
        return outputs[0] if single else outputs



def _gradients_of_tensor_inputs(cls, args, grads_in):
    """backward's result, one gradient per forward argument, checked as PyTorch checks it, kept for
    the tensor arguments (the node's inputs)."""
    grads_in = grads_in if isinstance(grads_in, tuple) else (grads_in,)
    # Extra gradients are dropped when all None, as PyTorch does (a backward written for optional
    # trailing arguments the call left out).
    if len(grads_in) > len(args) and all(g is None for g in grads_in[len(args):]):
        grads_in = grads_in[:len(args)]
    if len(grads_in) != len(args):
        raise RuntimeError(f"function {cls.__name__}Backward returned an incorrect number of gradients "
                           f"(expected {len(args)}, got {len(grads_in)})")
    for position, (arg, grad) in enumerate(zip(args, grads_in), start=1):
        if grad is not None and not isinstance(arg, Tensor):
            raise RuntimeError(f"function {cls.__name__}Backward returned a gradient different than None at "
                               f"position {position}, but the corresponding forward input was not a Variable")
    return tuple(grad for arg, grad in zip(args, grads_in) if isinstance(arg, Tensor))


def _forward_through_jvp(cls, ctx, args, outputs):
    """Under forward AD, a Function with jvp(ctx, *input_tangents) gives its outputs' tangents: each
    output becomes a dual tensor of its own with that tangent (so the graph behind it is not walked
    again); inputs without a tangent pass zeros."""
    tangents = []
    for a in args:
        if isinstance(a, Tensor) and a.is_floating_point():
            tangent = forward_ad.unpack_dual(a).tangent
            tangents.append(_C.zeros_like(a) if tangent is None else tangent)
        else:
            tangents.append(None)
    with no_grad():
        out_tangents = cls.jvp(ctx, *tangents)
    out_tangents = out_tangents if isinstance(out_tangents, tuple) else (out_tangents,)
    return tuple(forward_ad.make_dual(o.detach(), t) if isinstance(o, Tensor) and t is not None else o
                 for o, t in zip(outputs, out_tangents))


_TWICE = "trying to differentiate twice a function that was marked with @once_differentiable"


class _DelayedError(Function):
    """Passes its inputs through; differentiating it raises (what once_differentiable puts after a
    backward that ran without recording a graph)."""

    @staticmethod
    def forward(ctx, *tensors):
        return tensors if len(tensors) != 1 else tensors[0]

    @staticmethod
    def backward(ctx, *grads):
        raise RuntimeError(_TWICE)


def once_differentiable(fn):
    """Decorates a Function's backward(ctx, *grads) that is not itself differentiable: it runs without
    recording a graph, and differentiating its result (create_graph=True, then backward again) raises."""
    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with no_grad():
            outputs = fn(ctx, *args)
        if not _C.is_grad_enabled() or not any(isinstance(a, Tensor) and a.requires_grad for a in args):
            return outputs
        single = not isinstance(outputs, tuple)
        outputs = (outputs,) if single else outputs
        aliases = _DelayedError.apply(*[None if o is None else o.detach().requires_grad_(True) for o in outputs])
        return aliases if single else (aliases if isinstance(aliases, tuple) else (aliases,))

    return wrapper
