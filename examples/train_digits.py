"""The main job: train a small CNN on the 8x8 handwritten digits from scratch.

The digits (1,797 images, 10 classes) ship inside chainrule, so nothing is downloaded. Each epoch
shows a tqdm progress bar with the running loss and accuracy, and the test accuracy once the epoch
is done (in a log file, where stderr is not a terminal, the bar is off and each epoch prints one
line instead). At the end the test accuracy is printed, the weights are saved as safetensors
(loadable by PyTorch too) and, when matplotlib is installed, a PNG of the loss and accuracy curves
is written.

    python examples/train_digits.py                # 7-16 s of training on 2 CPU cores
    python examples/train_digits.py --epochs 5 --out /tmp/digits
    python examples/train_digits.py --tensorboard runs/digits    # then: tensorboard --logdir runs
    python examples/train_digits.py --device cuda   # on a GPU (the default when chainrule sees one)

With --tensorboard DIR the run is also logged for TensorBoard (docs/tensorboard.md): the model's graph,
each step's loss and learning rate, each epoch's loss and accuracies, and every 50 steps the weight and
gradient histograms and update-to-weight ratios of each layer. Logging changes nothing in the training.

Measured (20 epochs, 2 CPU cores): test accuracy 1.0000 (360/360) with the default seed 0 and
0.9972 (359/360) with seeds 1 and 2; training takes 7 s on a quiet machine, 14-16 s while other
processes share the cores.
"""
import argparse
import os
import sys
import time

from tqdm import tqdm

import chainrule as cr
import chainrule.nn as nn
import chainrule.nn.functional as F
from chainrule.datasets import Digits
from chainrule.utils.data import DataLoader, TensorDataset
from mlp_digits import add_device_option


class DigitsCNN(nn.Module):
    """conv-bn-relu x2, max-pool, conv-bn-relu, max-pool, then a two-layer classifier: (N,1,8,8) -> (N,10)."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.MaxPool2d(2),                                                  # 32 x 4 x 4
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.MaxPool2d(2),                                                  # 64 x 2 x 2
        )
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Dropout(0.3), nn.Linear(64 * 2 * 2, 128), nn.ReLU(), nn.Linear(128, num_classes),
        )

    def forward(self, x):
        return self.classifier(self.features(x))


def random_shift(images, max_shift=1):
    """Data augmentation: moves each batch of images by up to max_shift pixels (zero-filled)."""
    dy, dx = (int(v) for v in cr.randint(-max_shift, max_shift + 1, (2,)).tolist())
    padded = F.pad(images, (max_shift, max_shift, max_shift, max_shift))
    h, w = images.shape[-2:]
    return padded[..., max_shift + dy:max_shift + dy + h, max_shift + dx:max_shift + dx + w]


def evaluate(model, loader, device="cpu"):
    """Fraction of correctly classified images, in eval mode without recording."""
    model.eval()
    correct = total = 0
    with cr.no_grad():
        for images, labels in loader:
            images, labels = images.to(device), labels.to(device)
            correct += (model(images).argmax(1) == labels).sum().item()
            total += labels.shape[0]
    return correct / total


def open_tensorboard(log_dir, model, example_images):
    """(SummaryWriter, ModelStatsLogger) for log_dir with the model's graph written, or (None, None) without log_dir."""
    if not log_dir:
        return None, None
    from chainrule.utils.tensorboard import ModelStatsLogger, SummaryWriter
    writer = SummaryWriter(log_dir)
    writer.add_graph(model, example_images)
    return writer, ModelStatsLogger(writer, model, every=50)


