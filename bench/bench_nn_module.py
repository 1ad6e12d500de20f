"""chainrule.nn Module overhead and an nn.Sequential MLP training step against torch.nn.

    PYTHONPATH=python python3 bench/bench_nn_module.py [--threads N] [--repeat R]

Cases (same weights in both libraries, outputs checked before timing):
  (a) nn.Identity()(x): the cost of Module.__call__ alone;
  (b) nn.Linear(16, 16) on a (4, 16) batch: per-layer overhead at tiny sizes;
  (c) zero_grad + forward + backward of Sequential(Linear(784, 512), Tanh, Linear(512, 256), Tanh,
      Linear(256, 10)) at batch 128, loss = sum of outputs squared.
Prints the median time per call (interleaved rounds) and the ratio chainrule/PyTorch.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import bench_arguments, chainrule_and_torch, format_table, interleaved_medians  # noqa: E402

import chainrule as cr  # noqa: E402


def parse_args():
    return bench_arguments(__doc__).parse_args()


def mlp(nn):
    return nn.Sequential(nn.Linear(784, 512), nn.Tanh(), nn.Linear(512, 256), nn.Tanh(), nn.Linear(256, 10))


def copy_weights(ours, theirs):
    ours.load_state_dict({k: cr.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})


def cases(lib, nn, x_small, x_big, model, linear):
    def step():
        model.zero_grad()
        out = model(x_big)
        (out * out).sum().backward()
        return out

    identity = nn.Identity()
    return {"identity": lambda: identity(x_small), "linear16": lambda: linear(x_small), "mlp_step": step}


def main():
    args = parse_args()
    _, torch = chainrule_and_torch(args.threads)
    rng = np.random.default_rng(0)
    small = rng.standard_normal((4, 16)).astype(np.float32)
    big = rng.standard_normal((128, 784)).astype(np.float32)
    ours_model, ours_linear = mlp(cr.nn), cr.nn.Linear(16, 16)
    fns = {f"chainrule {k}": f for k, f in cases(cr, cr.nn, cr.tensor(small), cr.tensor(big), ours_model,
                                                  ours_linear).items()}
    if torch is not None:
        theirs_model, theirs_linear = mlp(torch.nn), torch.nn.Linear(16, 16)
        copy_weights(ours_model, theirs_model)
        copy_weights(ours_linear, theirs_linear)
        theirs = cases(torch, torch.nn, torch.tensor(small), torch.tensor(big), theirs_model, theirs_linear)
        for name, f in theirs.items():
            np.testing.assert_allclose(fns[f"chainrule {name}"]().detach().numpy(), f().detach().numpy(),
                                       rtol=1e-3, atol=1e-4)
            fns[f"torch {name}"] = f
    medians = interleaved_medians(fns, repeat=args.repeat)
    rows = []
    for name in ("identity", "linear16", "mlp_step"):
        ours = medians[f"chainrule {name}"]
        theirs = medians.get(f"torch {name}")
        rows.append([name, f"{ours * 1e6:.1f} us", f"{theirs * 1e6:.1f} us" if theirs else "-",
                     f"{ours / theirs:.2f}" if theirs else "-"])
    print(format_table(["case", "chainrule", "torch", "ratio"], rows))


if __name__ == "__main__":
    main()
