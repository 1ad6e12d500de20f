"""Training-step time of recurrent layers, chainrule against PyTorch CPU: forward + backward + SGD step.

    PYTHONPATH=python python3 bench/bench_rnn.py [--threads N] [--repeat R] [--busy N] [--models lstm,gru,lstmcell]

Each model is an nn.LSTM or nn.GRU (input 32, hidden 128, one layer) over a (50, 32, 32) sequence
(length 50, batch 32), a Linear(128, 10) head on the last time step's output and cross-entropy;
lstmcell is the LSTM written as a Python loop of 50 nn.LSTMCell calls;
built in both libraries with the same weights (PyTorch's state_dict loaded into chainrule's).
Before timing, one step of each library must give the same loss. Prints median step times
(interleaved rounds) and the ratio chainrule/PyTorch.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (bench_arguments, chainrule_and_torch, format_table, interleaved_medians,  # noqa: E402
                    training_step_pair)

INPUT, HIDDEN, LENGTH, BATCH, CLASSES = 32, 128, 50, 32, 10


def build(nn, kind):
    if kind == "LSTMCELL":
        return cell_loop(nn)

    class Classifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = getattr(nn, kind)(INPUT, HIDDEN)
            self.head = nn.Linear(HIDDEN, CLASSES)

        def forward(self, x):
            return self.head(self.rnn(x)[0][-1])

    return Classifier()


def cell_loop(nn):
    """The same classifier with the recurrence written as a Python loop over nn.LSTMCell: one small
    op after another, the pattern that suffers most when another process holds a core."""
    class CellLoop(nn.Module):
        def __init__(self):
            super().__init__()
            self.cell = nn.LSTMCell(INPUT, HIDDEN)
            self.head = nn.Linear(HIDDEN, CLASSES)

        def forward(self, x):
            h = c = x.new_zeros((x.shape[1], HIDDEN))
            for step in x:
                h, c = self.cell(step, (h, c))
            return self.head(h)

    return CellLoop()


def build_pair(cr, torch, kind):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((LENGTH, BATCH, INPUT)).astype(np.float32)
    y = rng.integers(0, CLASSES, BATCH)
    return training_step_pair(cr, torch, lambda nn: build(nn, kind), x, y, name=kind)


def main():
    p = bench_arguments(__doc__, unit="model")
    p.add_argument("--models", default="lstm,gru,lstmcell", help="comma-separated subset of lstm,gru,lstmcell")
    args = p.parse_args()
    cr, torch = chainrule_and_torch(args.threads, required_by="bench_rnn.py")
    print(f"input {INPUT}, hidden {HIDDEN}, length {LENGTH}, batch {BATCH}; medians of {args.repeat} rounds\n")
    rows = []
    for kind in args.models.split(","):
        step_ours, step_theirs = build_pair(cr, torch, kind.upper())
        t = interleaved_medians({"chainrule": step_ours, "torch": step_theirs}, repeat=args.repeat, target_s=0.2)
        rows.append([kind, f"{t['chainrule'] * 1e3:.2f}", f"{t['torch'] * 1e3:.2f}",
                     f"{t['chainrule'] / t['torch']:.2f}x"])
    print(format_table(["model", "chainrule ms", "torch ms", "time ratio"], rows))


if __name__ == "__main__":
    main()
