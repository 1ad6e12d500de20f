"""Sequence classification: a GRU (or LSTM) reads each 8x8 digit row by row and names the digit.

Each image becomes a sequence of 8 time steps with 8 features (one pixel row per step), so the
network only sees the digit the way a recurrent net sees text: one piece at a time, carrying what
it has seen in its hidden state. The final hidden state goes through a linear layer to 10 classes.
Each epoch shows a tqdm bar with the running loss and accuracy; at the end the test accuracy is
printed: 0.9778-0.9889 for the GRU over seeds 0-2 (0.9833 with the default seed 0) and
0.9833-0.9917 for the LSTM, in 1-2 s of training on 2 quiet CPU cores (up to 10 s for the LSTM
when another process keeps a core busy).

    python examples/sequence_digits.py                 # GRU
    python examples/sequence_digits.py --cell lstm
    python examples/sequence_digits.py --device cuda   # on a GPU (the default when chainrule sees one)
"""
import argparse
import time

from tqdm import tqdm

import chainrule as cr
import chainrule.nn as nn
from chainrule.datasets import Digits
from chainrule.utils.data import DataLoader, TensorDataset
from mlp_digits import add_device_option


class RowReader(nn.Module):
    """(N, 1, 8, 8) images -> (N, 8 rows, 8 pixels) sequences -> recurrent layer -> (N, 10) logits."""

    def __init__(self, cell="gru", hidden_size=64, num_classes=10):
        super().__init__()
        recurrent = {"gru": nn.GRU, "lstm": nn.LSTM, "rnn": nn.RNN}[cell]
        self.rnn = recurrent(input_size=8, hidden_size=hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, num_classes)

    def forward(self, images):
        rows = images.flatten(1, 2)          # (N, 8, 8): batch, time step (row), features (pixels)
        outputs, _ = self.rnn(rows)          # (N, 8, hidden): the hidden state after each row
        return self.head(outputs[:, -1])     # classify from the state after the last row


def accuracy(model, images, labels):
    model.eval()
    with cr.no_grad():
        return (model(images).argmax(1) == labels).float().mean().item()


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cell", choices=["gru", "lstm", "rnn"], default="gru")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-2)
    parser.add_argument("--seed", type=int, default=0)
    add_device_option(parser)
    return parser.parse_args(argv)


def train(args):
    """Trains a RowReader as `args` say; returns it and the test accuracy."""
    cr.manual_seed(args.seed)
    loader = DataLoader(TensorDataset(*Digits(train=True).tensors()), batch_size=32, shuffle=True)
    test_images, test_labels = (t.to(args.device) for t in Digits(train=False).tensors())
    model = RowReader(args.cell, args.hidden).to(args.device)
    optimizer = cr.optim.Adam(model.parameters(), lr=args.lr)
    scheduler = cr.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs * len(loader))
    loss_fn = nn.CrossEntropyLoss()
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        model.train()
        seen = correct = 0
        loss_sum = 0.0
        bar = tqdm(loader, desc=f"epoch {epoch:2d}/{args.epochs}", unit="batch")
        for images, labels in bar:
            images, labels = images.to(args.device), labels.to(args.device)
            logits = model(images)
            loss = loss_fn(logits, labels)
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)  # keeps recurrent gradients tame
            optimizer.step()
            scheduler.step()
            seen += labels.shape[0]
            loss_sum += loss.item() * labels.shape[0]
            correct += (logits.argmax(1) == labels).sum().item()
            bar.set_postfix(loss=f"{loss_sum / seen:.4f}", acc=f"{correct / seen:.3f}")
    print(f"{args.cell.upper()} trained {args.epochs} epochs in {time.perf_counter() - start:.1f} s")
    return model, accuracy(model, test_images, test_labels)


def main():
    _, test_accuracy = train(parse_args())
    print(f"test accuracy: {test_accuracy:.4f}")


if __name__ == "__main__":
    main()
