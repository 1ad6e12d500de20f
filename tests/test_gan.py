"""What a GAN needs, checked end to end against PyTorch with the same weights.

(a) one DCGAN step (D on real + fake.detach() with BCEWithLogitsLoss, then G) with two Adam
optimizers: losses, gradients, parameters and BatchNorm buffers after the step; (b) the WGAN-GP
gradient penalty (double backward through Conv2d / LeakyReLU / Linear) into D's parameters;
(c) gradgradcheck of a tiny critic's penalty in float64; (d) detach() keeps G out of the D step.
"""
import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import gradcheck, gradgradcheck
from conftest import requires_torch, torch

NZ = 8  # noise size
BATCH = 6


def make_generator(nn):
    """(N, NZ) -> (N, 1, 8, 8): Linear -> view -> ConvTranspose2d / Upsample+Conv2d -> BN -> ReLU/LeakyReLU -> Tanh."""

    class Generator(nn.Module):
        def __init__(self):
            super().__init__()
            self.project = nn.Linear(NZ, 16 * 2 * 2)
            self.body = nn.Sequential(
                nn.ConvTranspose2d(16, 8, 4, stride=2, padding=1, bias=False),  # 8 x 4 x 4
                nn.BatchNorm2d(8), nn.ReLU(),
                nn.Upsample(scale_factor=2),                                    # 8 x 8 x 8
                nn.Conv2d(8, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.LeakyReLU(0.2),
                nn.Conv2d(8, 1, 3, padding=1), nn.Tanh(),
            )

        def forward(self, z):
            return self.body(self.project(z).view(-1, 16, 2, 2))

    return Generator()


def make_discriminator(nn, batch_norm=True):
    """(N, 1, 8, 8) -> (N, 1) logits: strided Conv2d -> LeakyReLU -> ... -> Linear (no BN for WGAN-GP)."""
    middle = [nn.Conv2d(8, 16, 3, stride=2, padding=1, bias=not batch_norm)]  # 16 x 2 x 2
    if batch_norm:
        middle.append(nn.BatchNorm2d(16))
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, stride=2, padding=1), nn.LeakyReLU(0.2),           # 8 x 4 x 4
        *middle, nn.LeakyReLU(0.2),
        nn.Flatten(), nn.Linear(16 * 2 * 2, 1),
    )


def torch_twin(cr_module, torch_module):
    """Loads chainrule's weights and buffers into the PyTorch module of the same structure."""
    torch_module.load_state_dict({k: torch.tensor(v.numpy()) for k, v in cr_module.state_dict().items()})
    return torch_module


def assert_same_state(cr_module, torch_module, what, rtol=1e-4, atol=1e-5):
    theirs = torch_module.state_dict()
    for name, value in cr_module.state_dict().items():
        np.testing.assert_allclose(value.numpy(), theirs[name].numpy(), rtol=rtol, atol=atol,
                                   err_msg=f"{what}: {name}")


def assert_same_grads(cr_module, torch_module, what, rtol=1e-4, atol=1e-6):
    theirs = dict(torch_module.named_parameters())
    for name, p in cr_module.named_parameters():
        assert p.grad is not None, f"{what}: {name} has no gradient"
        np.testing.assert_allclose(p.grad.numpy(), theirs[name].grad.numpy(), rtol=rtol, atol=atol,
                                   err_msg=f"{what}: {name}.grad")


def gan_step(lib, G, D, opt_g, opt_d, real, z):
    """One DCGAN step; returns (loss_d, loss_g) and snapshots of the gradients after each backward."""
    bce = lib.nn.BCEWithLogitsLoss()
    fake = G(z)
    opt_d.zero_grad()
    d_real, d_fake = D(real), D(fake.detach())
    loss_d = bce(d_real, lib.full_like(d_real, 0.9)) + bce(d_fake, lib.zeros_like(d_fake))
    loss_d.backward()
    g_grads_after_d = [p.grad for p in G.parameters()]
    d_grads = {n: p.grad.numpy().copy() for n, p in D.named_parameters()}
    opt_d.step()
    opt_g.zero_grad()
    d_out = D(fake)
    loss_g = bce(d_out, lib.ones_like(d_out))
    loss_g.backward()
    opt_g.step()
    return loss_d.item(), loss_g.item(), d_grads, g_grads_after_d


