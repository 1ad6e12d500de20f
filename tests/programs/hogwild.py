"""Hogwild training in PyTorch's mnist_hogwild style: the model's parameters go into shared memory
(model.share_memory()), several torch.multiprocessing processes train them at once without locks,
each with its own DataLoader and optimizer, and the parent, which never trains, evaluates the result.
Synthetic data: Gaussian blobs, one per class.

A plain PyTorch program; tests/test_programs.py runs it under chainrule with only the import changed.
"""
import argparse
import json
import os

import torch
import torch.multiprocessing as mp
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self, features, classes):
        super().__init__()
        self.fc1 = nn.Linear(features, 32)
        self.fc2 = nn.Linear(32, classes)

    def forward(self, x):
        return F.log_softmax(self.fc2(F.relu(self.fc1(x))), dim=1)


def make_blobs(samples, features, classes, seed):
    generator = torch.Generator().manual_seed(seed)
    centers = torch.randn(classes, features, generator=generator) * 2.0
    labels = torch.randint(0, classes, (samples,), generator=generator)
    return centers[labels] + torch.randn(samples, features, generator=generator), labels


def train(rank, args, model, dataset, dataloader_kwargs):
    torch.manual_seed(args.seed + rank)
    loader = DataLoader(dataset, **dataloader_kwargs)
    optimizer = optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum)
    model.train()
    for _ in range(args.epochs):
        for data, target in loader:
            optimizer.zero_grad()
            loss = F.nll_loss(model(data), target)
            loss.backward()
            optimizer.step()
    print(f"process {os.getpid()} (rank {rank}) done, last loss {loss.item():.4f}")


def accuracy(model, dataset):
    model.eval()
    data, target = dataset.tensors
    with torch.no_grad():
        return (model(data).argmax(dim=1) == target).float().mean().item()


def main():
    parser = argparse.ArgumentParser(description="Hogwild training on synthetic blobs")
    parser.add_argument("--num-processes", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--momentum", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    train_set = TensorDataset(*make_blobs(args.samples, 10, 4, seed=0))
    test_set = TensorDataset(*make_blobs(500, 10, 4, seed=0))  # the same centres, fresh points
    model = Net(10, 4)
    model.share_memory()  # gradients are allocated lazily, so they are not shared here
    initial = Net(10, 4)
    initial.load_state_dict(model.state_dict())  # a private copy: evaluated after the training

    processes = []
    for rank in range(args.num_processes):
        p = mp.Process(target=train, args=(rank, args, model, train_set, {"batch_size": 32, "shuffle": True}))
        p.start()
        processes.append(p)
    for p in processes:
        p.join()
    exit_codes = [p.exitcode for p in processes]

    # No computation in the parent before the fork: PyTorch's intra-op threads do not survive fork()
    moved = max((p - q).abs().max().item() for p, q in zip(model.parameters(), initial.parameters()))
    print(json.dumps({"initial_accuracy": accuracy(initial, test_set), "accuracy": accuracy(model, test_set),
                      "exit_codes": exit_codes,
                      "largest_parameter_change": moved, "shared": all(p.is_shared() for p in model.parameters())}))


if __name__ == "__main__":
    main()
