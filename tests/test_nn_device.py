"""Attention masks and gradient clipping on the `device` fixture's device against PyTorch on the
CPU, with no host read in the forward, backward or clipping (tests/host_reads.py): fully masked
attention rows and the clip decision are handled by tensor ops, as PyTorch does."""
import numpy as np
import pytest

import chainrule as cr
import chainrule.nn.functional as F
from conftest import assert_close, requires_torch, torch
from host_reads import no_host_reads

pytestmark = requires_torch


def _attention_mask(kind):
    keep = np.array([[True, False, True, False], [False, False, False, False], [True, True, True, True]])
    if kind == "bool":
        return keep
    return np.where(keep, 0.5, -np.inf)


@pytest.mark.parametrize("kind", ["bool", "float", "causal", "none"])
def test_attention_masks_without_host_reads(device, kind):
    rng = np.random.default_rng(2)
    q, k, v = rng.standard_normal((2, 3, 5)), rng.standard_normal((2, 4, 5)), rng.standard_normal((2, 4, 6))
    mask = _attention_mask(kind) if kind in ("bool", "float") else None
    causal = kind == "causal"
    ours = [cr.tensor(a, device=device, requires_grad=True) for a in (q, k, v)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (q, k, v)]
    with no_host_reads():
        out = F.scaled_dot_product_attention(*ours, attn_mask=None if mask is None else cr.tensor(mask, device=device),
                                             is_causal=causal)
        out.sum().backward()
    want = torch.nn.functional.scaled_dot_product_attention(
        *theirs, attn_mask=None if mask is None else torch.tensor(mask), is_causal=causal)
    want.sum().backward()
    assert out.device == device
    assert_close(out.detach().cpu(), want.detach().numpy(), rtol=1e-10, atol=1e-12)
    for o, t in zip(ours, theirs):
        assert_close(o.grad.cpu(), t.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("max_norm, norm_type", [(0.5, 2.0), (100.0, 2.0), (0.5, float("inf")), (0.3, 1.0)])
def test_clip_grad_norm_without_host_reads(device, max_norm, norm_type):
    rng = np.random.default_rng(3)
    grads = [rng.standard_normal(s).astype(np.float32) for s in [(3, 4), (5,)]]
    ours = [cr.zeros(g.shape, device=device, requires_grad=True) for g in grads]
    theirs = [torch.zeros(g.shape, requires_grad=True) for g in grads]
    for o, t, g in zip(ours, theirs, grads):
        o.grad, t.grad = cr.tensor(g, device=device), torch.tensor(g)
    with no_host_reads():
        total = cr.nn.utils.clip_grad_norm_(ours, max_norm, norm_type)
    want = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert_close(total.cpu(), want.numpy(), rtol=1e-6)
    for o, t in zip(ours, theirs):
        assert_close(o.grad.cpu(), t.grad.numpy(), rtol=1e-6, atol=1e-7)


def test_init_functions_fill_a_tensor_on_its_device(device):
    init = cr.nn.init
    sparse = init.sparse_(cr.empty(6, 4, device=device), 0.5)
    assert sparse.device == device and (sparse == 0).sum(0).tolist() == [3, 3, 3, 3]
    q = init.orthogonal_(cr.empty(3, 5, device=device))
    assert q.device == device
    assert_close((q @ q.T).cpu(), np.eye(3), atol=1e-5)
    bounded = init.trunc_normal_(cr.empty(50, device=device), a=-0.5, b=0.5)
    assert bounded.device == device and bool(((bounded >= -0.5) & (bounded <= 0.5)).all())


def test_packed_sequences_keep_their_indices_on_the_device_and_lengths_on_the_cpu(device):
    rng = np.random.default_rng(5)
    padded = rng.standard_normal((4, 3, 2))
    lengths = [2, 4, 1]
    ours = cr.nn.utils.rnn.pack_padded_sequence(cr.tensor(padded, device=device), lengths, enforce_sorted=False)
    theirs = torch.nn.utils.rnn.pack_padded_sequence(torch.tensor(padded), lengths, enforce_sorted=False)
    assert ours.data.device == device and ours.sorted_indices.device == device
    assert ours.unsorted_indices.device == device and ours.batch_sizes.device == cr.device("cpu")
    for name in ("data", "batch_sizes", "sorted_indices", "unsorted_indices"):
        assert_close(getattr(ours, name).cpu(), getattr(theirs, name).numpy())
    back, back_lengths = cr.nn.utils.rnn.pad_packed_sequence(ours)
    want, want_lengths = torch.nn.utils.rnn.pad_packed_sequence(theirs)
    assert back.device == device and back_lengths.device == cr.device("cpu")
    assert_close(back.cpu(), want.numpy())
    assert_close(back_lengths, want_lengths.numpy())


def test_inverting_a_packed_sequences_order_reads_nothing_on_the_host(device):
    order = cr.tensor([2, 0, 3, 1], device=device)
    with no_host_reads():
        packed = cr.nn.utils.rnn.PackedSequence(cr.zeros(4, 1, device=device), cr.tensor([4]), order)
    assert packed.unsorted_indices.tolist() == [1, 3, 0, 2] and packed.unsorted_indices.device == device


def test_combinations_index_on_the_inputs_device(device):
    out = cr.combinations(cr.tensor([1.0, 2.0, 3.0], device=device), 2)
    assert out.device == device
    assert_close(out.cpu(), torch.combinations(torch.tensor([1.0, 2.0, 3.0]), 2).numpy())
