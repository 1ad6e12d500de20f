"""Attention ops composed from differentiable primitives (matmul, softmax, masked_fill, dropout, linear):
F.scaled_dot_product_attention and F.multi_head_attention_forward, with torch.nn.functional's signatures,
mask conventions and errors. Their backward is the recorded graph of those primitives; no formula of their own.

Masks: a bool mask marks with True the positions that take part in attention (key_padding_mask marks padding
with True, as in PyTorch); a float mask is added to the scores. A query row whose keys are all masked out gets
a zero output from scaled_dot_product_attention (PyTorch's "safe softmax") and NaN weights from
multi_head_attention_forward(need_weights=True), as in PyTorch.
"""
import math
import warnings

from chainrule.amp import cast_policy as _autocast
import chainrule as cr
from chainrule.backends import cuda as _cuda_backend
from chainrule.nn.attention.bias import CausalBias
from chainrule.nn.functional.dropout import dropout
from chainrule.nn.functional.linear import linear
from chainrule.nn.functional.pad_interpolate import pad

# the private helpers too: code copied from torch's transformer layers calls F._canonical_mask and friends
__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward", "_canonical_mask", "_none_or_dtype",
           "_mha_shape_check", "_in_projection_packed", "_in_projection"]


def _broadcasts_to(shape, target):
    """Whether a tensor of `shape` broadcasts to `target` without growing it."""
    if len(shape) > len(target):
        return False
    return all(s in (1, t) for s, t in zip(reversed(shape), reversed(target)))


def _check_sdpa_inputs(query, key, value, attn_mask, is_causal):
    if query.dim() < 2 or key.dim() < 2 or value.dim() < 2:
        raise RuntimeError("scaled_dot_product_attention: expected query, key and value to be at least 2-D, got "
                           f"query {tuple(query.shape)}, key {tuple(key.shape)} and value {tuple(value.shape)}")
    if not (query.dtype == key.dtype == value.dtype):
        raise RuntimeError("Expected query, key, and value to have the same dtype, but got query.dtype: "
                           f"{query.dtype} key.dtype: {key.dtype} and value.dtype: {value.dtype} instead.")
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise RuntimeError("scaled_dot_product_attention: query (..., L, E), key (..., S, E) and value (..., S, Ev) "
                           f"disagree: got query {tuple(query.shape)}, key {tuple(key.shape)} and value "
                           f"{tuple(value.shape)}")
    if attn_mask is not None:
        if attn_mask.dtype != cr.bool and attn_mask.dtype != query.dtype:
            raise RuntimeError("Expected attn_mask dtype to be bool or float or to match query dtype, but got "
                               f"attn_mask.dtype: {attn_mask.dtype} and query.dtype: {query.dtype} instead.")
        if is_causal:
            raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when "
                               "is_causal=True")


def _check_cpu_kernel_allowed(query, key, value):
    """On the CPU PyTorch has two attention kernels, math and flash (4-D inputs only): with both switched off
    (sdpa_kernel(EFFICIENT_ATTENTION) or the backends.cuda switches) it raises, as this does. chainrule computes
    with its one kernel whatever is allowed; on a GPU, which kernels exist depends on the card, so no check."""
    if query.device.type != "cpu":
        return
    switches = _cuda_backend._sdp_enabled
    if switches["math"]:
        return
    if not switches["flash"]:
        raise RuntimeError("No viable backend for scaled_dot_product_attention was found. This is likely due to "
                           "turning off both the math kernel and the fused kernels.")
    if query.dim() != 4 or key.dim() != 4 or value.dim() != 4:
        warnings.warn("Flash attention kernel not used because:", stacklevel=3)
        warnings.warn("All fused kernels requires query, key and value to be 4 dimensional, but got Query dim: "
                      f"{query.dim()}, Key dim: {key.dim()}, Value dim: {value.dim()} instead.", stacklevel=3)
        raise RuntimeError("No available kernel.  Aborting execution.")


def _repeat_heads(x, groups):
    """(..., H, S, E) -> (..., H * groups, S, E), each head repeated `groups` times in a row
    (x.repeat_interleave(groups, dim=-3))."""
    *batch, heads, length, features = x.shape
    return x.unsqueeze(-3).expand(*batch, heads, groups, length, features).reshape(
        *batch, heads * groups, length, features)