def train(args):
    cr.manual_seed(args.seed)
    # TensorDataset over the whole image tensor: each batch is one indexing op, not 32 stacked samples.
    train_loader = DataLoader(TensorDataset(*Digits(train=True).tensors()), batch_size=args.batch_size, shuffle=True)
    test_loader = DataLoader(TensorDataset(*Digits(train=False).tensors()), batch_size=256)
    model = DigitsCNN().to(args.device)
    optimizer = cr.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    scheduler = cr.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr, epochs=args.epochs,
                                                 steps_per_epoch=len(train_loader))
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.05)
    example_images = Digits(train=False).tensors()[0][:1].to(args.device)
    writer, layer_stats = open_tensorboard(args.tensorboard, model, example_images)
    step = 0
    history = {"loss": [], "train_acc": [], "test_acc": []}
    # On a terminal the bar redraws as it goes; in a log file (stderr not a TTY) it would add a
    # redraw per batch, so there it is off and each epoch prints one line instead.
    interactive = sys.stderr.isatty()
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        model.train()
        seen = correct = 0
        loss_sum = 0.0
        # The bar is updated by hand (not wrapped around the loader) so that it stays open for the test accuracy.
        bar = tqdm(total=len(train_loader), desc=f"epoch {epoch:2d}/{args.epochs}", unit="batch", disable=not interactive)
        for images, labels in train_loader:
            images, labels = images.to(args.device), labels.to(args.device)
            logits = model(random_shift(images))
            loss = loss_fn(logits, labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
            seen += labels.shape[0]
            batch_loss = loss.item()
            loss_sum += batch_loss * labels.shape[0]
            if writer:
                writer.add_scalar("loss/train_batch", batch_loss, step)
                writer.add_scalar("learning_rate", scheduler.get_last_lr()[0], step)
                layer_stats.log(step)
            step += 1
            correct += (logits.argmax(1) == labels).sum().item()
            bar.set_postfix(loss=f"{loss_sum / seen:.4f}", acc=f"{correct / seen:.3f}", refresh=False)
            bar.update()
        loss, train_acc, test_acc = loss_sum / seen, correct / seen, evaluate(model, test_loader, args.device)
        history["loss"].append(loss)
        history["train_acc"].append(train_acc)
        history["test_acc"].append(test_acc)
        if writer:
            writer.add_scalar("loss/train", loss, epoch)
            writer.add_scalars("accuracy", {"train": train_acc, "test": test_acc}, epoch)
        bar.set_postfix(loss=f"{loss:.4f}", acc=f"{train_acc:.3f}", test_acc=f"{test_acc:.4f}")
        bar.close()
        if not interactive:
            print(f"epoch {epoch:2d}/{args.epochs}: loss {loss:.4f}, train acc {train_acc:.3f}, test acc {test_acc:.4f}",
                  flush=True)
    elapsed = time.perf_counter() - start
    if writer:
        writer.close()
        print(f"TensorBoard logs written to {args.tensorboard} (open them: tensorboard --logdir {args.tensorboard})")
    return model, history, elapsed


def plot(history, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed (pip install matplotlib): no plot written")
        return
    epochs = range(1, len(history["loss"]) + 1)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot(epochs, history["loss"], marker="o")
    left.set(title="training loss", xlabel="epoch", ylabel="cross-entropy")
    right.plot(epochs, history["train_acc"], marker="o", label="train")
    right.plot(epochs, history["test_acc"], marker="o", label="test")
    right.set(title="accuracy", xlabel="epoch", ylabel="accuracy")
    right.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    print(f"curves written to {path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="out/digits", help="folder for the weights and the plot")
    parser.add_argument("--tensorboard", metavar="DIR", default=None,
                        help="also log the run for TensorBoard in DIR (default: off; needs the tensorboard package)")
    add_device_option(parser)
    args = parser.parse_args()
    model, history, elapsed = train(args)
    os.makedirs(args.out, exist_ok=True)
    weights = os.path.join(args.out, "digits_cnn.safetensors")
    cr.save(model.state_dict(), weights)
    print(f"trained {args.epochs} epochs in {elapsed:.1f} s; weights saved to {weights}")
    plot(history, os.path.join(args.out, "digits_curves.png"))
    print(f"test accuracy: {history['test_acc'][-1]:.4f} "
          f"({round(history['test_acc'][-1] * len(Digits(train=False)))}/{len(Digits(train=False))} images)")


if __name__ == "__main__":
    main()
