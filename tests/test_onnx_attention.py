"""chainrule.onnx.export of attention: nn.MultiheadAttention (with kdim/vdim, masks, a fully masked
query), scaled_dot_product_attention and a TransformerEncoder with a dynamic batch axis; each graph
checked and run by onnxruntime as in test_onnx.py, whose helpers it uses."""
import numpy as np
import pytest

import chainrule as cr
import chainrule.nn as nn
import chainrule.nn.functional as F

pytest.importorskip("onnx", reason="onnx is not installed (pip install \"chainrule[onnx]\")")
pytest.importorskip("onnxruntime", reason="onnxruntime is not installed (pip install \"chainrule[onnx]\")")
from test_onnx import check_export, export_and_run  # noqa: E402


def test_multihead_attention_exports():
    x = cr.randn(3, 5, 8)
    check_export(nn.MultiheadAttention(8, 2, batch_first=True), (x, x, x))
    check_export(nn.MultiheadAttention(8, 2, kdim=6, vdim=4, bias=False),
                 (cr.randn(5, 3, 8), cr.randn(4, 3, 6), cr.randn(4, 3, 4)))


class MaskedSelfAttention(nn.Module):
    """Causal self-attention over padded sequences, with per-head weights returned."""

    def __init__(self):
        super().__init__()
        self.attention = nn.MultiheadAttention(8, 4)
        self.register_buffer("causal", cr.tensor(np.triu(np.ones((5, 5), dtype=bool), 1)))

    def forward(self, x, padding):
        return self.attention(x, x, x, key_padding_mask=padding, attn_mask=self.causal, average_attn_weights=False)


def test_masked_attention_exports():
    padding = cr.tensor([[False] * 5, [False] * 3 + [True] * 2, [False] * 4 + [True]])
    check_export(MaskedSelfAttention(), (cr.randn(5, 3, 8), padding))


@pytest.mark.parametrize("need_weights", [True, False])
def test_fully_masked_query_matches_chainrule(need_weights):
    class Blocked(nn.Module):
        def __init__(self):
            super().__init__()
            self.attention = nn.MultiheadAttention(4, 2)

        def forward(self, x, mask):
            return self.attention(x, x, x, attn_mask=mask, need_weights=need_weights)[0]

    mask = cr.tensor([[False, True, True], [True, True, True], [False, False, True]])
    model = Blocked().eval()
    x = cr.randn(3, 2, 4)
    got, _ = export_and_run(model, (x, mask))
    with cr.no_grad():
        np.testing.assert_allclose(got[0], model(x, mask).numpy(), rtol=1e-4, atol=1e-5, equal_nan=True)


def test_scaled_dot_product_attention_exports():
    class Attend(nn.Module):
        def forward(self, q, k, v):
            keep = cr.tensor([[True, False, True, True]] * 5)
            return F.scaled_dot_product_attention(q, k, v, is_causal=True) + \
                F.scaled_dot_product_attention(q, k, v, attn_mask=keep, scale=0.3)

    check_export(Attend(), (cr.randn(2, 3, 5, 8), cr.randn(2, 3, 4, 8), cr.randn(2, 3, 4, 8)))


def test_transformer_encoder_with_dynamic_batch():
    layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, batch_first=True, activation="gelu")
    model = nn.Sequential(nn.Linear(4, 8), nn.TransformerEncoder(layer, num_layers=2)).eval()
    x = cr.randn(2, 5, 4)
    got, _ = export_and_run(model, (cr.randn(3, 5, 4),), feeds=(x,), dynamic_axes={"input": [0], "output": [0]})
    with cr.no_grad():
        np.testing.assert_allclose(got[0], model(x).numpy(), rtol=1e-4, atol=1e-5)