def _expand_kv_heads(query, key, value):
    """enable_gqa: key and value with fewer heads than query are shared by groups of query heads."""
    heads = query.shape[-3] if query.dim() >= 3 else 1
    kv_heads = key.shape[-3] if key.dim() >= 3 else 1
    if heads == kv_heads:
        return key, value
    if heads % kv_heads != 0 or (value.shape[-3] if value.dim() >= 3 else 1) != kv_heads:
        raise RuntimeError("Number of heads in key and value must divide the number of heads in query: got "
                           f"query {tuple(query.shape)}, key {tuple(key.shape)} and value {tuple(value.shape)}")
    return _repeat_heads(key, heads // kv_heads), _repeat_heads(value, heads // kv_heads)


def _future_keys(lo, hi, seen, device):
    """(hi - lo, seen) bool: True where query row lo + i may not see key j (j > lo + i)."""
    return cr.arange(seen, device=device).unsqueeze(0) > cr.arange(lo, hi, device=device).unsqueeze(1)


_CAUSAL_BLOCK_FROM = 256  # query length from which causal attention runs by blocks of rows
_CAUSAL_BLOCKS = 4


def _causal_attention_by_row_blocks(query, key, value, scale):
    """Causal attention a block of query rows at a time, each against only the keys it may see
    (rows [lo, hi) against keys [0, hi)): with 4 blocks, 10/16 of the products and softmax of the whole
    (..., L, S) square, with the same rows (masked keys add exact zeros to the softmax's sums)."""
    length = query.shape[-2]
    bounds = [length * b // _CAUSAL_BLOCKS for b in range(_CAUSAL_BLOCKS + 1)]
    blocks = []
    for lo, hi in zip(bounds, bounds[1:]):
        seen = min(hi, key.shape[-2])
        scores = (query[..., lo:hi, :] * scale).matmul(key[..., :seen, :].transpose(-2, -1))  # (..., hi - lo, seen)
        blocks.append(scores.masked_fill(_future_keys(lo, hi, seen, query.device), float("-inf")).softmax(-1)
                      .matmul(value[..., :seen, :]))
    return cr.cat(blocks, -2)


@_autocast.lower_precision
def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, *, scale=None,
                                 enable_gqa=False):
    """softmax(query key^T * scale + mask) value, with dropout on the weights.

    query (..., L, E), key (..., S, E), value (..., S, Ev) -> (..., L, Ev); leading dims broadcast.
    attn_mask: bool (True = attend) or float (added), broadcastable to (..., L, S). is_causal: query i attends
    keys 0..i (top-left aligned) and excludes attn_mask. scale defaults to 1/sqrt(E).
    """
    if is_causal and isinstance(attn_mask, CausalBias):
        raise ValueError("CausalBias should not be used with causal=True")
    _check_sdpa_inputs(query, key, value, attn_mask, is_causal)
    _check_cpu_kernel_allowed(query, key, value)
    if enable_gqa:
        key, value = _expand_kv_heads(query, key, value)
    length, source_length = query.shape[-2], key.shape[-2]
    if scale is None:
        scale = 1.0 / math.sqrt(query.shape[-1])
    if is_causal and dropout_p == 0.0 and length >= _CAUSAL_BLOCK_FROM:
        return _causal_attention_by_row_blocks(query, key, value, scale)
    scores = (query * scale).matmul(key.transpose(-2, -1))  # (..., L, S)
    empty_rows = None  # (..., L, 1): the query rows with every key masked out
    if is_causal:  # query i attends keys 0..i: never a row without keys
        scores = scores.masked_fill(_future_keys(0, length, source_length, query.device), float("-inf"))
    elif attn_mask is not None:
        if not _broadcasts_to(tuple(attn_mask.shape), tuple(scores.shape)):
            raise RuntimeError(f"scaled_dot_product_attention: attn_mask of shape {tuple(attn_mask.shape)} does not "
                               f"broadcast to the attention scores' shape {tuple(scores.shape)} (..., L, S)")
        # rows with every key masked out attend to all keys (softmax stays finite) and are zeroed
        # below; done whether or not there are any, so that no host read asks
        if attn_mask.dtype == cr.bool:
            empty_rows = attn_mask.logical_not().all(-1, keepdim=True)
            attn_mask = attn_mask.logical_or(empty_rows)
            scores = scores.masked_fill(attn_mask.logical_not(), float("-inf"))
        else:
            empty_rows = (attn_mask == float("-inf")).all(-1, keepdim=True)
            scores = scores + attn_mask.masked_fill(empty_rows, 0.0)
    weights = scores.softmax(-1)
    if empty_rows is not None:
        weights = weights.masked_fill(empty_rows, 0.0)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p)
    return weights.matmul(value)


