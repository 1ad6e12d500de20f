"""ONNX converters for attention: F.scaled_dot_product_attention and F.multi_head_attention_forward
(what nn.MultiheadAttention, and through it the nn.Transformer layers, call), composed from MatMul,
Softmax, Where and Reshape/Transpose.

Masks: a float mask is added to the scores; a bool mask puts -inf where it blocks (SDPA's True means
attend, MultiheadAttention's True means blocked). A query row whose keys are all blocked gets zero
weights, as chainrule computes it (softmax over only -inf is NaN; those NaNs are replaced by 0),
except in MultiheadAttention with need_weights=True, where chainrule and torch give NaN.
"""
import math

import numpy as np

from chainrule._C import dtype as _dtype
from chainrule.onnx._graph import UnsupportedOperatorError
from chainrule.onnx._registry import converts


def _refuse(g, what):
    raise UnsupportedOperatorError(f"chainrule.onnx.export: attention with {what} {g.where()} cannot be exported")


def _masked(g, scores, mask, mask_value, true_blocks, dtype):
    """scores with mask applied (mask_value is the mask's value name, already broadcastable)."""
    if mask.dtype == _dtype.bool:
        blocked = mask_value if true_blocks else g.node("Not", [mask_value])
        return g.node("Where", [blocked, g.scalar(-math.inf, dtype), scores])
    if mask.dtype != dtype:
        mask_value = g.cast(mask_value, dtype)
    return g.node("Add", [scores, mask_value])


def _attention_weights(g, scores, masked, dtype):
    weights = g.node("Softmax", [scores], axis=-1)
    if masked:  # rows with every key blocked: NaN -> 0
        weights = g.node("Where", [g.node("IsNaN", [weights]), g.scalar(0.0, dtype), weights])
    return weights


@converts("scaled_dot_product_attention")
def _scaled_dot_product_attention(g, out, query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, *,
                                  scale=None, enable_gqa=False):
    if dropout_p > 0:
        _refuse(g, f"dropout_p={dropout_p}")
    if enable_gqa and query.dim() >= 3 and query.shape[-3] != key.shape[-3]:
        _refuse(g, "grouped-query heads (enable_gqa with fewer key heads)")
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    perm = list(range(key.dim()))
    perm[-2], perm[-1] = perm[-1], perm[-2]
    q = g.node("Mul", [g.value(query), g.scalar(scale, query.dtype)])
    scores = g.node("MatMul", [q, g.node("Transpose", [g.value(key)], perm=perm)])
    if is_causal:  # query i attends keys 0..i
        causal = np.tril(np.ones((query.shape[-2], key.shape[-2]), dtype=np.bool_))
        scores = g.node("Where", [g.constant(causal, "causal_mask"), scores, g.scalar(-math.inf, query.dtype)])
    elif attn_mask is not None:
        scores = _masked(g, scores, attn_mask, g.value(attn_mask), False, query.dtype)
    weights = _attention_weights(g, scores, is_causal or attn_mask is not None, query.dtype)
    return g.node("MatMul", [weights, g.value(value)])


def _projected_heads(g, x, weight, bias, num_heads, perm, hint):
    """x (T, N, E_in) @ weight^T + bias -> (T, N, heads, head_dim), transposed by perm."""
    y = g.node("MatMul", [g.value(x), g.constant(weight.T, hint + ".T")])
    if bias is not None:
        y = g.node("Add", [y, g.constant(bias, hint + ".bias")])
    y = g.node("Reshape", [y, g.ints([0, 0, num_heads, weight.shape[0] // num_heads])])
    return g.node("Transpose", [y], perm=perm)


@converts("multi_head_attention_forward")
def _multi_head_attention(g, out, query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias,
                          bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias, training=True,
                          key_padding_mask=None, need_weights=True, attn_mask=None, use_separate_proj_weight=False,
                          q_proj_weight=None, k_proj_weight=None, v_proj_weight=None, static_k=None, static_v=None,
                          average_attn_weights=True, is_causal=False):
    """query (L, N, E), key (S, N, kdim), value (S, N, vdim) -> (L, N, E) and the weights."""
    if query.dim() != 3:
        _refuse(g, "unbatched (2-D) inputs")
    if bias_k is not None or bias_v is not None or add_zero_attn or static_k is not None or static_v is not None:
        _refuse(g, "add_bias_kv, add_zero_attn or static keys/values")
    if training and dropout_p > 0:
        _refuse(g, f"dropout={dropout_p} in training mode")
    if use_separate_proj_weight:
        weights = [w.detach().numpy() for w in (q_proj_weight, k_proj_weight, v_proj_weight)]
        hint = g.parameter_name(q_proj_weight, "attention").rsplit(".", 1)[0]
    else:
        weights = np.split(in_proj_weight.detach().numpy(), 3)
        hint = g.parameter_name(in_proj_weight, "attention.in_proj_weight")
    biases = [None] * 3 if in_proj_bias is None else np.split(in_proj_bias.detach().numpy(), 3)
    length, source_length = query.shape[0], key.shape[0]
    q, k, v = (_projected_heads(g, x, w, b, num_heads, perm, f"{hint}.{part}")
               for x, w, b, perm, part in zip((query, key, value), weights, biases,
                                              ([1, 2, 0, 3], [1, 2, 3, 0], [1, 2, 0, 3]), "qkv"))
    # (N, H, L, D) @ (N, H, D, S) -> scores (N, H, L, S)
    scale = g.scalar(1.0 / math.sqrt(query.shape[2] // num_heads), query.dtype)
    scores = g.node("MatMul", [g.node("Mul", [q, scale]), k])
    if attn_mask is not None:  # (L, S) broadcasts; (N * H, L, S) -> (N, H, L, S)
        mask = g.value(attn_mask)
        if attn_mask.dim() == 3:
            mask = g.node("Reshape", [mask, g.ints([-1, num_heads, length, source_length])])
        scores = _masked(g, scores, attn_mask, mask, True, query.dtype)
    if key_padding_mask is not None:  # (N, S) -> (N, 1, 1, S)
        mask = g.node("Unsqueeze", [g.value(key_padding_mask), g.ints([1, 2], "axes")])
        scores = _masked(g, scores, key_padding_mask, mask, True, query.dtype)
    # chainrule (as torch) gives NaN for a fully masked query when it returns the weights, zeros otherwise
    masked = attn_mask is not None or key_padding_mask is not None
    weights = _attention_weights(g, scores, masked and not need_weights, query.dtype)
    # (N, H, L, D) -> (L, N, H, D) -> (L, N, E) -> out_proj
    heads = g.node("Transpose", [g.node("MatMul", [weights, v])], perm=[2, 0, 1, 3])
    output = g.node("MatMul", [g.node("Reshape", [heads, g.ints([0, 0, -1])]),
                               g.node("Transpose", [g.value(out_proj_weight)], perm=[1, 0])])
    if out_proj_bias is not None:
        output = g.node("Add", [output, g.value(out_proj_bias)])
    if not need_weights:
        return [output]
    return [output, g.reduce("ReduceMean", weights, [1], False) if average_attn_weights else weights]
