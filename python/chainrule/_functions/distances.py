"""cdist: pairwise p-norm distances between the rows of two (batched) matrices.

p=2 goes through one matmul (|x|^2 + |y|^2 - 2 x.y, clamped at 0, as PyTorch does for large inputs)
with PyTorch's backward: the gradient is (x - y) / d, and 0 where d = 0. Other p broadcast the
differences (O(P * R * M) memory) and take their norm, whose backward also gives 0 at d = 0.
"""
from chainrule import _C
from chainrule.amp import cast_policy as _autocast
from chainrule.autograd.function import Function


def _euclidean(x1, x2):
    x1_sq = (x1 * x1).sum(-1, keepdim=True)
    x2_sq = (x2 * x2).sum(-1, keepdim=True)
    squared = x1_sq - 2 * _C.matmul(x1, x2.transpose(-1, -2)) + x2_sq.transpose(-1, -2)
    return squared.clamp(min=0).sqrt()


class _EuclideanDistance(Function):
    @staticmethod
    def forward(ctx, x1, x2):
        ctx.save_for_backward(x1, x2)
        return _euclidean(x1, x2)

    @staticmethod
    def backward(ctx, grad):
        x1, x2 = ctx.saved_tensors
        d = _euclidean(x1, x2)  # recomputed here so that a second derivative sees its dependence on x
        positive = d > 0
        g = _C.where(positive, grad / _C.where(positive, d, 1), 0)  # (.., P, R)
        g_t = g.transpose(-1, -2)
        grad_x1 = g.sum(-1, keepdim=True) * x1 - _C.matmul(g, x2)
        grad_x2 = g_t.sum(-1, keepdim=True) * x2 - _C.matmul(g_t, x1)
        return _sum_to(grad_x1, x1.shape), _sum_to(grad_x2, x2.shape)


def _sum_to(grad, shape):
    """grad summed over the batch dims that broadcasting added or stretched, back to `shape`."""
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(list(range(extra)))
    dims = [k for k, size in enumerate(shape) if size == 1 and grad.shape[k] != 1]
    return grad.sum(dims, keepdim=True) if dims else grad


@_autocast.float32
def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """Distances (.., P, R) between the rows of x1 (.., P, M) and x2 (.., R, M), batch dims broadcast."""
    if x1.ndim < 2 or x2.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {x1.ndim}D, X2 got: {x2.ndim}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}")
    if not (x1.is_floating_point() and x2.is_floating_point()):
        raise RuntimeError(f"cdist only supports floating-point dtypes, X1 got: {x1.dtype}, X2 got: {x2.dtype}")
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values, got {p}")
    if compute_mode not in ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                            "donot_use_mm_for_euclid_dist"):
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    if p == 2 and compute_mode != "donot_use_mm_for_euclid_dist":
        return _EuclideanDistance.apply(x1, x2)
    return (x1.unsqueeze(-2) - x2.unsqueeze(-3)).norm(p, dim=-1)
