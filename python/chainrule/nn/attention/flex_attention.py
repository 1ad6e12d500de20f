"""chainrule.nn.attention.flex_attention: PyTorch's FlexAttention, attention whose scores a Python
function modifies (score_mod) and whose pattern a mask function decides (mask_mod, through a BlockMask).

flex_attention computes what PyTorch's reference (its eager math path) computes, with chainrule's ops
and autograd: scores q @ k^T * scale in float32 (float64 for float64 inputs), score_mod applied to the
whole score tensor at once, masked-out scores set to -inf, a softmax that leaves fully masked rows at
zero, then @ v; lse is the rows' natural-log logsumexp (-inf for a fully masked row). PyTorch calls
score_mod and mask_mod per element under vmap; here they get broadcasting index tensors (b of shape
(B, 1, 1, 1), h (1, H, 1, 1), q_idx (1, 1, L, 1), kv_idx (1, 1, 1, S)), which gives the same values for
the elementwise, indexing and torch.where code such functions are written in. There is no fused
kernel: torch.compile is a no-op in chainrule, and every call materializes the (B, H, L, S) scores.

A BlockMask keeps PyTorch's block-sparse summary of the mask (kv_num_blocks, kv_indices and their
full-block and transposed forms, BLOCK_SIZE, sparsity(), to_dense()); flex_attention uses its mask_mod.
"""
import inspect
import math
from typing import NamedTuple, Optional

import chainrule as cr
from chainrule._C import Tensor

__all__ = ["AuxOutput", "AuxRequest", "BlockMask", "and_masks", "create_block_mask", "create_mask",
           "flex_attention", "noop_mask", "or_masks"]

_DEFAULT_SPARSE_BLOCK_SIZE = 128


class AuxRequest(NamedTuple):
    """Which auxiliary outputs flex_attention returns (return_aux=)."""
    lse: bool = False
    max_scores: bool = False


class AuxOutput(NamedTuple):
    """The auxiliary outputs asked for: each row's logsumexp and maximum score, or None."""
    lse: Optional[Tensor] = None
    max_scores: Optional[Tensor] = None


def noop_mask(b, h, q_idx, kv_idx):
    """Keeps every score."""
    return b.new_ones((), dtype=cr.bool)


def or_masks(*mask_mods):
    """A mask_mod keeping what any of mask_mods keeps."""
    def or_mask(b, h, q_idx, kv_idx):
        result = b.new_zeros((), dtype=cr.bool)
        for mask in mask_mods:
            result = result | mask(b, h, q_idx, kv_idx)
        return result
    return or_mask


def and_masks(*mask_mods):
    """A mask_mod keeping what all of mask_mods keep."""
    def and_mask(b, h, q_idx, kv_idx):
        result = b.new_ones((), dtype=cr.bool)
        for mask in mask_mods:
            result = result & mask(b, h, q_idx, kv_idx)
        return result
    return and_mask


def _is_score_mod(fn):
    """A score_mod takes (score, b, h, q_idx, kv_idx), a mask_mod (b, h, q_idx, kv_idx), as PyTorch tells them."""
    required = sum(1 for p in inspect.signature(fn).parameters.values() if p.default is inspect.Parameter.empty)
    if required not in (4, 5):
        raise AssertionError(f"expected a score_mod (5 arguments) or a mask_mod (4 arguments), got {required}")
    return required == 5


def _index_grid(B, H, Q_LEN, KV_LEN, device):
    """b, h, q_idx, kv_idx as int64 tensors that broadcast to (B, H, Q_LEN, KV_LEN)."""
    return (cr.arange(B, device=device).view(B, 1, 1, 1), cr.arange(H, device=device).view(1, H, 1, 1),
            cr.arange(Q_LEN, device=device).view(1, 1, Q_LEN, 1),
            cr.arange(KV_LEN, device=device).view(1, 1, 1, KV_LEN))


