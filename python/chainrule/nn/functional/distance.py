"""Distances of chainrule.nn.functional: normalize and pairwise_distance (cosine_similarity is in loss.py).

Composed from recorded ops exactly as PyTorch composes them (a p-norm, a clamp, a division), so the
values and the gradients (those at the clamp included) are PyTorch's.
"""
__all__ = ["normalize", "pairwise_distance"]


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
