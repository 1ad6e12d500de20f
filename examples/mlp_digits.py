"""A multilayer perceptron on the 8x8 handwritten digits: the smallest complete training loop.

The 64 pixels of each image go through Linear-ReLU-Dropout layers (64-128-64-10), trained with SGD
(momentum 0.9, weight decay) and a StepLR schedule that divides the learning rate by 10 for the
last epochs. Each epoch shows a tqdm bar with the running loss and accuracy; the test accuracy is
printed at the end.

    python examples/mlp_digits.py              # 30 epochs, under a second on 2 CPU cores
    python examples/mlp_digits.py --seed 3
    python examples/mlp_digits.py --device cuda   # on a GPU (the default when chainrule sees one)

Measured (30 epochs, 2 CPU cores): test accuracy 0.9806 with the default seed 0, between 0.9722
and 0.9806 over seeds 0-5; training takes about 0.3 s (0.7 s for the whole script, imports included).
"""
import argparse
import time

from tqdm import tqdm

import chainrule as cr
import chainrule.nn as nn
from chainrule.datasets import Digits
from chainrule.utils.data import DataLoader, TensorDataset


def make_mlp(dropout=0.1):
    """(N, 1, 8, 8) images -> (N, 10) logits."""
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(64, 128), nn.ReLU(), nn.Dropout(dropout),
        nn.Linear(128, 64), nn.ReLU(), nn.Dropout(dropout),
        nn.Linear(64, 10),
    )


def default_device():
    """The GPU when this build and machine have one, else the CPU."""
    return "cuda" if cr.cuda.is_available() else "cpu"


def add_device_option(parser):
    """The --device option every example shares: cpu or cuda, cuda by default when chainrule sees a GPU."""
    parser.add_argument("--device", default=default_device(), help="cpu or cuda (default: cuda when available)")


def evaluate(model, loader, device="cpu"):
    """Fraction of correctly classified images, in eval mode (dropout off) without recording."""
    model.eval()
    correct = total = 0
    with cr.no_grad():
        for images, labels in loader:
            images, labels = images.to(device), labels.to(device)
            correct += (model(images).argmax(1) == labels).sum().item()
            total += labels.shape[0]
    return correct / total


def train(epochs=30, batch_size=32, lr=0.05, seed=0, progress=True, device="cpu"):
    """Trains the MLP from `seed` on `device`; returns (model, test accuracy, per-epoch mean training losses)."""
    cr.manual_seed(seed)
    train_loader = DataLoader(TensorDataset(*Digits(train=True).tensors()), batch_size=batch_size, shuffle=True)
    test_loader = DataLoader(TensorDataset(*Digits(train=False).tensors()), batch_size=512)
    model = make_mlp().to(device)
    optimizer = cr.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=1e-4)
    scheduler = cr.optim.lr_scheduler.StepLR(optimizer, step_size=max(1, epochs * 2 // 3), gamma=0.1)
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    for epoch in range(1, epochs + 1):
        model.train()
        seen = correct = 0
        loss_sum = 0.0
        bar = tqdm(train_loader, desc=f"epoch {epoch:2d}/{epochs}", unit="batch", disable=not progress)
        for images, labels in bar:
            images, labels = images.to(device), labels.to(device)
            logits = model(images)
            loss = loss_fn(logits, labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            seen += labels.shape[0]
            loss_sum += loss.item() * labels.shape[0]
            correct += (logits.argmax(1) == labels).sum().item()
            bar.set_postfix(loss=f"{loss_sum / seen:.4f}", acc=f"{correct / seen:.3f}", lr=scheduler.get_last_lr()[0])
        scheduler.step()  # once per epoch: StepLR counts epochs
        losses.append(loss_sum / seen)
    return model, evaluate(model, test_loader, device), losses


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=0)
    add_device_option(parser)
    args = parser.parse_args()
    start = time.perf_counter()
    _, accuracy, losses = train(args.epochs, args.batch_size, args.lr, args.seed, device=args.device)
    print(f"trained {args.epochs} epochs on {args.device} in {time.perf_counter() - start:.1f} s; final training loss {losses[-1]:.4f}")
    print(f"test accuracy: {accuracy:.4f}")


if __name__ == "__main__":
    main()