# --- multi_head_attention_forward (torch.nn.functional's, used by nn.MultiheadAttention) ---

def _none_or_dtype(input):
    if input is None:
        return None
    if isinstance(input, cr.Tensor):
        return input.dtype
    raise RuntimeError("input to _none_or_dtype() must be None or chainrule.Tensor")


def _canonical_mask(mask, mask_name, other_type, other_name, target_type, check_other=True):
    """A bool mask becomes a float one of target_type with -inf where it is True (masked out); float masks pass."""
    if mask is None:
        return None
    if mask.dtype != cr.bool and not mask.dtype.is_floating_point:
        raise AssertionError(f"only bool and floating types of {mask_name} are supported")
    if check_other and other_type is not None and mask.dtype != other_type:
        warnings.warn(f"Support for mismatched {mask_name} and {other_name} is deprecated. Use same type for both "
                      "instead.", stacklevel=3)
    if mask.dtype == cr.bool:
        return cr.zeros_like(mask, dtype=target_type).masked_fill(mask, float("-inf"))
    return mask


def _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads):
    """Whether the call is batched ((L, N, E) query) or not ((L, E)); PyTorch's AssertionErrors otherwise."""
    if query.dim() not in (2, 3):
        raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received {query.dim()}-D query "
                             "tensor")
    batched = query.dim() == 3
    kind = "batched (3-D)" if batched else "unbatched (2-D)"
    if key.dim() != query.dim() or value.dim() != query.dim():
        raise AssertionError(f"For {kind} `query`, expected `key` and `value` to be {query.dim()}-D but found "
                             f"{key.dim()}-D and {value.dim()}-D tensors respectively")
    if key_padding_mask is not None and key_padding_mask.dim() != query.dim() - 1:
        raise AssertionError(f"For {kind} `query`, expected `key_padding_mask` to be `None` or "
                             f"{query.dim() - 1}-D but found {key_padding_mask.dim()}-D tensor instead")
    if attn_mask is not None:
        if attn_mask.dim() not in (2, 3):
            raise AssertionError(f"For {kind} `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found "
                                 f"{attn_mask.dim()}-D tensor instead")
        if not batched and attn_mask.dim() == 3:
            expected = (num_heads, query.shape[0], key.shape[0])
            if tuple(attn_mask.shape) != expected:
                raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got {tuple(attn_mask.shape)}")
    return batched


def _in_projection_packed(q, k, v, w, b=None):
    """q, k, v projected by the stacked (3E, E) weight: one GEMM for self-attention, two when key is value."""
    embed_dim = q.shape[-1]
    if k is v and q is k:
        return linear(q, w, b).chunk(3, -1)
    if k is v:
        w_q, w_kv = w.split([embed_dim, 2 * embed_dim])
        b_q, b_kv = (None, None) if b is None else b.split([embed_dim, 2 * embed_dim])
        return (linear(q, w_q, b_q), *linear(k, w_kv, b_kv).chunk(2, -1))
    w_q, w_k, w_v = w.chunk(3)
    b_q, b_k, b_v = (None, None, None) if b is None else b.chunk(3)
    return linear(q, w_q, b_q), linear(k, w_k, b_k), linear(v, w_v, b_v)


