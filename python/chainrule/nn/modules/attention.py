"""nn.MultiheadAttention with torch.nn's arguments, parameter names and initialization.

Parameters: in_proj_weight (3E, E) holding W_q, W_k, W_v stacked (or q_proj_weight, k_proj_weight,
v_proj_weight when kdim/vdim differ from embed_dim), in_proj_bias (3E), out_proj (a Linear), and with
add_bias_kv bias_k, bias_v (1, 1, E); a torch state_dict loads unchanged. The math is
F.multi_head_attention_forward (functional/attention.py).
"""
from chainrule import _C
from chainrule.nn.functional import attention as attention_ops
from chainrule.nn import init
from chainrule.nn.modules.linear import NonDynamicallyQuantizableLinear
from chainrule.nn.modules.module import Module
from chainrule.nn.parameter import Parameter

__all__ = ["MultiheadAttention"]


def _parameter(*shape, device=None, dtype=None):
    return Parameter(_C.empty(shape, device=device, dtype=dtype))


class MultiheadAttention(Module):
    """Attention over num_heads subspaces of width embed_dim // num_heads, outputs concatenated and projected.

    forward(query (L, N, E), key (S, N, kdim), value (S, N, vdim)) -> (output (L, N, E), weights (N, L, S)
    averaged over heads or None); (N, L, E) with batch_first; unbatched (L, E) works too.
    Init: xavier_uniform_ on the input projections, zeros on in_proj_bias and out_proj.bias,
    xavier_normal_ on bias_k/bias_v; out_proj.weight is Linear's default.
    """

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False, add_zero_attn=False,
                 kdim=None, vdim=None, batch_first=False, device=None, dtype=None):
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got embed_dim={embed_dim} and "
                             f"num_heads={num_heads} instead")
        super().__init__()
        factory_kwargs = {"device": device, "dtype": dtype}
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != embed_dim:
            raise AssertionError("embed_dim must be divisible by num_heads")
        if self._qkv_same_embed_dim:
            self.in_proj_weight = _parameter(3 * embed_dim, embed_dim, **factory_kwargs)
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = _parameter(embed_dim, embed_dim, **factory_kwargs)
            self.k_proj_weight = _parameter(embed_dim, self.kdim, **factory_kwargs)
            self.v_proj_weight = _parameter(embed_dim, self.vdim, **factory_kwargs)
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = _parameter(3 * embed_dim, **factory_kwargs)
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, **factory_kwargs)
        if add_bias_kv:
            self.bias_k = _parameter(1, 1, embed_dim, **factory_kwargs)
            self.bias_v = _parameter(1, 1, embed_dim, **factory_kwargs)
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self):
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
            init.xavier_normal_(self.bias_v)

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                average_attn_weights=True, is_causal=False):
        batched = query.dim() == 3
        if self.batch_first and batched:
            # keep query is key is value where it holds: the projection then takes one GEMM
            if key is value and query is key:
                query = key = value = query.transpose(1, 0)
            elif key is value:
                query, key = query.transpose(1, 0), key.transpose(1, 0)
                value = key
            else:
                query, key, value = (x.transpose(1, 0) for x in (query, key, value))
        separate = not self._qkv_same_embed_dim
        output, weights = attention_ops.multi_head_attention_forward(
            query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight, self.in_proj_bias, self.bias_k,
            self.bias_v, self.add_zero_attn, self.dropout, self.out_proj.weight, self.out_proj.bias,
            training=self.training, key_padding_mask=key_padding_mask, need_weights=need_weights,
            attn_mask=attn_mask, use_separate_proj_weight=separate, q_proj_weight=self.q_proj_weight,
            k_proj_weight=self.k_proj_weight, v_proj_weight=self.v_proj_weight,
            average_attn_weights=average_attn_weights, is_causal=is_causal)
        if self.batch_first and batched:
            output = output.transpose(1, 0)
        return output, weights