def create_mask(mod_fn, B, H, Q_LEN, KV_LEN, device=None):
    """The (B, H, Q_LEN, KV_LEN) bool mask of a mask_mod, or of a score_mod (True where it is not -inf)."""
    B, H = B or 1, H or 1
    grid = _index_grid(B, H, Q_LEN, KV_LEN, device or "cpu")
    if _is_score_mod(mod_fn):
        out = mod_fn(cr.zeros(B, H, Q_LEN, KV_LEN, device=device or "cpu"), *grid)
        return ~cr.isneginf(out.expand(B, H, Q_LEN, KV_LEN))
    return mod_fn(*grid).expand(B, H, Q_LEN, KV_LEN).contiguous()


def _dense_to_ordered(dense):
    """Per row of blocks: how many are set, and their column indices first (PyTorch's layout)."""
    dense = dense.to(cr.int32)
    return dense.sum(dim=-1).to(cr.int32), cr.argsort(dense, dim=-1, descending=True, stable=True).to(cr.int32)


def _ordered_to_dense(num_blocks, indices, num_cols):
    """The 0/1 (rows, num_cols) block matrix that (num_blocks, indices) describes."""
    taken = cr.arange(indices.shape[-1], device=indices.device) < num_blocks.unsqueeze(-1)
    columns = cr.where(taken, indices.long(), num_cols)  # untaken entries land in a spare column
    dense = cr.zeros(*indices.shape[:-1], num_cols + 1, dtype=cr.int32, device=indices.device)
    dense.scatter_(-1, columns, 1)
    return dense[..., :num_cols]


