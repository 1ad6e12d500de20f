"""Training-step time of a small Transformer encoder, chainrule against PyTorch CPU: forward + backward + SGD step.

    PYTHONPATH=python python3 bench/bench_transformer.py [--threads N] [--repeat R] [--feedforward 256,2048]

The model is nn.TransformerEncoder of 2 nn.TransformerEncoderLayer(d_model 64, nhead 4, dim_feedforward F,
dropout 0) over a (32, 16, 64) sequence (length 32, batch 16, seq-first), the mean over positions, a
Linear(64, 10) head and cross-entropy; built in both libraries with the same weights (PyTorch's state_dict loaded
into chainrule's). Dropout is 0 so that one step of each library must give the same loss before timing. Prints
median step times (interleaved rounds) and the ratio chainrule/PyTorch.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (bench_arguments, chainrule_and_torch, format_table, interleaved_medians,  # noqa: E402
                    training_step_pair)

D_MODEL, HEADS, LAYERS, LENGTH, BATCH, CLASSES = 64, 4, 2, 32, 16, 10


def build(nn, feedforward):
    class Classifier(nn.Module):
        def __init__(self):
            super().__init__()
            layer = nn.TransformerEncoderLayer(D_MODEL, HEADS, feedforward, dropout=0.0)
            self.encoder = nn.TransformerEncoder(layer, LAYERS, enable_nested_tensor=False)
            self.head = nn.Linear(D_MODEL, CLASSES)

        def forward(self, x):
            return self.head(self.encoder(x).mean(0))

    return Classifier()


def main():
    p = bench_arguments(__doc__, unit="model")
    p.add_argument("--feedforward", default="256,2048", help="comma-separated dim_feedforward values")
    args = p.parse_args()
    cr, torch = chainrule_and_torch(args.threads, required_by="bench_transformer.py")
    print(f"d_model {D_MODEL}, {HEADS} heads, {LAYERS} layers, length {LENGTH}, batch {BATCH}; "
          f"medians of {args.repeat} rounds\n")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((LENGTH, BATCH, D_MODEL)).astype(np.float32)
    y = rng.integers(0, CLASSES, BATCH)
    rows = []
    for feedforward in (int(f) for f in args.feedforward.split(",")):
        step_ours, step_theirs = training_step_pair(cr, torch, lambda nn: build(nn, feedforward), x, y,
                                                    name=f"encoder ff={feedforward}")
        t = interleaved_medians({"chainrule": step_ours, "torch": step_theirs}, repeat=args.repeat, target_s=0.2)
        rows.append([f"ff {feedforward}", f"{t['chainrule'] * 1e3:.2f}", f"{t['torch'] * 1e3:.2f}",
                     f"{t['chainrule'] / t['torch']:.2f}x"])
    print(format_table(["encoder", "chainrule ms", "torch ms", "time ratio"], rows))


if __name__ == "__main__":
    main()
