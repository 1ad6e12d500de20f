"""A variational autoencoder on small synthetic images: the reparameterization trick, a Bernoulli
likelihood and the KL term, trained with Adam; then samples decoded from the prior.

A plain PyTorch program in the style of PyTorch's VAE example; tests/test_programs.py runs it
under chainrule with only the import changed.
"""
import argparse
import json
import time

import torch
import torch.utils.data
from torch import nn, optim
from torch.nn import functional as F

from shapes_data import make_shapes

parser = argparse.ArgumentParser(description="VAE on synthetic shapes")
parser.add_argument("--batch-size", type=int, default=64)
parser.add_argument("--epochs", type=int, default=8)
parser.add_argument("--samples", type=int, default=1024)
parser.add_argument("--seed", type=int, default=1)
args = parser.parse_args()
torch.manual_seed(args.seed)

images, _ = make_shapes(args.samples, size=12, seed=args.seed)
dataset = torch.utils.data.TensorDataset(torch.from_numpy(images))
train_loader = torch.utils.data.DataLoader(dataset, batch_size=args.batch_size, shuffle=True)
D = 12 * 12


class VAE(nn.Module):
    def __init__(self, latent=8):
        super().__init__()
        self.fc1 = nn.Linear(D, 128)
        self.fc21 = nn.Linear(128, latent)
        self.fc22 = nn.Linear(128, latent)
        self.fc3 = nn.Linear(latent, 128)
        self.fc4 = nn.Linear(128, D)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        eps = torch.randn_like(std)
        return mu + eps * std

    def decode(self, z):
        return torch.sigmoid(self.fc4(F.relu(self.fc3(z))))

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, D))
        z = self.reparameterize(mu, logvar)
        return self.decode(z), mu, logvar


def loss_function(recon_x, x, mu, logvar):
    bce = F.binary_cross_entropy(recon_x, x.view(-1, D), reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce + kld


model = VAE()
optimizer = optim.Adam(model.parameters(), lr=1e-3)
start = time.perf_counter()
for epoch in range(1, args.epochs + 1):
    model.train()
    train_loss = 0
    for batch_idx, (data,) in enumerate(train_loader):
        optimizer.zero_grad()
        recon_batch, mu, logvar = model(data)
        loss = loss_function(recon_batch, data, mu, logvar)
        loss.backward()
        train_loss += loss.item()
        optimizer.step()
    print(f"====> Epoch: {epoch} Average loss: {train_loss / len(train_loader.dataset):.4f}")
seconds = time.perf_counter() - start

with torch.no_grad():
    sample = model.decode(torch.randn(16, 8)).cpu()
    assert sample.shape == (16, D) and bool(((sample >= 0) & (sample <= 1)).all())
print(json.dumps({"loss": train_loss / len(train_loader.dataset), "seconds": seconds}))
