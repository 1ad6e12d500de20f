"""nn.Embedding(sparse=True) and F.embedding(scale_grad_by_freq=True) train as in PyTorch, and
optim.SparseAdam steps only the rows looked up (Adoni/word2vec_pytorch builds its skip-gram model from
two sparse embeddings; word2vec programs step them with SGD or SparseAdam). chainrule's gradient of a
sparse embedding is dense, with PyTorch's values."""
import numpy as np
import pytest

import chainrule as cr
from conftest import requires_torch, torch

INDICES = [[[0, 1, 1], [3, 1, 0]], [[2, 2, 2], [1, 0, 2]], [[4, 4, 0], [0, 1, 4]]]


def _train(lib, optimizer, steps):
    weight = np.linspace(-1.0, 1.0, 5 * 3, dtype=np.float32).reshape(5, 3)
    emb = lib.nn.Embedding(5, 3, sparse=True)
    with lib.no_grad():
        emb.weight.copy_(lib.tensor(weight))
    opt = optimizer(lib)(emb.parameters())
    for step in range(steps):
        opt.zero_grad()
        out = emb(lib.tensor(INDICES[step % len(INDICES)]))
        (out * lib.linspace(-1.0, 1.0, 18).reshape(2, 3, 3)).sin().sum().backward()
        opt.step()
    grad = emb.weight.grad
    return emb.weight.detach().numpy(), (grad.to_dense() if grad.is_sparse else grad).numpy(), opt


@requires_torch
@pytest.mark.parametrize("optimizer", [lambda lib: lambda p: lib.optim.SGD(p, lr=0.1),
                                       lambda lib: lambda p: lib.optim.SparseAdam(p, lr=0.05),
                                       lambda lib: lambda p: lib.optim.SparseAdam(p, lr=0.05, betas=(0.5, 0.9),
                                                                                  maximize=True)],
                         ids=["sgd", "sparse_adam", "sparse_adam_maximize"])
def test_sparse_embedding_trains_like_pytorch(optimizer):
    got_weight, got_grad, got_opt = _train(cr, optimizer, 5)
    want_weight, want_grad, want_opt = _train(torch, optimizer, 5)
    np.testing.assert_allclose(got_grad, want_grad, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got_weight, want_weight, rtol=1e-5, atol=1e-6)
    if want_opt.state:  # SparseAdam's moments (SGD keeps none)
        got_state = next(iter(got_opt.state.values()))
        want_state = next(iter(want_opt.state.values()))
        assert got_state["step"] == want_state["step"]
        np.testing.assert_allclose(got_state["exp_avg_sq"].numpy(), want_state["exp_avg_sq"].numpy(), rtol=1e-5,
                                   atol=1e-9)


@requires_torch
def test_functional_scale_grad_by_freq_divides_by_counts_like_pytorch():
    def grad(lib):
        weight = lib.nn.Parameter(lib.arange(12.0).reshape(4, 3))
        out = lib.nn.functional.embedding(lib.tensor([[0, 1, 1], [3, 1, 0]]), weight, scale_grad_by_freq=True)
        (out * lib.arange(18.0).reshape(2, 3, 3)).sum().backward()
        return weight.grad.numpy()

    np.testing.assert_allclose(grad(cr), grad(torch))


@requires_torch
def test_scale_grad_by_freq_with_sparse_fails_at_backward_like_pytorch():
    for lib in (torch, cr):
        out = lib.nn.Embedding(4, 2, sparse=True, scale_grad_by_freq=True)(lib.tensor([0, 0, 1]))
        with pytest.raises(RuntimeError, match="scale_grad_by_freq not supported with sparse gradients"):
            out.sum().backward()


@requires_torch
@pytest.mark.parametrize("kwargs", [dict(lr=0.0), dict(eps=0.0), dict(betas=(1.0, 0.9)), dict(betas=(0.9, -0.1))])
def test_sparse_adam_rejects_hyperparameters_like_pytorch(kwargs):
    with pytest.raises(ValueError) as want:
        torch.optim.SparseAdam([torch.nn.Parameter(torch.zeros(2))], **kwargs)
    with pytest.raises(ValueError) as got:
        cr.optim.SparseAdam([cr.nn.Parameter(cr.zeros(2))], **kwargs)
    assert str(got.value) == str(want.value)
