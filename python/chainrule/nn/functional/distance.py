"""Distances of chainrule.nn.functional: normalize, pairwise_distance and pdist (cosine_similarity is
in loss.py).

Composed from recorded ops exactly as PyTorch composes them (a p-norm, a clamp, a division), so the
values and the gradients (those at the clamp included) are PyTorch's.
"""

from chainrule import _C

__all__ = ["normalize", "pairwise_distance", "pdist"]


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """input / max(||input||_p along dim, eps)."""
    denom = input.norm(p, dim, keepdim=True).clamp(min=eps).expand_as(input)
    if out is None:
        return input / denom
    return out.copy_(input / denom)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """||x1 - x2 + eps||_p along the last dim (of the broadcast shape)."""
    last = max(x1.dim(), x2.dim()) - 1
    return (x1 - x2 + eps).norm(p, last, keepdim=keepdim)


def pdist(input, p=2):
    """||x_i - x_j||_p for every pair of rows i < j of an (N, M) input, in row-major order: (N (N - 1) / 2,)."""
    if input.dim() != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.dim()}D")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    rows, cols = _C.triu_indices(input.shape[0], input.shape[0], 1, device=input.device)
    first = input.index_select(0, rows)
    second = input.index_select(0, cols)
    return (first - second).norm(p, 1)
