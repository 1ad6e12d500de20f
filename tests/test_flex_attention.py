"""nn.attention.flex_attention against PyTorch's (its eager math path, float64): outputs, logsumexp and
BlockMask summaries for score_mods (relative position, ALiBi with a captured tensor) and mask_mods
(causal, sliding window, document masks, and_masks/or_masks), GQA, fully masked rows; gradients by
finite differences and against the same attention written with PyTorch's ops (PyTorch's flex has no
CPU backward); errors as PyTorch's."""
import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import gradcheck
from chainrule.nn.attention import flex_attention as flex
from conftest import assert_same_error, requires_torch, torch

RNG = np.random.default_rng(0)
B, H, L, E = 2, 4, 70, 16
Q, K, V = (RNG.standard_normal((B, H, L, E)) for _ in range(3))
BIAS = RNG.standard_normal(H)
DOC = RNG.integers(0, 3, L).cumsum() // 40


def torch_flex():
    import torch.nn.attention.flex_attention as module
    module._FLEX_ATTENTION_DISABLE_COMPILE_DEBUG = True  # its eager math path, without torch.compile
    return module


def mods(lib, module, name):
    """(score_mod, mask_mod) of a case, with its captured tensors in `lib`."""
    bias, doc = lib.tensor(BIAS), lib.tensor(DOC)
    causal = lambda b, h, q, kv: q >= kv  # noqa: E731
    return {
        "plain": (None, None),
        "causal": (None, causal),
        "alibi": (lambda s, b, h, q, kv: s + bias[h] * (kv - q), None),
        "relative+window": (lambda s, b, h, q, kv: s + (q - kv), lambda b, h, q, kv: (q - kv).abs() <= 8),
        "document": (None, lambda b, h, q, kv: (doc[q] == doc[kv]) & (q >= kv)),
        "and/or": (None, module.and_masks(causal, module.or_masks(lambda b, h, q, kv: kv < 5,
                                                                  lambda b, h, q, kv: (q - kv) < 3))),
        "odd rows masked": (None, lambda b, h, q, kv: (q % 2 == 0) & (kv <= q)),
    }[name]


def run(lib, module, name, gqa=False, block_size=32):
    score_mod, mask_mod = mods(lib, module, name)
    key_heads = H // 2 if gqa else H
    q, k, v = lib.tensor(Q), lib.tensor(K[:, :key_heads]), lib.tensor(V[:, :key_heads])
    block_mask = module.create_block_mask(mask_mod, B, None, L, L, device="cpu", BLOCK_SIZE=block_size) \
        if mask_mod else None
    out, aux = module.flex_attention(q, k, v, score_mod=score_mod, block_mask=block_mask, enable_gqa=gqa,
                                     return_aux=module.AuxRequest(lse=True))
    summary = None if block_mask is None else (
        [t.numpy() for t in (block_mask.kv_num_blocks, block_mask.kv_indices, block_mask.full_kv_num_blocks,
                             block_mask.full_kv_indices, block_mask.q_num_blocks, block_mask.q_indices,
                             block_mask.to_dense())], round(block_mask.sparsity(), 9), block_mask.shape)
    return out.numpy(), aux.lse.numpy(), summary


@requires_torch
@pytest.mark.parametrize("name", ["plain", "causal", "alibi", "relative+window", "document", "and/or",
                                  "odd rows masked"])
@pytest.mark.parametrize("gqa", [False, True])
def test_outputs_lse_and_block_masks_are_pytorchs(name, gqa):
    ours, theirs = run(cr, flex, name, gqa), run(torch, torch_flex(), name, gqa)
    np.testing.assert_allclose(ours[0], theirs[0], atol=1e-13)
    np.testing.assert_allclose(ours[1], theirs[1], atol=1e-13)
    if theirs[2] is not None:
        for a, b in zip(ours[2][0], theirs[2][0]):
            np.testing.assert_array_equal(a, b)
        assert ours[2][1:] == theirs[2][1:]