class BlockMask:
    """A mask_mod with PyTorch's block-sparse summary of it: for each (batch, head, row of query
    blocks), the key blocks that are partly kept (kv_num_blocks, kv_indices) and fully kept
    (full_kv_num_blocks, full_kv_indices), and the same per column of key blocks (q_*)."""

    def __init__(self, seq_lengths, kv_num_blocks, kv_indices, full_kv_num_blocks, full_kv_indices, q_num_blocks,
                 q_indices, full_q_num_blocks, full_q_indices, BLOCK_SIZE, mask_mod):
        self.seq_lengths = tuple(seq_lengths)
        self.kv_num_blocks, self.kv_indices = kv_num_blocks, kv_indices
        self.full_kv_num_blocks, self.full_kv_indices = full_kv_num_blocks, full_kv_indices
        self.q_num_blocks, self.q_indices = q_num_blocks, q_indices
        self.full_q_num_blocks, self.full_q_indices = full_q_num_blocks, full_q_indices
        self.BLOCK_SIZE = tuple(BLOCK_SIZE)
        self.mask_mod = mask_mod if mask_mod is not None else noop_mask

    @classmethod
    def from_kv_blocks(cls, kv_num_blocks, kv_indices, full_kv_num_blocks=None, full_kv_indices=None,
                       BLOCK_SIZE=_DEFAULT_SPARSE_BLOCK_SIZE, mask_mod=None, seq_lengths=None):
        """A BlockMask from its key-block lists (the query-block lists are derived from them)."""
        block = (BLOCK_SIZE, BLOCK_SIZE) if isinstance(BLOCK_SIZE, int) else tuple(BLOCK_SIZE)
        if seq_lengths is None:
            seq_lengths = (kv_indices.shape[-2] * block[0], kv_indices.shape[-1] * block[1])

        def transposed(num_blocks, indices):
            if num_blocks is None:
                return None, None
            return _dense_to_ordered(_ordered_to_dense(num_blocks, indices, indices.shape[-1]).transpose(-2, -1))
        return cls(seq_lengths, kv_num_blocks, kv_indices, full_kv_num_blocks, full_kv_indices,
                   *transposed(kv_num_blocks, kv_indices), *transposed(full_kv_num_blocks, full_kv_indices),
                   block, mask_mod)

    def as_tuple(self, flatten=True):
        return (*self.seq_lengths, self.kv_num_blocks, self.kv_indices, self.full_kv_num_blocks,
                self.full_kv_indices, self.q_num_blocks, self.q_indices, self.full_q_num_blocks, self.full_q_indices,
                *self.BLOCK_SIZE, self.mask_mod)

    @property
    def shape(self):
        return tuple(self.kv_indices.shape[:-2]) + self.seq_lengths

    def numel(self):
        return math.prod(self.shape)

    def sparsity(self):
        """The percentage of the (B, H, Q_LEN, KV_LEN) grid in blocks that are wholly masked out."""
        computed = self.kv_num_blocks.sum().item()
        if self.full_kv_num_blocks is not None:
            computed += self.full_kv_num_blocks.sum().item()
        return 100 * (1 - computed * self.BLOCK_SIZE[0] * self.BLOCK_SIZE[1] / self.numel())

    def to_dense(self):
        """The (B, H, query blocks, key blocks) 0/1 int32 matrix of blocks that keep anything."""
        dense = _ordered_to_dense(self.kv_num_blocks, self.kv_indices, self.kv_indices.shape[-1])
        if self.full_kv_num_blocks is not None:
            dense = dense | _ordered_to_dense(self.full_kv_num_blocks, self.full_kv_indices,
                                              self.full_kv_indices.shape[-1])
        return dense

    def to(self, device):
        moved = [t.to(device) if isinstance(t, Tensor) else t for t in self.as_tuple()[2:10]]
        return BlockMask(self.seq_lengths, *moved, self.BLOCK_SIZE, self.mask_mod)

    def __str__(self):
        return f"BlockMask(shape={self.shape}, sparsity={self.sparsity():.2f}%)"

    def __repr__(self):
        def shape_or_none(t):
            return t.shape if t is not None else None
        name = getattr(self.mask_mod, "__name__", self.mask_mod)
        return (f"BlockMask(\n    kv_num_blocks={self.kv_num_blocks.shape},\n    kv_indices={self.kv_indices.shape},\n"
                f"    full_kv_num_blocks={shape_or_none(self.full_kv_num_blocks)},\n"
                f"    full_kv_indices={shape_or_none(self.full_kv_indices)},\n"
                f"    q_num_blocks={shape_or_none(self.q_num_blocks)},\n    q_indices={shape_or_none(self.q_indices)},\n"
                f"    full_q_num_blocks={shape_or_none(self.full_q_num_blocks)},\n"
                f"    full_q_indices={shape_or_none(self.full_q_indices)},\n    BLOCK_SIZE={self.BLOCK_SIZE},\n"
                f"    shape={self.shape},\n    sparsity={self.sparsity():.2f}%,\n    mask_mod={name}\n)")


