"""chainrule.nn.attention.bias: torch.nn.attention.bias's causal masks for F.scaled_dot_product_attention.

causal_upper_left(L, S) and causal_lower_right(L, S) give a CausalBias: a bool Tensor holding the mask itself
(True = attend: tril(ones(L, S)), with the diagonal moved to the lower right corner for LOWER_RIGHT), so
scaled_dot_product_attention uses it as any bool attn_mask; it prints as the mask, as PyTorch's does, and keeps
variant, seq_len_q and seq_len_kv."""
import warnings
from enum import IntEnum, auto

import chainrule as cr
from chainrule._C import Tensor

__all__ = ["causal_upper_left", "causal_lower_right", "CausalVariant", "CausalBias"]


class CausalVariant(IntEnum):
    """Where the causal mask's diagonal starts: the upper left corner (is_causal=True) or the lower right."""
    UPPER_LEFT = auto()
    LOWER_RIGHT = auto()


def _causal_mask(variant, seq_len_q, seq_len_kv, device=None):
    offset = seq_len_kv - seq_len_q if variant == CausalVariant.LOWER_RIGHT else 0
    return cr.tril(cr.ones(seq_len_q, seq_len_kv, dtype=cr.bool, device=device or "cpu"), diagonal=offset)


class CausalBias(Tensor):
    """A causal attention mask of one variant; see the module docstring."""

    def __new__(cls, variant, seq_len_q, seq_len_kv):
        if not isinstance(variant, CausalVariant):
            raise AssertionError(f"variant must be a CausalVariant, got {type(variant).__name__}")
        return Tensor._make_subclass(cls, _causal_mask(variant, seq_len_q, seq_len_kv), False)

    def __init__(self, variant, seq_len_q, seq_len_kv):
        self.variant = variant
        self.seq_len_q = seq_len_q
        self.seq_len_kv = seq_len_kv
        if seq_len_q > seq_len_kv and variant == CausalVariant.LOWER_RIGHT:
            warnings.warn("Lower right causal bias will produce NaNs in the output when seq_len_q > seq_len_kv!",
                          stacklevel=2)

    def _materialize(self, device=None):
        """The mask as a plain bool tensor on `device` (the CPU by default)."""
        return _causal_mask(self.variant, self.seq_len_q, self.seq_len_kv, device)

    def __repr__(self):
        return repr(self._materialize())


def _bias(variant, size, name):
    if len(size) != 2:
        raise AssertionError(f"{name} only supports 2D tensors")
    seq_len_q, seq_len_kv = size
    return CausalBias(variant, seq_len_q, seq_len_kv)


def causal_upper_left(*size):
    """The (seq_len_q, seq_len_kv) mask tril(ones(size)): query i attends keys 0..i (is_causal=True)."""
    return _bias(CausalVariant.UPPER_LEFT, size, "causal_upper_left")


def causal_lower_right(*size):
    """The (seq_len_q, seq_len_kv) mask whose diagonal ends in the lower right corner: the last query attends
    every key."""
    return _bias(CausalVariant.LOWER_RIGHT, size, "causal_lower_right")