def test_fully_masked_rows_give_zeros_and_minus_infinite_lse():
    out, lse, _ = run(cr, flex, "odd rows masked")
    assert (out[:, :, 1::2] == 0).all() and np.isneginf(lse[:, :, 1::2]).all() and np.isfinite(lse[:, :, ::2]).all()


def small_inputs():
    rng = np.random.default_rng(1)
    return [cr.tensor(rng.standard_normal(shape), requires_grad=True)
            for shape in ((1, 2, 5, 3), (1, 2, 5, 3), (1, 2, 5, 3), (2,))]


def test_gradients_by_finite_differences():
    def attention(q, k, v, bias):
        block_mask = flex.create_block_mask(lambda b, h, qi, kv: (kv <= qi) & (qi != 3), 1, 2, 5, 5, BLOCK_SIZE=2)
        return flex.flex_attention(q, k, v, score_mod=lambda s, b, h, qi, kv: s * bias[h] + (qi - kv),
                                   block_mask=block_mask)
    assert gradcheck(attention, small_inputs())


@requires_torch
def test_gradients_are_those_of_the_same_attention_in_pytorchs_ops():
    ours = small_inputs()
    out = flex.flex_attention(*ours[:3], score_mod=lambda s, b, h, qi, kv: s + ours[3][h] * (kv - qi),
                              block_mask=flex.create_block_mask(lambda b, h, qi, kv: kv <= qi, 1, 2, 5, 5))
    (out ** 3).sum().backward()
    theirs = [torch.tensor(t.detach().numpy(), requires_grad=True) for t in ours]
    q, k, v, bias = theirs
    idx = torch.arange(5)
    scores = q @ k.transpose(-2, -1) / np.sqrt(3) + bias.view(1, 2, 1, 1) * (idx.view(1, 5) - idx.view(5, 1))
    scores = scores.masked_fill(idx.view(1, 5) > idx.view(5, 1), float("-inf"))
    (torch.softmax(scores, -1) @ v).pow(3).sum().backward()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), atol=1e-12)


@requires_torch
def test_create_mask_and_noop_mask_are_pytorchs():
    ours = flex.create_mask(lambda b, h, q, kv: (q + h) % 3 == kv % 2, 2, 3, 7, 5)
    theirs = torch_flex().create_mask(lambda b, h, q, kv: (q + h) % 3 == kv % 2, 2, 3, 7, 5, device="cpu")
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    score_mask = flex.create_mask(lambda s, b, h, q, kv: cr.where(q >= kv, s, float("-inf")), None, None, 4, 4)
    np.testing.assert_array_equal(score_mask.numpy()[0, 0], np.tril(np.ones((4, 4), bool)))
    q = cr.tensor(Q[:1, :1, :6])
    np.testing.assert_allclose(flex.flex_attention(q, q, q, block_mask=flex.create_block_mask(
        flex.noop_mask, None, None, 6, 6)).numpy(), flex.flex_attention(q, q, q).numpy())


@requires_torch
@pytest.mark.parametrize("call", [
    lambda lib, fa: fa.flex_attention(lib.ones(2, 3, 4), lib.ones(2, 3, 4), lib.ones(2, 3, 4)),
    lambda lib, fa: fa.flex_attention(lib.ones(1, 4, 3, 2), lib.ones(1, 2, 3, 2), lib.ones(1, 2, 3, 2)),
    lambda lib, fa: fa.flex_attention(lib.ones(1, 3, 3, 2), lib.ones(1, 2, 3, 2), lib.ones(1, 2, 3, 2),
                                      enable_gqa=True),
    lambda lib, fa: fa.flex_attention(lib.ones(1, 1, 3, 2), lib.ones(1, 1, 3, 2), lib.ones(1, 1, 3, 2),
                                      block_mask=fa.create_block_mask(fa.noop_mask, 1, 1, 256, 256, device="cpu")),
])
def test_errors_are_pytorchs(call):
    assert_same_error(lambda: call(cr, flex), lambda: call(torch, torch_flex()), prefix=40)
