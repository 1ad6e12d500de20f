"""Training-step time of chainrule against PyTorch CPU: forward + backward + SGD(momentum=0.9) step.

    PYTHONPATH=python python3 bench/bench_train.py [--threads N] [--repeat R] [--models mlp,lenet,resnet]

Three models, written once against the shared torch.nn API and built in both libraries with the
same weights (PyTorch's state_dict loaded into chainrule's model, which also checks that the keys
and layouts agree):
  mlp     784-512-256-10 MLP with ReLU, batch 128, cross-entropy;
  lenet   LeNet-5 (conv5-relu-maxpool x2, 120-84-10) on 1x28x28, batch 64;
  resnet  a small ResNet-style CNN (3x3 stem, three stages of one basic block each with batch norm,
          16/32/64 channels, global average pooling) on 3x32x32, batch 32.
Before timing, one step of each library from the same weights and batch must give the same loss.
Prints median step times (interleaved rounds), samples/s and the ratio chainrule/PyTorch.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (bench_arguments, chainrule_and_torch, format_table, interleaved_medians,  # noqa: E402
                    training_step_pair)


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


MODELS = {"mlp": (mlp, (128, 1, 28, 28)), "lenet": (lenet, (64, 1, 28, 28)), "resnet": (resnet, (32, 3, 32, 32))}


def parse_args():
    p = bench_arguments(__doc__, unit="model")
    p.add_argument("--models", default="mlp,lenet,resnet", help="comma-separated subset of " + ",".join(MODELS))
    return p.parse_args()


def build_pair(cr, torch, name):
    build, shape = MODELS[name]
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(np.float32)
    y = rng.integers(0, 10, shape[0])
    return (*training_step_pair(cr, torch, build, x, y, momentum=0.9, name=name), shape[0])


def main():
    args = parse_args()
    cr, torch = chainrule_and_torch(args.threads, required_by="bench_train.py")
    print()
    rows = []
    for name in args.models.split(","):
        step_ours, step_theirs, batch = build_pair(cr, torch, name)
        t = interleaved_medians({"chainrule": step_ours, "torch": step_theirs}, repeat=args.repeat, target_s=0.2)
        rows.append([name, f"{t['chainrule'] * 1e3:.2f}", f"{t['torch'] * 1e3:.2f}",
                     f"{batch / t['chainrule']:.0f}", f"{batch / t['torch']:.0f}", f"{t['chainrule'] / t['torch']:.2f}x"])
    print(format_table(["model", "chainrule ms", "torch ms", "chainrule samples/s", "torch samples/s",
                        "time ratio"], rows))


if __name__ == "__main__":
    main()