def _in_projection(q, k, v, w_q, w_k, w_v, b_q=None, b_k=None, b_v=None):
    """q, k, v projected by separate weights (kdim/vdim differ from embed_dim)."""
    e_q, e_k, e_v = q.shape[-1], k.shape[-1], v.shape[-1]
    for name, weight, expected in (("query", w_q, (e_q, e_q)), ("key", w_k, (e_q, e_k)), ("value", w_v, (e_q, e_v))):
        if tuple(weight.shape) != expected:
            raise AssertionError(f"expecting {name} weights shape of {expected}, but got {tuple(weight.shape)}")
    for name, bias in (("query", b_q), ("key", b_k), ("value", b_v)):
        if bias is not None and tuple(bias.shape) != (e_q,):
            raise AssertionError(f"expecting {name} bias shape of {(e_q,)}, but got {tuple(bias.shape)}")
    return linear(q, w_q, b_q), linear(k, w_k, b_k), linear(v, w_v, b_v)


def _check_attn_mask_shape(attn_mask, tgt_len, src_len, bsz, num_heads):
    """A 2-D mask (L, S) becomes (1, L, S); a 3-D one must be (N * num_heads, L, S)."""
    if attn_mask.dim() == 2:
        if tuple(attn_mask.shape) != (tgt_len, src_len):
            raise RuntimeError(f"The shape of the 2D attn_mask is {tuple(attn_mask.shape)}, but should be "
                               f"{(tgt_len, src_len)}.")
        return attn_mask.unsqueeze(0)
    if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
        raise RuntimeError(f"The shape of the 3D attn_mask is {tuple(attn_mask.shape)}, but should be "
                           f"{(bsz * num_heads, tgt_len, src_len)}.")
    return attn_mask


def _append_key(k, v, extra_k, extra_v, attn_mask, key_padding_mask, dim):
    """One more key/value position (bias_k/bias_v or zeros) along `dim` of k, v; the masks grow by a 0 column."""
    k, v = cr.cat([k, extra_k], dim), cr.cat([v, extra_v], dim)
    attn_mask = None if attn_mask is None else pad(attn_mask, (0, 1))
    key_padding_mask = None if key_padding_mask is None else pad(key_padding_mask, (0, 1))
    return k, v, attn_mask, key_padding_mask


def _split_heads(x, length, batch_heads, head_dim):
    """(S, N, E) -> (N * num_heads, S, head_dim)."""
    return x.reshape(length, batch_heads, head_dim).transpose(0, 1)


def _static(tensor, name, batch_heads, head_dim):
    """A precomputed key or value, (N * num_heads, S, head_dim)."""
    if tensor.dim() != 3 or tensor.shape[0] != batch_heads or tensor.shape[2] != head_dim:
        raise AssertionError(f"expecting {name} of shape ({batch_heads}, S, {head_dim}), but got {tuple(tensor.shape)}")
    return tensor


