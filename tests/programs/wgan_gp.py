"""WGAN-GP on the classic 8-Gaussians toy set, in the style of the widely copied gan_toy.py: an
infinite data generator, Variable wrappers, the critic's parameters toggled with requires_grad,
backward(mone) on the critic's mean score, a gradient penalty from torch.autograd.grad(...,
create_graph=True, retain_graph=True, only_inputs=True), Adam with betas=(0.5, 0.9), and fixed
evaluation noise drawn inside torch.random.fork_rng() so that it leaves the training stream alone.

A plain PyTorch program; tests/test_programs.py runs it under chainrule with only the import changed.
"""
import argparse
import json
import random
import time

import numpy as np
import torch
import torch.autograd as autograd
import torch.nn as nn
import torch.optim as optim
from torch.autograd import Variable

CENTERS = [(1, 0), (-1, 0), (0, 1), (0, -1), (1. / np.sqrt(2), 1. / np.sqrt(2)), (1. / np.sqrt(2), -1. / np.sqrt(2)),
           (-1. / np.sqrt(2), 1. / np.sqrt(2)), (-1. / np.sqrt(2), -1. / np.sqrt(2))]
SCALE = 2.


def inf_train_gen(batch_size):
    centers = [(SCALE * x, SCALE * y) for x, y in CENTERS]
    while True:
        dataset = []
        for i in range(batch_size):
            point = np.random.randn(2) * .02
            center = random.choice(centers)
            point[0] += center[0]
            point[1] += center[1]
            dataset.append(point)
        dataset = np.array(dataset, dtype='float32')
        dataset /= 1.414  # stdev
        yield dataset


class Generator(nn.Module):
    def __init__(self, dim):
        super(Generator, self).__init__()
        main = nn.Sequential(
            nn.Linear(2, dim), nn.ReLU(True),
            nn.Linear(dim, dim), nn.ReLU(True),
            nn.Linear(dim, dim), nn.ReLU(True),
            nn.Linear(dim, 2),
        )
        self.main = main

    def forward(self, noise, real_data):
        return self.main(noise)


class Discriminator(nn.Module):
    def __init__(self, dim):
        super(Discriminator, self).__init__()
        main = nn.Sequential(
            nn.Linear(2, dim), nn.ReLU(True),
            nn.Linear(dim, dim), nn.ReLU(True),
            nn.Linear(dim, dim), nn.ReLU(True),
            nn.Linear(dim, 1),
        )
        self.main = main

    def forward(self, inputs):
        output = self.main(inputs)
        return output.view(-1)


def weights_init(m):
    classname = m.__class__.__name__
    if classname.find('Linear') != -1:
        m.weight.data.normal_(0.0, 0.02)
        m.bias.data.fill_(0)


def calc_gradient_penalty(netD, real_data, fake_data, batch_size, lambda_):
    alpha = torch.rand(batch_size, 1)
    alpha = alpha.expand(real_data.size())
    interpolates = alpha * real_data + ((1 - alpha) * fake_data)
    interpolates = autograd.Variable(interpolates, requires_grad=True)
    disc_interpolates = netD(interpolates)
    gradients = autograd.grad(outputs=disc_interpolates, inputs=interpolates,
                              grad_outputs=torch.ones(disc_interpolates.size()),
                              create_graph=True, retain_graph=True, only_inputs=True)[0]
    gradient_penalty = ((gradients.norm(2, dim=1) - 1) ** 2).mean() * lambda_
    return gradient_penalty


def mode_stats(samples):
    """How many of the 8 modes get a sample within 0.25, the share of samples that land near one, and the
    mean distance from a sample to its nearest mode (1.41 for samples all at the origin)."""
    centers = torch.tensor(CENTERS, dtype=torch.float32) * SCALE / 1.414
    distance = torch.cdist(samples, centers)
    nearest, which = distance.min(dim=1)
    close = nearest < 0.25
    return int(torch.unique(which[close]).numel()), close.float().mean().item(), nearest.mean().item()


def main():
    parser = argparse.ArgumentParser(description="WGAN-GP on 8 Gaussians")
    parser.add_argument("--iters", type=int, default=400)
    parser.add_argument("--critic-iters", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    random.seed(args.seed)
    LAMBDA = .1

    netG, netD = Generator(args.dim), Discriminator(args.dim)
    netD.apply(weights_init)
    netG.apply(weights_init)
    optimizerD = optim.Adam(netD.parameters(), lr=args.lr, betas=(0.5, 0.9))
    optimizerG = optim.Adam(netG.parameters(), lr=args.lr, betas=(0.5, 0.9))
    one = torch.tensor(1, dtype=torch.float)
    mone = one * -1
    with torch.random.fork_rng():
        torch.manual_seed(1234)
        fixed_noise = torch.randn(1000, 2)

    data = inf_train_gen(args.batch_size)
    start = time.perf_counter()
    for iteration in range(args.iters):
        # (1) Update D network
        for p in netD.parameters():
            p.requires_grad = True
        for iter_d in range(args.critic_iters):
            _data = next(data)
            real_data = torch.Tensor(_data)
            real_data_v = autograd.Variable(real_data)
            netD.zero_grad()
            D_real = netD(real_data_v)
            D_real = D_real.mean()
            D_real.backward(mone)
            noise = torch.randn(args.batch_size, 2)
            with torch.no_grad():
                noisev = autograd.Variable(noise)
                fake = Variable(netG(noisev, real_data_v).data)
            inputv = fake
            D_fake = netD(inputv)
            D_fake = D_fake.mean()
            D_fake.backward(one)
            gradient_penalty = calc_gradient_penalty(netD, real_data_v.data, fake.data, args.batch_size, LAMBDA)
            gradient_penalty.backward()
            D_cost = D_fake - D_real + gradient_penalty
            Wasserstein_D = D_real - D_fake
            optimizerD.step()

        # (2) Update G network
        for p in netD.parameters():
            p.requires_grad = False  # to avoid computation
        netG.zero_grad()
        _data = next(data)
        real_data = torch.Tensor(_data)
        real_data_v = autograd.Variable(real_data)
        noise = torch.randn(args.batch_size, 2)
        noisev = autograd.Variable(noise)
        fake = netG(noisev, real_data_v)
        G = netD(fake)
        G = G.mean()
        G.backward(mone)
        G_cost = -G
        optimizerG.step()
        if iteration % 100 == 99:
            print(f"iter {iteration + 1}: D_cost {D_cost.item():.4f} G_cost {G_cost.item():.4f} "
                  f"W_D {Wasserstein_D.item():.4f}")
    seconds = time.perf_counter() - start

    assert all(p.grad is not None for p in netD.parameters())
    with torch.no_grad():
        samples = netG(fixed_noise, None)
    modes, near, distance = mode_stats(samples)
    print(f"modes covered {modes}/8, samples near a mode {near:.2f}, mean distance to a mode {distance:.3f}")
    print(json.dumps({"wasserstein": Wasserstein_D.item(), "modes": modes, "near": near, "distance": distance,
                      "spread": samples.std(dim=0).mean().item(), "seconds": seconds}))


if __name__ == "__main__":
    main()
