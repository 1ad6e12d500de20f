"""Gradient clipping: clip_grad_norm_ (rescale all grads so their joint norm is at most max_norm) and
clip_grad_value_ (clamp each grad element), with torch.nn.utils' signatures; and clip_grad_norm_'s two
halves, get_total_norm (the joint norm of some tensors) and clip_grads_with_norm_ (the rescaling); and the
deprecated clip_grad_norm that older programs still call (PyTorch keeps it, with a FutureWarning)."""
import math
import warnings

from chainrule import _C, linalg
from chainrule._C import Tensor
from chainrule.autograd import no_grad

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_"]


def _grads_of(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def _total_norm(tensors, norm_type):
    """The norm of all tensors seen as one vector, as PyTorch computes it: the norm of each tensor in
    its own dtype, then the norm of those norms (on the first tensor's device)."""
    norms = [linalg.vector_norm(t.detach(), norm_type) for t in tensors]
    first_device = tensors[0].device
    return linalg.vector_norm(_C.stack([n.to(first_device) for n in norms]), norm_type)


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The norm of all `tensors` seen as one vector, a 0-d tensor (0.0 for none).
    `foreach` is accepted for compatibility and ignored."""
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    if not tensors:
        return _C.zeros(())
    with no_grad():
        total_norm = _total_norm(tensors, float(norm_type))
    if error_if_nonfinite and not math.isfinite(float(total_norm)):
        raise RuntimeError(f"The total norm of order {float(norm_type)} for gradients from `parameters` is "
                           "non-finite, so it cannot be clipped. To disable this error and scale the gradients by "
                           "the non-finite norm anyway, set `error_if_nonfinite=False`")
    return total_norm


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scales every grad in place by max_norm / (total_norm + 1e-6) when that is below 1; total_norm
    comes from get_total_norm (for instance over grads gathered from several places)."""
    _scale_by_norm(_grads_of(parameters), max_norm, total_norm)


def _scale_by_norm(grads, max_norm, total_norm):
    if not grads:
        return
    with no_grad():
        # every grad is scaled, by 1 when the norm is within max_norm, as torch does: deciding on
        # the host whether to scale would wait for the GPU
        clip_coef = (float(max_norm) / (total_norm + 1e-6)).clamp(max=1.0)
        for g in grads:
            g.mul_(clip_coef.to(g.device))


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scales every grad in place by max_norm / (total_norm + 1e-6) when the total norm exceeds max_norm.

    Returns the total norm of the grads before clipping (a 0-d tensor in the grads' dtype).
    `foreach` is accepted for compatibility and ignored.
    """
    grads = _grads_of(parameters)
    if not grads:
        return _C.zeros(())
    total_norm = get_total_norm(grads, norm_type, error_if_nonfinite)
    _scale_by_norm(grads, max_norm, total_norm)
    return total_norm


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Deprecated name of clip_grad_norm_ (same arguments and result), warning as PyTorch does."""
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of `torch.nn.utils.clip_grad_norm_`.",
                  FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamps every grad element in place to [-clip_value, clip_value]."""
    clip_value = float(clip_value)
    with no_grad():
        for g in _grads_of(parameters):
            g.clamp_(-clip_value, clip_value)
