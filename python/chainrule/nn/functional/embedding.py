"""F.embedding: rows of a lookup table, by weight.index_select (whose backward scatters into the rows used).

Rows looked up at padding_idx pass their values but no gradient, as in PyTorch; max_norm renormalizes
the rows used, in place, before the lookup. scale_grad_by_freq and sparse gradients are not supported.
"""
import numpy as np

from chainrule import _C
from chainrule.autograd import no_grad

__all__ = ["embedding"]


def _renorm_rows(weight, indices, max_norm, norm_type):
    """Scales each row of weight used by `indices` whose norm exceeds max_norm down to max_norm (in place)."""
    used = _C.from_numpy(np.unique(indices.numpy()).astype(np.int64))
    with no_grad():
        rows = weight.index_select(0, used)  # (U, D)
        norms = (rows.abs() ** norm_type).sum(1) ** (1.0 / norm_type)  # (U,)
        scale = _C.where(norms > max_norm, max_norm / (norms + 1e-7), _C.ones_like(norms))
        weight.data.index_put_((used,), rows * scale.unsqueeze(1))


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    """weight[input] for an int64 input of any shape: (*) -> (*, embedding_dim)."""
    if scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding: scale_grad_by_freq and sparse gradients are not supported")
    if input.dtype != _C.dtype.int64:
        raise TypeError(f"embedding: expected an int64 (long) tensor of indices, got dtype {input.dtype}")
    if weight.dim() != 2:
        raise ValueError(f"embedding: weight must be 2-D (num_embeddings, embedding_dim), got {tuple(weight.shape)}")
    if padding_idx is not None:
        if not -weight.shape[0] <= padding_idx < weight.shape[0]:
            raise ValueError(f"embedding: padding_idx {padding_idx} is out of range for {weight.shape[0]} embeddings")
        padding_idx = padding_idx + weight.shape[0] if padding_idx < 0 else padding_idx
    flat = input.reshape(-1)
    if max_norm is not None:
        _renorm_rows(weight, flat, max_norm, norm_type)
    rows = weight.index_select(0, flat)  # (numel, D)
    if padding_idx is not None and rows.requires_grad:
        is_padding = (flat == padding_idx).unsqueeze(1)
        rows = _C.where(is_padding, rows.detach(), rows)  # same values, no gradient into the padding row
    return rows.reshape(*input.shape, weight.shape[1])
