"""F.embedding and F.embedding_bag: rows of a lookup table, by weight.index_select (whose backward
scatters into the rows used).

Rows looked up at padding_idx pass their values but no gradient, as in PyTorch; max_norm renormalizes
the rows used, in place, before the lookup. embedding_bag lays the bags out as a zero-padded
(bags, longest bag) block of rows with a mask (padding_idx entries masked too) and reduces it with
sum, mean or max; empty bags give zeros.

F.embedding's scale_grad_by_freq divides each looked-up row's gradient by how often its index occurs in
the batch, as PyTorch does. sparse=True is accepted (word2vec programs build nn.Embedding(..., sparse=True)
and step SGD or SparseAdam): the gradient has PyTorch's values but is a dense tensor, zero in the rows not
looked up. embedding_bag supports neither.
"""
import numpy as np

from chainrule import _C
from chainrule.autograd import no_grad
from chainrule.nn.functional._host_tables import table_like

__all__ = ["embedding", "embedding_bag"]


def _renorm_rows(weight, indices, max_norm, norm_type):
    """Scales each row of weight used by `indices` whose norm exceeds max_norm down to max_norm (in place).
    A row used twice is read before any is written and gets the same value each time, so the indices
    need no deduplication (which would read them on the host)."""
    with no_grad():
        rows = weight.index_select(0, indices)  # (numel, D)
        norms = (rows.abs() ** norm_type).sum(1) ** (1.0 / norm_type)  # (numel,)
        scale = _C.where(norms > max_norm, max_norm / (norms + 1e-7), _C.ones_like(norms))
        weight.data.index_put_((indices,), rows * scale.unsqueeze(1))


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    """weight[input] for an int64 or int32 input of any shape: (*) -> (*, embedding_dim)."""
    if input.dtype not in (_C.dtype.int64, _C.dtype.int32):
        raise _C.DTypeError(f"embedding: expected an int64 (long) or int32 (int) tensor of indices, got dtype "
                            f"{input.dtype}")
    if weight.dim() != 2:
        raise _C.InvalidArgumentError(f"embedding: weight must be 2-D (num_embeddings, embedding_dim), got "
                                      f"{tuple(weight.shape)}")
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
    if scale_grad_by_freq and rows.requires_grad:
        rows = _scaled_by_inverse_frequency(rows, flat, weight.shape[0], sparse)
    return rows.reshape(*input.shape, weight.shape[1])


def _scaled_by_inverse_frequency(rows, flat, num_embeddings, sparse):
    """rows with the same values, whose gradient is divided by the count of each row's index in `flat`
    (with sparse=True, PyTorch's RuntimeError when the gradient arrives)."""
    if sparse:
        def refuse(grad):
            raise RuntimeError("embedding_backward: scale_grad_by_freq not supported with sparse gradients")
        rows.register_hook(refuse)
        return rows
    counts = _C.zeros(num_embeddings, dtype=_C.dtype.int64, device=flat.device).index_add_(
        0, flat, _C.ones_like(flat))
    scale = (1.0 / counts.index_select(0, flat).to(rows.dtype)).unsqueeze(1)
    rows.register_hook(lambda grad: grad * scale)
    return rows


def _bag_positions(starts, length, include_last_offset):
    """(bags, longest) positions into the flat input and their validity mask, from the bags' start offsets."""
    if starts and starts[0] != 0:
        raise RuntimeError(f"offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from "
                           f"position 0. However, got {starts[0]}")
    if starts and starts[-1] > length:
        raise RuntimeError(f"offsets[-1] can not be greater than input's length {length} but got offsets[-1] of "
                           f"{starts[-1]}")
    offsets = starts
    if include_last_offset:  # the last offset closes the list; the last bag still runs to the input's end
        starts = starts[:-1]
    ends = starts[1:] + [length] if starts else []
    if any(e < s for s, e in zip(starts, ends)):
        raise RuntimeError(f"embedding_bag: offsets must be non-decreasing, got {offsets}")
    longest = max([e - s for s, e in zip(starts, ends)], default=0)
    steps = np.arange(longest)
    begin = np.asarray(starts, dtype=np.int64).reshape(-1, 1)
    valid = steps < (np.asarray(ends, dtype=np.int64).reshape(-1, 1) - begin)
    return np.where(valid, begin + steps, 0), valid


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False, mode="mean",
                  sparse=False, per_sample_weights=None, include_last_offset=False, padding_idx=None):
    """Sums, averages or takes the max of the embeddings of each bag: input (B, L) holds B bags of L
    indices, or input (n,) with `offsets` the start of each bag. Returns (B, embedding_dim)."""
    if per_sample_weights is not None and tuple(input.shape) != tuple(per_sample_weights.shape):
        raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) is not None, then it "
                         f"must have the same shape as the input ({input.shape})")
    if weight.dim() != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension {weight.dim()}")
    if input.dtype not in (_C.dtype.int64, _C.dtype.int32):
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {input.dtype} instead (while checking arguments for embedding_bag)")
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             f"fixed length sequences. However, found offsets of type {type(offsets)}")
        starts = list(range(0, input.numel(), max(input.shape[1], 1)))  # from the shape: nothing to read
        include_last_offset = False
    elif input.dim() == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.dim() != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        starts = [int(o) for o in offsets.tolist()]  # the bags' layout: read on the host
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.dim()}")
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if mode == "max" and sparse:
        raise ValueError("max mode does not support sparse weights")
    if scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding_bag: scale_grad_by_freq and sparse gradients are not supported")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                  f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
                                  "GitHub.")
    rows_total = weight.shape[0]
    if padding_idx is not None:
        if not -rows_total <= padding_idx < rows_total:
            raise RuntimeError(f"padding_idx must be within the number of embeddings, {-rows_total} through "
                               f"{rows_total - 1}, but got {padding_idx}")
        padding_idx %= rows_total
    flat = input.reshape(-1)
    if max_norm is not None:
        _renorm_rows(weight, flat, max_norm, norm_type)
    positions, valid = _bag_positions(starts, flat.numel(), include_last_offset)
    bags, longest = positions.shape
    positions, valid = table_like(positions.reshape(-1), flat), table_like(valid, flat)
    indices = flat[positions]
    if padding_idx is not None:
        valid = valid & (indices != padding_idx).reshape(bags, longest)
    rows = weight.index_select(0, indices).reshape(bags, longest, weight.shape[1])
    mask = valid.unsqueeze(2)
    if mode == "max":
        best = _C.where(mask, rows, float("-inf")).max(1)[0] if longest else rows.sum(1)
        return _C.where(valid.any(1).unsqueeze(1), best, 0.0)
    if per_sample_weights is not None:
        sample_weights = per_sample_weights.reshape(-1)[positions]
        rows = rows * sample_weights.reshape(bags, longest, 1)
    total = _C.where(mask, rows, 0.0).sum(1)
    if mode == "sum":
        return total
    return total / valid.sum(1, keepdim=True).clamp(min=1).to(weight.dtype)