def create_block_mask(mask_mod, B, H, Q_LEN, KV_LEN, device=None, BLOCK_SIZE=_DEFAULT_SPARSE_BLOCK_SIZE,
                      _compile=False, separate_full_blocks=True, compute_dq_write_order=False, dq_kv_order=True):
    """The BlockMask of mask_mod over (B, H, Q_LEN, KV_LEN) (B, H None: shared by every batch / head)."""
    q_block, kv_block = (BLOCK_SIZE, BLOCK_SIZE) if isinstance(BLOCK_SIZE, int) else BLOCK_SIZE
    mask = create_mask(mask_mod, B, H, Q_LEN, KV_LEN, device)
    mask = cr.nn.functional.pad(mask.to(cr.int32), (0, -KV_LEN % kv_block, 0, -Q_LEN % q_block))
    b, h, q, kv = mask.shape
    kept = mask.view(b, h, q // q_block, q_block, kv // kv_block, kv_block).sum(dim=(3, 5))
    whole = q_block * kv_block
    partial = (kept > 0) & (kept < whole) if separate_full_blocks else kept > 0
    full = _dense_to_ordered(kept == whole) if separate_full_blocks else (None, None)
    return BlockMask.from_kv_blocks(*_dense_to_ordered(partial), *full, BLOCK_SIZE=(q_block, kv_block),
                                    mask_mod=mask_mod, seq_lengths=(Q_LEN, KV_LEN))


def _check_inputs(query, key, value, block_mask, enable_gqa):
    if query.dim() != 4 or key.dim() != 4 or value.dim() != 4:
        raise NotImplementedError("NYI: query, key, and value must be 4D tensors")
    if query.size(-1) != key.size(-1):
        raise ValueError(f"Expect query and key to have the same embedding dimension but got "
                         f"E={query.size(-1)} and E={key.size(-1)}.")
    hq, hkv = query.size(-3), key.size(-3)
    if not enable_gqa and hq != hkv:
        raise ValueError(f"Expect query and key/value to have the same number of heads but got Hq={hq} and "
                         f"Hkv={hkv}. Try setting enable_gqa=True for GQA.")
    if enable_gqa and hq % hkv != 0:
        raise ValueError(f"Expect number of query heads to be a multiple of kv heads for GQA but got Hq={hq} and "
                         f"Hkv={hkv}.")
    if block_mask is not None and tuple(block_mask.seq_lengths) != (query.size(-2), key.size(-2)):
        raise ValueError(f"block_mask was created for block_mask.shape={block_mask.shape} but got "
                         f"q_len={query.size(-2)} and kv_len={key.size(-2)}.")


def flex_attention(query, key, value, score_mod=None, block_mask=None, scale=None, enable_gqa=False,
                   return_lse=False, kernel_options=None, *, return_aux=None):
    """softmax(mask(score_mod(q @ k^T * scale))) @ v over (B, H, L, E) query and (B, Hkv, S, E) key/value;
    with return_aux=AuxRequest(lse=True) also each row's logsumexp (return_lse=True: the deprecated form)."""
    _check_inputs(query, key, value, block_mask, enable_gqa)
    if return_lse and return_aux is not None:
        raise ValueError("Cannot specify both return_lse and return_aux. return_lse is deprecated, please use "
                         "return_aux=AuxRequest(lse=True) instead.")
    if return_lse:
        import warnings
        warnings.warn("return_lse is deprecated and will be removed in v2.10. Please use "
                      "return_aux=AuxRequest(lse=True) instead.", FutureWarning, stacklevel=2)
    scale = 1.0 / math.sqrt(query.size(-1)) if scale is None else scale
    groups = query.size(1) // key.size(1)
    key, value = key.repeat_interleave(groups, dim=1), value.repeat_interleave(groups, dim=1)
    work = cr.float64 if query.dtype == cr.float64 else cr.float32
    scores = (query.to(work) @ key.to(work).transpose(-2, -1)) * scale
    grid = _index_grid(*scores.shape, query.device)
    if score_mod is not None:
        scores = score_mod(scores, *grid).to(work).expand(scores.shape)
    if block_mask is not None and block_mask.mask_mod is not noop_mask:
        scores = cr.where(block_mask.mask_mod(*grid), scores, float("-inf"))
    masked_rows = (scores == float("-inf")).all(dim=-1)
    lse = cr.where(masked_rows, float("-inf"), scores.logsumexp(dim=-1))
    # a fully masked row: zero weights, and no NaN for its gradient to carry
    weights = cr.softmax(cr.where(masked_rows.unsqueeze(-1), 0.0, scores), dim=-1)
    weights = cr.where(masked_rows.unsqueeze(-1), 0.0, weights)
    out = weights.to(query.dtype) @ value.to(query.dtype)
    if return_aux is not None:
        return out, AuxOutput(lse=lse if return_aux.lse else None,
                              max_scores=scores.max(dim=-1)[0] if return_aux.max_scores else None)
    return (out, lse) if return_lse else out
