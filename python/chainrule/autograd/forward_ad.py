"""torch.autograd.forward_ad: forward-mode derivatives, tangents carried along with values.

    import chainrule.autograd.forward_ad as fwAD
    with fwAD.dual_level():
        x = fwAD.make_dual(primal, tangent)      # x carries the direction `tangent`
        y = f(x)
        value, jvp = fwAD.unpack_dual(y)         # jvp = J_f(primal) @ tangent

chainrule derives a tangent when unpack_dual asks for it, from the graph reverse mode records (the
double-vjp trick: with u a free variable, J v = d/du <v, J^T u>, two backward passes), rather than
pushing tangents through every op as PyTorch does. The values are the same; so the graph must be
recorded: grad mode on (inside no_grad() no tangent reaches the outputs), and a dual tensor
requires grad (PyTorch's does not, unless its primal does).
"""
import collections

from chainrule import _C
from chainrule.autograd.functional import grad
from chainrule.autograd.graph import _reaches_a_tensor_besides

__all__ = ["UnpackedDualTensor", "dual_level", "enter_dual_level", "exit_dual_level", "make_dual", "unpack_dual"]

UnpackedDualTensor = collections.namedtuple("UnpackedDualTensor", ["primal", "tangent"])

_levels = []  # one list of (dual tensor, tangent) per open level, innermost last


def enter_dual_level():
    """Opens a level of dual tensors (as `with dual_level():` does) and returns its index."""
    _levels.append([])
    return len(_levels) - 1


def exit_dual_level(*, level=None):
    """Closes the innermost level: its dual tensors' tangents are gone (unpack_dual gives None)."""
    if not _levels or (level is not None and level != len(_levels) - 1):
        raise RuntimeError(f"Trying to exit a forward AD level that was not the last one created (level={level})")
    _levels.pop()


class dual_level:
    """Context manager: the level inside which make_dual and unpack_dual work."""

    def __enter__(self):
        return enter_dual_level()

    def __exit__(self, *exc_info):
        exit_dual_level()


def _level(level):
    if not _levels:
        return None
    return _levels[-1 if level is None else level]


def make_dual(tensor, tangent, *, level=None):
    """A tensor with tensor's values that carries `tangent` (same size) as its forward derivative."""
    duals = _level(level)
    if duals is None:
        raise RuntimeError("Trying to create a dual Tensor for forward AD but no level exists, make sure to "
                           "enter_dual_level() first.")
    if tuple(tangent.shape) != tuple(tensor.shape):
        raise RuntimeError("Trying to set a forward gradient that has a different size than that of the original "
                           f"Tensor, this is not supported. Tensor is of size {list(tensor.shape)} while the given "
                           f"forward gradient is of size {list(tangent.shape)}.")
    if not tensor.is_floating_point():
        raise ValueError(f"make_dual: expected a floating-point tensor, got {tensor.dtype}")
    # A node of its own in the graph: a view of a tensor that requires grad, else a fresh leaf.
    dual = tensor.view_as(tensor) if tensor.requires_grad else tensor.detach().requires_grad_(True)
    # The tangent is kept as given where it has the primal's dtype and layout, else copied to them.
    if tangent.dtype != tensor.dtype or tangent.stride() != tensor.stride():
        tangent = _C.empty_like(tensor).copy_(tangent.detach())
    duals.append((dual, tangent))
    return dual


def has_duals():
    """Whether the innermost open level holds dual tensors (autograd.Function's jvp runs then)."""
    return bool(_levels and _levels[-1])


def unpack_dual(tensor, *, level=None):
    """(primal, tangent): tensor's values and its forward derivative along the level's dual tensors'
    tangents (None where it does not depend on them)."""
    duals = _level(level)
    if duals is None or not tensor.requires_grad or not tensor.is_floating_point():
        return UnpackedDualTensor(tensor, None)
    for dual, tangent in duals:
        if dual is tensor:
            return UnpackedDualTensor(tensor, tangent)
    u = _C.zeros_like(tensor).requires_grad_(True)
    vjps = grad([tensor], [d for d, _ in duals], grad_outputs=[u], create_graph=True, allow_unused=True)
    terms = [(g * t).sum() for g, (_, t) in zip(vjps, duals) if g is not None]
    if not terms:
        return UnpackedDualTensor(tensor, None)
    total = sum(terms[1:], terms[0])
    if not total.requires_grad:  # J^T u does not depend on u: J is zero where it is defined
        return UnpackedDualTensor(tensor, _C.zeros_like(tensor))
    # The tangent stays differentiable where tensor's graph reaches beyond the level's own leaves (a
    # dual made from a tensor that requires grad, a model's weights), as PyTorch's tangent does.
    own_leaves = [dual for dual, _ in duals if dual.is_leaf] + [u]
    keep_graph = _C.is_grad_enabled() and _reaches_a_tensor_besides([tensor], own_leaves)
    (jvp,) = grad([total], [u], retain_graph=True, create_graph=keep_graph, allow_unused=True)
    if jvp is None:
        return UnpackedDualTensor(tensor, _C.zeros_like(tensor))
    return UnpackedDualTensor(tensor, jvp if keep_graph else jvp.detach())
