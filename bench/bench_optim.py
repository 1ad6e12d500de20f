"""One optimizer step over the parameters of a 784-512-256-10 MLP: chainrule's fused step against
PyTorch's default CPU path (a Python loop of per-tensor ops) and its foreach path.

    PYTHONPATH=python python3 bench/bench_optim.py [--threads N] [--repeat R]

Cases: SGD(lr=0.01, momentum=0.9), Adam(lr=1e-3), and Adadelta, Adamax, NAdam, RAdam, ASGD with
their defaults. The gradients stay fixed, so every call is one
full step. Before timing, a few steps from the same start are checked to agree with PyTorch.
Prints the median time per step (interleaved rounds) and the ratio chainrule/PyTorch.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import bench_arguments, chainrule_and_torch, format_table, interleaved_medians  # noqa: E402

LAYERS = [784, 512, 256, 10]
# (out, in) weights and (out,) biases, as nn.Linear keeps them
SHAPES = [s for n_in, n_out in zip(LAYERS[:-1], LAYERS[1:]) for s in [(n_out, n_in), (n_out,)]]
CASES = {"SGD(momentum=0.9)": ("SGD", dict(lr=0.01, momentum=0.9)), "Adam": ("Adam", dict(lr=1e-3)),
         "Adadelta": ("Adadelta", dict()), "Adamax": ("Adamax", dict()), "NAdam": ("NAdam", dict()),
         "RAdam": ("RAdam", dict()), "ASGD": ("ASGD", dict())}


def parse_args():
    return bench_arguments(__doc__).parse_args()


def make_step(lib, name, options, values, grads, **extra):
    """A zero-argument function running one step of lib's optimizer over fresh leaves with fixed grads."""
    module = lib.optim
    params = [lib.tensor(v, requires_grad=True) for v in values]
    for p, g in zip(params, grads):
        p.grad = lib.tensor(g)
    opt = getattr(module, name)(params, **options, **extra)
    return opt.step, params


def main():
    args = parse_args()
    cr, torch = chainrule_and_torch(args.threads)
    rng = np.random.default_rng(0)
    values = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
    grads = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
    print(f"parameters: {SHAPES} ({sum(int(np.prod(s)) for s in SHAPES)} floats), float32")
    rows = []
    for label, (name, options) in CASES.items():
        fns = {}
        fns["chainrule"], cr_params = make_step(cr, name, options, values, grads)
        if torch is not None:
            fns["torch"], torch_params = make_step(torch, name, options, values, grads)
            fns["torch foreach"], _ = make_step(torch, name, options, values, grads, foreach=True)
            for _ in range(3):
                fns["chainrule"]()
                fns["torch"]()
            for c, t in zip(cr_params, torch_params):
                np.testing.assert_allclose(c.detach().numpy(), t.detach().numpy(), rtol=1e-5, atol=1e-6)
        times = interleaved_medians(fns, repeat=args.repeat)
        row = [label, f"{times['chainrule'] * 1e6:.0f}"]
        if torch is not None:
            row += [f"{times['torch'] * 1e6:.0f}", f"{times['torch foreach'] * 1e6:.0f}",
                    f"{times['chainrule'] / times['torch']:.2f}", f"{times['chainrule'] / times['torch foreach']:.2f}"]
        rows.append(row)
    header = ["step", "chainrule us", "torch us", "torch foreach us", "ratio vs torch", "ratio vs foreach"]
    print(format_table(header[:len(rows[0])], rows))


if __name__ == "__main__":
    main()
