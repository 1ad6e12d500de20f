"""Normalization and dropout of chainrule against PyTorch.

    PYTHONPATH=python python3 bench/bench_norm.py [--threads N] [--repeat R]

Cases: batch_norm training forward + backward on (32, 64, 32, 32) float32 with weight, bias and
running statistics; layer_norm forward + backward on (128, 512) with weight and bias; dropout
p=0.5 forward on 4M float32 elements. Each case checks the two libraries agree (the dropout masks
differ, so there the fraction kept), then prints the median time per call (interleaved rounds) and
the ratio chainrule/PyTorch. The machine is shared, so numbers are noisy: compare medians only.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import bench_arguments, chainrule_and_torch, format_table, interleaved_medians  # noqa: E402


def parse_args():
    return bench_arguments(__doc__).parse_args()


def batch_norm_case(lib, F, rng):
    x = lib.tensor(rng.standard_normal((32, 64, 32, 32)).astype(np.float32), requires_grad=True)
    w = lib.tensor(rng.standard_normal(64).astype(np.float32), requires_grad=True)
    b = lib.tensor(rng.standard_normal(64).astype(np.float32), requires_grad=True)
    mean, var = lib.tensor(np.zeros(64, np.float32)), lib.tensor(np.ones(64, np.float32))
    g = lib.tensor(rng.standard_normal((32, 64, 32, 32)).astype(np.float32))

    def run():
        x.grad = w.grad = b.grad = None
        F.batch_norm(x, mean, var, w, b, training=True).backward(g)
        return x.grad
    return run


def layer_norm_case(lib, F, rng):
    x = lib.tensor(rng.standard_normal((128, 512)).astype(np.float32), requires_grad=True)
    w = lib.tensor(rng.standard_normal(512).astype(np.float32), requires_grad=True)
    b = lib.tensor(rng.standard_normal(512).astype(np.float32), requires_grad=True)
    g = lib.tensor(rng.standard_normal((128, 512)).astype(np.float32))

    def run():
        x.grad = w.grad = b.grad = None
        F.layer_norm(x, (512,), w, b).backward(g)
        return x.grad
    return run


def dropout_case(lib, F, rng):
    x = lib.tensor(np.ones(4 * 1024 * 1024, np.float32))
    return lambda: F.dropout(x, 0.5, training=True)


CASES = [("batch_norm train fwd+bwd (32,64,32,32)", batch_norm_case, 1e-3),
         ("layer_norm fwd+bwd (128,512)", layer_norm_case, 1e-3),
         ("dropout p=0.5 fwd, 4M floats", dropout_case, None)]


def main():
    args = parse_args()
    import chainrule.nn.functional as F
    cr, torch = chainrule_and_torch(args.threads)
    rows = []
    for name, case, tol in CASES:
        fns = {"chainrule": case(cr, F, np.random.default_rng(0))}
        if torch is not None:
            fns["torch"] = case(torch, torch.nn.functional, np.random.default_rng(0))
            ours, theirs = fns["chainrule"]().numpy(), fns["torch"]().numpy()
            if tol is None:
                assert abs((ours == 0).mean() - (theirs == 0).mean()) < 0.01, name
            else:
                np.testing.assert_allclose(ours, theirs, rtol=tol, atol=tol, err_msg=name)
        t = interleaved_medians(fns, repeat=args.repeat)
        ratio = f"{t['chainrule'] / t['torch']:.2f}" if "torch" in t else "-"
        rows.append([name, f"{t['chainrule'] * 1e3:.3f}", f"{t['torch'] * 1e3:.3f}" if "torch" in t else "-", ratio])
    print(format_table(["case", "chainrule ms", "torch ms", "ratio"], rows))


if __name__ == "__main__":
    main()
