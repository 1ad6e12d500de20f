"""Pooling time of chainrule against PyTorch: max_pool2d 2x2 and avg_pool2d 2x2 on (32, 64, 32, 32)
float32, forward and forward + backward.

    PYTHONPATH=python python3 bench/bench_pool.py [--threads N] [--repeat R]

Each case is checked against PyTorch before it is timed. Prints the median time per call
(interleaved rounds) and the ratio chainrule/PyTorch (below 1: chainrule is faster).
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import bench_arguments, chainrule_and_torch, format_table, interleaved_medians  # noqa: E402

SHAPE = (32, 64, 32, 32)


def parse_args():
    return bench_arguments(__doc__).parse_args()


def cases(F):
    """(name, fn(F, x)) for each pooling call timed."""
    return [("max_pool2d 2x2", lambda F, x: F.max_pool2d(x, 2)),
            ("avg_pool2d 2x2", lambda F, x: F.avg_pool2d(x, 2))]


def main():
    args = parse_args()
    import chainrule.nn.functional as F
    cr, torch = chainrule_and_torch(args.threads)
    a = np.random.default_rng(0).standard_normal(SHAPE).astype(np.float32)
    g = np.random.default_rng(1).standard_normal((SHAPE[0], SHAPE[1], SHAPE[2] // 2, SHAPE[3] // 2)).astype(np.float32)
    x, gx = cr.tensor(a), cr.tensor(g)
    xg = cr.tensor(a, requires_grad=True)
    if torch is not None:
        import torch.nn.functional as TF
        tx, tg = torch.tensor(a), torch.tensor(g)
        txg = torch.tensor(a, requires_grad=True)
    rows = []
    for name, fn in cases(F):
        fns = {"chainrule fwd": lambda: fn(F, x),
               "chainrule fwd+bwd": lambda: fn(F, xg).backward(gx)}
        if torch is not None:
            np.testing.assert_allclose(fn(F, x).numpy(), fn(TF, tx).numpy(), rtol=1e-5, atol=1e-6)
            fns["torch fwd"] = lambda: fn(TF, tx)
            fns["torch fwd+bwd"] = lambda: fn(TF, txg).backward(tg)
        t = interleaved_medians(fns, repeat=args.repeat)
        for kind in ("fwd", "fwd+bwd"):
            ours = t[f"chainrule {kind}"]
            theirs = t.get(f"torch {kind}")
            rows.append([f"{name} {kind}", f"{ours * 1e3:.2f}", "-" if theirs is None else f"{theirs * 1e3:.2f}",
                         "-" if theirs is None else f"{ours / theirs:.2f}"])
        xg.grad = None
    print(f"input {SHAPE} float32, threads: {cr.get_num_threads()}; medians, ms per call")
    print(format_table(["case", "chainrule ms", "torch ms", "ratio"], rows))


if __name__ == "__main__":
    main()
