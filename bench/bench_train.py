"""Training-step time of chainrule against PyTorch: forward + backward + SGD(momentum=0.9) step.

    PYTHONPATH=python python3 bench/bench_train.py [--threads N] [--repeat R] [--models mlp,lenet,resnet,lstm]
    PYTHONPATH=python python3 bench/bench_train.py --device cuda    # both on the GPU (tests/run_gpu.sh)
    PYTHONPATH=python python3 bench/bench_train.py --channels-last  # models and batches in channels_last

Four models, written once against the shared torch.nn API and built in both libraries with the
same weights (PyTorch's state_dict loaded into chainrule's model, which also checks that the keys
and layouts agree):
  mlp     784-512-256-10 MLP with ReLU, batch 128, cross-entropy;
  lenet   LeNet-5 (conv5-relu-maxpool x2, 120-84-10) on 1x28x28, batch 64;
  resnet  a small ResNet-style CNN (3x3 stem, three stages of one basic block each with batch norm,
          16/32/64 channels, global average pooling) on 3x32x32, batch 32;
  lstm    a one-layer LSTM (hidden 128) reading each 1x28x28 image as 28 rows, then a linear layer, batch 64.
Before timing, one step of each library from the same weights and batch must give the same loss.
Prints median step times (interleaved rounds), samples/s and the ratio chainrule/PyTorch. With
--device cuda both run on the GPU, each timing waits for the GPU (cuda.synchronize), and chainrule's
cuda.memory_allocated() growth over --memory-steps further steps is shown (issue 16's targets: a
time ratio of at most 1.2x, no growth). A model that uses an op chainrule cannot yet run on the
device gets a row saying so instead of times.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (add_device_argument, bench_arguments, chainrule_and_torch, device_synchronizers,  # noqa: E402
                    format_table, interleaved_medians, training_step_pair)


def mlp(nn):
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(),
                         nn.Linear(256, 10))


def lenet(nn):
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def resnet(nn):
    class BasicBlock(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.relu = nn.ReLU()
            self.shortcut = nn.Sequential()
            if stride != 1 or cin != cout:
                self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

        def forward(self, x):
            out = self.relu(self.bn1(self.conv1(x)))
            return self.relu(self.bn2(self.conv2(out)) + self.shortcut(x))

    return nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
        BasicBlock(16, 16, 1), BasicBlock(16, 32, 2), BasicBlock(32, 64, 2),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))


def lstm(nn):
    class RowLSTM(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(28, 128, batch_first=True)
            self.head = nn.Linear(128, 10)

        def forward(self, x):
            outputs, _ = self.lstm(x.flatten(1, 2))   # (N, 28 rows, 28 pixels) -> (N, 28, 128)
            return self.head(outputs[:, -1])

    return RowLSTM()


MODELS = {"mlp": (mlp, (128, 1, 28, 28)), "lenet": (lenet, (64, 1, 28, 28)), "resnet": (resnet, (32, 3, 32, 32)),
          "lstm": (lstm, (64, 1, 28, 28))}


def parse_args():
    p = bench_arguments(__doc__, unit="model")
    p.add_argument("--models", default=",".join(MODELS), help="comma-separated subset of " + ",".join(MODELS))
    add_device_argument(p)
    p.add_argument("--channels-last", action="store_true", help="models and batches in channels_last memory format")
    p.add_argument("--memory-steps", type=int, default=1000,
                   help="with --device cuda: steps over which chainrule's memory_allocated() growth is measured")
    return p.parse_args()


def build_pair(cr, torch, name, device, channels_last=False):
    build, shape = MODELS[name]
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(np.float32)
    y = rng.integers(0, 10, shape[0])
    return (*training_step_pair(cr, torch, build, x, y, momentum=0.9, name=name, device=device,
                                channels_last=channels_last), shape[0])


def memory_growth(cr, step, steps):
    """Bytes by which chainrule's cuda.memory_allocated() grows over `steps` more training steps."""
    cr.cuda.synchronize()
    before = cr.cuda.memory_allocated()
    for _ in range(steps):
        step()
    cr.cuda.synchronize()
    return cr.cuda.memory_allocated() - before


def main():
    args = parse_args()
    cr, torch = chainrule_and_torch(args.threads, required_by="bench_train.py")
    syncs = device_synchronizers(cr, torch, args.device, "bench_train.py")
    on_gpu = args.device == "cuda"
    print()
    rows, not_run = [], []
    for name in args.models.split(","):
        try:
            step_ours, step_theirs, batch = build_pair(cr, torch, name, args.device, args.channels_last)
        except RuntimeError as error:  # on a GPU: an op without a GPU kernel yet
            if not on_gpu:
                raise
            not_run.append(f"{name}: not run on {args.device}: {str(error).splitlines()[0]}")
            continue
        t = interleaved_medians({"chainrule": step_ours, "torch": step_theirs}, repeat=args.repeat, target_s=0.2,
                                syncs=syncs)
        row = [name, f"{t['chainrule'] * 1e3:.2f}", f"{t['torch'] * 1e3:.2f}",
               f"{batch / t['chainrule']:.0f}", f"{batch / t['torch']:.0f}", f"{t['chainrule'] / t['torch']:.2f}x"]
        rows.append(row + ([f"{memory_growth(cr, step_ours, args.memory_steps)} B"] if on_gpu else []))
    header = ["model", "chainrule ms", "torch ms", "chainrule samples/s", "torch samples/s", "time ratio"]
    print(format_table(header + ([f"cr memory growth, {args.memory_steps} steps"] if on_gpu else []), rows))
    for line in not_run:
        print(line)
    if on_gpu:
        print("issue 16's targets on a GPU: time ratio at most 1.20x, memory growth 0 B")


if __name__ == "__main__":
    main()