def _out_projection(output, tgt_len, bsz, out_proj_weight, out_proj_bias):
    """(L * N, E) through the output projection to (L, N, out_features): the projection may change the width
    (CLIP's AttentionPool2d maps E to its output_dim), as PyTorch's view(tgt_len, bsz, -1) allows."""
    projected = linear(output, out_proj_weight, out_proj_bias)
    return projected.reshape(tgt_len, bsz, projected.shape[-1])


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias,
                                 bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias,
                                 training=True, key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None, k_proj_weight=None,
                                 v_proj_weight=None, static_k=None, static_v=None, average_attn_weights=True,
                                 is_causal=False):
    """PyTorch's multi-head attention: query (L, N, E), key (S, N, kdim), value (S, N, vdim), or unbatched
    (L, E), (S, kdim), (S, vdim). Returns (output (L, N, E), weights (N, L, S) averaged over heads, or
    (N, num_heads, L, S), or None when need_weights is False)."""
    batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask", _none_or_dtype(attn_mask), "attn_mask",
                                       query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer module "
                           "method `generate_square_subsequent_mask` to create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None  # scaled_dot_product_attention builds the causal mask itself
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype, check_other=False)
        if key_padding_mask is not None:
            is_causal = False
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if tuple(key.shape[:2]) != tuple(value.shape[:2]):
            raise AssertionError(f"key's sequence and batch dims {tuple(key.shape[:2])} do not match value's "
                                 f"{tuple(value.shape[:2])}")
        if q_proj_weight is None or k_proj_weight is None or v_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is True but q_proj_weight, k_proj_weight or v_proj_weight "
                                 "is None")
        biases = (None, None, None) if in_proj_bias is None else in_proj_bias.chunk(3)
        q, k, v = _in_projection(query, key, value, q_proj_weight, k_proj_weight, v_proj_weight, *biases)
    else:
        if tuple(key.shape) != tuple(value.shape):
            raise AssertionError(f"key shape {tuple(key.shape)} does not match value shape {tuple(value.shape)}")
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        q, k, v = _in_projection_packed(query, key, value, in_proj_weight, in_proj_bias)
    if attn_mask is not None:
        attn_mask = _check_attn_mask_shape(attn_mask, tgt_len, key.shape[0], bsz, num_heads)
    if (bias_k is None) != (bias_v is None):
        raise AssertionError("bias_k and bias_v must both be set or both be None")
    if bias_k is not None:
        if static_k is not None or static_v is not None:
            raise AssertionError("bias cannot be added to static key or value.")
        k, v, attn_mask, key_padding_mask = _append_key(k, v, bias_k.expand(1, bsz, embed_dim),
                                                        bias_v.expand(1, bsz, embed_dim), attn_mask, key_padding_mask,
                                                        0)
    batch_heads = bsz * num_heads
    q = _split_heads(q, tgt_len, batch_heads, head_dim)
    k = _split_heads(k, k.shape[0], batch_heads, head_dim) if static_k is None else _static(static_k, "static_k",
                                                                                           batch_heads, head_dim)
    v = _split_heads(v, v.shape[0], batch_heads, head_dim) if static_v is None else _static(static_v, "static_v",
                                                                                           batch_heads, head_dim)
    if add_zero_attn:
        zeros = cr.zeros(batch_heads, 1, head_dim, dtype=k.dtype, device=k.device)
        k, v, attn_mask, key_padding_mask = _append_key(k, v, zeros, zeros, attn_mask, key_padding_mask, 1)
    src_len = k.shape[1]
    if key_padding_mask is not None:
        for dim, expected in enumerate((bsz, src_len)):
            if key_padding_mask.shape[dim] != expected:
                raise AssertionError(f"Expected key_padded_mask.shape[{dim}] to be {expected}, but got "
                                     f"{key_padding_mask.shape[dim]}")
        key_padding_mask = key_padding_mask.reshape(bsz, 1, 1, src_len).expand(bsz, num_heads, 1, src_len).reshape(
            batch_heads, 1, src_len)
        attn_mask = key_padding_mask if attn_mask is None else attn_mask + key_padding_mask
    if not training:
        dropout_p = 0.0

    if need_weights:
        scores = (q * math.sqrt(1.0 / head_dim)).bmm(k.transpose(-2, -1))  # (N * heads, L, S)
        if attn_mask is not None:
            scores = scores + attn_mask
        weights = scores.softmax(-1)
        if dropout_p > 0.0:
            weights = dropout(weights, dropout_p)
        output = _out_projection(weights.bmm(v).transpose(0, 1).reshape(tgt_len * bsz, embed_dim), tgt_len, bsz,
                                 out_proj_weight, out_proj_bias)
        weights = weights.reshape(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(1)
        if not batched:
            output, weights = output.squeeze(1), weights.squeeze(0)
        return output, weights

    if attn_mask is not None:
        attn_mask = attn_mask.unsqueeze(0) if attn_mask.shape[0] == 1 else attn_mask.reshape(bsz, num_heads, -1,
                                                                                              src_len)
    output = scaled_dot_product_attention(q.reshape(bsz, num_heads, tgt_len, head_dim),
                                          k.reshape(bsz, num_heads, src_len, head_dim),
                                          v.reshape(bsz, num_heads, src_len, head_dim), attn_mask, dropout_p, is_causal)
    output = _out_projection(output.permute(2, 0, 1, 3).reshape(bsz * tgt_len, embed_dim), tgt_len, bsz,
                             out_proj_weight, out_proj_bias)
    return (output if batched else output.squeeze(1)), None

