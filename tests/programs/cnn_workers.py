"""A CNN classifier trained from a map-style Dataset through DataLoader worker processes
(num_workers=2, a worker_init_fn, per-worker random augmentation), with a StepLR schedule, a test
loop in PyTorch's MNIST-example style and a checkpoint of model + optimizer + epoch, reloaded.

A plain PyTorch program; tests/test_programs.py runs it under chainrule with only the import changed.
"""
import argparse
import json
import os
import random
import tempfile
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import DataLoader, Dataset

from shapes_data import make_shapes


class ShapesDataset(Dataset):
    """Images with a random one-pixel shift as augmentation (drawn from the worker's torch seed)."""

    def __init__(self, n, seed, augment):
        self.images, self.labels = make_shapes(n, size=12, seed=seed)
        self.augment = augment

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, idx):
        image = torch.from_numpy(self.images[idx])
        if self.augment:
            shift = int(torch.randint(-1, 2, (1,)).item())
            image = torch.roll(image, shifts=shift, dims=2)
        return image, int(self.labels[idx])


def seed_worker(worker_id):
    worker_seed = torch.initial_seed() % 2**32
    np.random.seed(worker_seed)
    random.seed(worker_seed)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, 1)
        self.conv2 = nn.Conv2d(8, 16, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.fc1 = nn.Linear(16 * 4 * 4, 32)
        self.fc2 = nn.Linear(32, 4)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        return F.log_softmax(self.fc2(x), dim=1)


def train(model, train_loader, optimizer, epoch):
    model.train()
    for batch_idx, (data, target) in enumerate(train_loader):
        optimizer.zero_grad()
        loss = F.nll_loss(model(data), target)
        loss.backward()
        optimizer.step()
    print(f"Train Epoch: {epoch} [{len(train_loader.dataset)} samples]\tLoss: {loss.item():.6f}")
    return loss.item()


def test(model, test_loader):
    model.eval()
    test_loss, correct = 0, 0
    with torch.no_grad():
        for data, target in test_loader:
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction="sum").item()
            pred = output.argmax(dim=1, keepdim=True)
            correct += pred.eq(target.view_as(pred)).sum().item()
    test_loss /= len(test_loader.dataset)
    accuracy = correct / len(test_loader.dataset)
    print(f"\nTest set: Average loss: {test_loss:.4f}, Accuracy: {correct}/{len(test_loader.dataset)} "
          f"({100. * accuracy:.0f}%)\n")
    return test_loss, accuracy


def main():
    parser = argparse.ArgumentParser(description="CNN with DataLoader workers")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--samples", type=int, default=1200)
    parser.add_argument("--num-workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    g = torch.Generator()
    g.manual_seed(0)
    train_kwargs = {"batch_size": 32, "shuffle": True, "num_workers": args.num_workers, "pin_memory": True,
                    "worker_init_fn": seed_worker, "generator": g,
                    "persistent_workers": args.num_workers > 0}
    train_loader = DataLoader(ShapesDataset(args.samples, seed=args.seed, augment=True), **train_kwargs)
    test_loader = DataLoader(ShapesDataset(400, seed=args.seed + 1, augment=False), batch_size=100,
                             num_workers=args.num_workers)

    model = Net()
    optimizer = optim.Adadelta(model.parameters(), lr=1.0)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.7)
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        loss = train(model, train_loader, optimizer, epoch)
        test_loss, accuracy = test(model, test_loader)
        scheduler.step()
    seconds = time.perf_counter() - start

    path = os.path.join(tempfile.mkdtemp(), "checkpoint.pth")
    torch.save({"epoch": args.epochs, "model_state_dict": model.state_dict(),
                "optimizer_state_dict": optimizer.state_dict(), "loss": loss}, path)
    checkpoint = torch.load(path, weights_only=True)
    restored = Net()
    restored.load_state_dict(checkpoint["model_state_dict"])
    optimizer = optim.Adadelta(restored.parameters(), lr=1.0)
    optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
    assert checkpoint["epoch"] == args.epochs
    assert test(restored, test_loader) == (test_loss, accuracy)
    print(json.dumps({"loss": test_loss, "accuracy": accuracy, "seconds": seconds}))


if __name__ == "__main__":
    main()
