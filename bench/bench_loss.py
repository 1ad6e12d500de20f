"""cross_entropy, gelu and silu (forward + backward) of chainrule against PyTorch.

    PYTHONPATH=python python3 bench/bench_loss.py [--threads N] [--repeat R]

Cases, each checked against PyTorch before it is timed (float32):
  cross_entropy(logits, targets).backward() on (128, 10) and (256, 1000) logits (the fused kernels);
  gelu(x).sum().backward() and silu(x).sum().backward() on 1M floats (the elementwise kernels; the
  sum and its backward are part of both timings).
Prints the median time per call (interleaved rounds) and the ratio chainrule/PyTorch.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import bench_arguments, chainrule_and_torch, format_table, interleaved_medians  # noqa: E402


def parse_args():
    return bench_arguments(__doc__).parse_args()


def cases():
    """(name, make(lib, F) -> (step function, leaf)) for each benchmark."""
    rng = np.random.default_rng(0)

    def cross_entropy(n, c):
        logits = rng.standard_normal((n, c)).astype(np.float32)
        targets = rng.integers(0, c, n)

        def make(lib, F):
            x = lib.tensor(logits, requires_grad=True)
            t = lib.tensor(targets)

            def step():
                x.grad = None
                F.cross_entropy(x, t).backward()
            return step, x
        return make

    def pointwise(name):
        data = rng.standard_normal(1 << 20).astype(np.float32)

        def make(lib, F):
            x = lib.tensor(data, requires_grad=True)

            def step():
                x.grad = None
                getattr(F, name)(x).sum().backward()
            return step, x
        return make

    return [("cross_entropy (128, 10) fwd+bwd", cross_entropy(128, 10)),
            ("cross_entropy (256, 1000) fwd+bwd", cross_entropy(256, 1000)),
            ("gelu 1M fwd+bwd", pointwise("gelu")),
            ("silu 1M fwd+bwd", pointwise("silu"))]


def main():
    args = parse_args()
    import chainrule.nn.functional as F
    cr, torch = chainrule_and_torch(args.threads)
    rows = []
    for name, make in cases():
        ours, x = make(cr, F)
        fns = {"chainrule": ours}
        if torch is not None:
            theirs, tx = make(torch, torch.nn.functional)
            ours()
            theirs()
            np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-6)
            fns["torch"] = theirs
        t = interleaved_medians(fns, repeat=args.repeat)
        ratio = f"{t['chainrule'] / t['torch']:.2f}" if torch is not None else "-"
        torch_ms = f"{t['torch'] * 1e3:.3f}" if torch is not None else "-"
        rows.append([name, f"{t['chainrule'] * 1e3:.3f}", torch_ms, ratio])
    print(format_table(["case", "chainrule ms", "torch ms", "ratio"], rows))


if __name__ == "__main__":
    main()