@requires_torch
def test_dcgan_step_matches_torch():
    G, D = make_generator(cr.nn), make_discriminator(cr.nn)
    tG, tD = torch_twin(G, make_generator(torch.nn)), torch_twin(D, make_discriminator(torch.nn))
    rng = np.random.default_rng(0)
    real = rng.uniform(-1, 1, (BATCH, 1, 8, 8)).astype(np.float32)
    z = rng.standard_normal((BATCH, NZ)).astype(np.float32)
    adam = dict(lr=2e-3, betas=(0.5, 0.999))
    ours = gan_step(cr, G, D, cr.optim.Adam(G.parameters(), **adam), cr.optim.Adam(D.parameters(), **adam),
                    cr.tensor(real), cr.tensor(z))
    theirs = gan_step(torch, tG, tD, torch.optim.Adam(tG.parameters(), **adam),
                      torch.optim.Adam(tD.parameters(), **adam), torch.tensor(real), torch.tensor(z))
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-5, err_msg="D loss")
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-5, err_msg="G loss")
    for name, grad in ours[2].items():
        np.testing.assert_allclose(grad, theirs[2][name], rtol=1e-4, atol=1e-6, err_msg=f"D step: {name}.grad")
    assert_same_grads(G, tG, "G step")
    assert_same_state(G, tG, "G after the step")  # weights and BatchNorm running stats
    assert_same_state(D, tD, "D after the step")


def test_fake_detach_stops_gradients_into_generator():
    G, D = make_generator(cr.nn), make_discriminator(cr.nn)
    opt_g, opt_d = cr.optim.Adam(G.parameters()), cr.optim.Adam(D.parameters())
    real, z = cr.rand(BATCH, 1, 8, 8) * 2 - 1, cr.randn(BATCH, NZ)
    before = [p.detach().numpy().copy() for p in G.parameters()]
    *_, g_grads_after_d = gan_step(cr, G, D, opt_g, opt_d, real, z)
    assert all(g is None for g in g_grads_after_d), "the D step put gradients into G"
    assert all((b != p.detach().numpy()).any() for b, p in zip(before, G.parameters())), "the G step did not move G"
    # Without detach() the same loss does reach G: the check above is not vacuous.
    loss = cr.nn.functional.binary_cross_entropy_with_logits(D(G(z)), cr.zeros(BATCH, 1))
    loss.backward()
    assert all(p.grad is not None and p.grad.abs().sum().item() > 0 for p in G.parameters())


def gradient_penalty(lib, critic, real, fake, eps):
    """WGAN-GP: mean over the batch of (||d critic(x_hat) / d x_hat||_2 - 1)^2 at x_hat between real and fake."""
    x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
    grads, = lib.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    return ((grads.flatten(1).norm(2, dim=1) - 1) ** 2).mean()


@requires_torch
def test_wgan_gp_penalty_matches_torch():
    D = make_discriminator(cr.nn, batch_norm=False)
    tD = torch_twin(D, make_discriminator(torch.nn, batch_norm=False))
    rng = np.random.default_rng(1)
    real, fake = (rng.uniform(-1, 1, (BATCH, 1, 8, 8)).astype(np.float32) for _ in range(2))
    eps = rng.uniform(0, 1, (BATCH, 1, 1, 1)).astype(np.float32)
    penalty = gradient_penalty(cr, D, *map(cr.tensor, (real, fake, eps)))
    tpenalty = gradient_penalty(torch, tD, *map(torch.tensor, (real, fake, eps)))
    np.testing.assert_allclose(penalty.item(), tpenalty.item(), rtol=1e-5)
    # The critic's whole loss, as WGAN-GP trains it (lambda = 10).
    loss = D(cr.tensor(fake)).mean() - D(cr.tensor(real)).mean() + 10 * penalty
    tloss = tD(torch.tensor(fake)).mean() - tD(torch.tensor(real)).mean() + 10 * tpenalty
    loss.backward()
    tloss.backward()
    np.testing.assert_allclose(loss.item(), tloss.item(), rtol=1e-5)
    assert_same_grads(D, tD, "critic with gradient penalty")


def test_penalty_gradgradcheck_float64():
    """The penalty's gradient w.r.t. the input and weights (2nd derivatives of the critic) and the 3rd."""
    F = cr.nn.functional

    def critic(x, conv_weight, linear_weight):
        h = F.leaky_relu(F.conv2d(x, conv_weight, stride=2, padding=1), 0.2)  # (2, 3, 2, 2)
        return F.linear(F.tanh(h).flatten(1), linear_weight)                  # (2, 1)

    def penalty(x, conv_weight, linear_weight):
        grads, = cr.autograd.grad(critic(x, conv_weight, linear_weight).sum(), x, create_graph=True)
        return ((grads.flatten(1).norm(2, dim=1) - 1) ** 2).mean()

    rng = np.random.default_rng(2)
    inputs = [cr.tensor(rng.standard_normal(s), requires_grad=True) for s in ((2, 1, 4, 4), (3, 1, 3, 3), (1, 12))]
    assert gradcheck(penalty, inputs)
    assert gradgradcheck(penalty, inputs)
