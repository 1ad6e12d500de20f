"""Autograd overhead and MLP training-step time of chainrule against PyTorch.

    PYTHONPATH=python python3 bench/bench_autograd.py [--threads N] [--repeat R]

Three cases, each checked against PyTorch before it is timed:
  (a) `a + b` on 16-element float32 tensors with requires_grad=True (recording cost per call);
  (b) `(a * b).sum().backward()` on 16-element tensors (a whole tiny graph, forward and backward);
  (c) forward + backward of a 784-512-256-10 MLP expression graph at batch 128: matmuls, bias adds,
      relu, log-softmax and the negative log-likelihood of the targets.
Prints the median time per call (interleaved rounds) and the ratio chainrule/PyTorch.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import bench_arguments, chainrule_and_torch, format_table, interleaved_medians  # noqa: E402

LAYERS = [784, 512, 256, 10]
BATCH = 128


def parse_args():
    return bench_arguments(__doc__).parse_args()


def has_backward(lib, fn):
    """Whether fn(x) on a small tensor that requires grad backpropagates (its op has a formula)."""
    x = lib.tensor(np.arange(6.0).reshape(2, 3) / 6, requires_grad=True)
    try:
        fn(lib, x).sum().backward()
    except (RuntimeError, TypeError, AttributeError):
        return False
    return x.grad is not None


def loss_builder(cr):
    """The mean negative log-likelihood of the targets, from the ops whose backward this tree has:
    log_softmax (or logits minus log-sum-exp written out) and gather (or a one-hot multiply-sum).
    The same expression runs in both libraries. Returns (loss(lib, logits, targets, onehot), description)."""
    use_log_softmax = has_backward(cr, lambda lib, x: lib.log_softmax(x, 1))
    use_gather = has_backward(cr, lambda lib, x: x.gather(1, lib.tensor([[0], [2]])))

    def loss(lib, logits, targets, onehot):
        if use_log_softmax:
            logp = lib.log_softmax(logits, 1)
        else:
            logp = logits - logits.exp().sum(1, keepdim=True).log()
        picked = logp.gather(1, targets) if use_gather else (logp * onehot).sum(1)
        return -picked.mean()

    described = ("log_softmax" if use_log_softmax else "logits - exp().sum(1).log()") + ", " + (
        "gather" if use_gather else "one-hot multiply-sum")
    return loss, described


def mlp_step(lib, loss, x, params, targets, onehot):
    """Forward and backward of the MLP into fresh .grad tensors, as a training step does."""
    for p in params:
        p.grad = None
    h = x
    for i in range(0, len(params), 2):
        h = h @ params[i] + params[i + 1]
        if i + 2 < len(params):
            h = h.relu()
    loss(lib, h, targets, onehot).backward()


def mlp_inputs(lib, arrays):
    x, targets, onehot, *weights = arrays
    params = [lib.tensor(w, requires_grad=True) for w in weights]
    return lib.tensor(x), params, lib.tensor(targets), lib.tensor(onehot)


def check_close(name, ours, theirs, rtol, atol):
    np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=rtol, atol=atol,
                               err_msg=f"{name}: chainrule and PyTorch disagree")


def main():
    args = parse_args()
    cr, torch = chainrule_and_torch(args.threads, required_by="bench_autograd.py")
    print()
    rng = np.random.default_rng(0)
    rows = []

    def compare(name, fns):
        times = interleaved_medians(fns, repeat=args.repeat)
        rows.append([name, f"{times['chainrule'] * 1e6:.1f}", f"{times['torch'] * 1e6:.1f}",
                     f"{times['chainrule'] / times['torch']:.2f}x"])

    # (a) and (b): 16-element tensors.
    a_np, b_np = rng.standard_normal(16).astype(np.float32), rng.standard_normal(16).astype(np.float32)
    small = {lib: [lib.tensor(v, requires_grad=True) for v in (a_np, b_np)] for lib in (cr, torch)}
    check_close("a + b", (small[cr][0] + small[cr][1]).detach().numpy(), a_np + b_np, 1e-6, 1e-6)
    for lib in (cr, torch):
        (small[lib][0] * small[lib][1]).sum().backward()
    check_close("(a*b).sum() grad", small[cr][0].grad.numpy(), small[torch][0].grad.numpy(), 1e-6, 1e-6)
    compare("(a) a + b, 16 elements", {lib.__name__: (lambda s=small[lib]: s[0] + s[1]) for lib in (cr, torch)})
    compare("(b) (a*b).sum().backward(), 16 el.",
            {lib.__name__: (lambda s=small[lib]: (s[0] * s[1]).sum().backward()) for lib in (cr, torch)})

    # (c): the MLP, gradients validated first.
    loss, described = loss_builder(cr)
    targets = rng.integers(0, LAYERS[-1], size=(BATCH, 1))
    onehot = np.eye(LAYERS[-1], dtype=np.float32)[targets[:, 0]]
    weights = []
    for fan_in, fan_out in zip(LAYERS, LAYERS[1:]):
        weights += [(rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)).astype(np.float32),
                    np.zeros(fan_out, np.float32)]
    arrays = [rng.standard_normal((BATCH, LAYERS[0])).astype(np.float32), targets, onehot] + weights
    mlp = {lib: mlp_inputs(lib, arrays) for lib in (cr, torch)}
    for lib in (cr, torch):
        mlp_step(lib, loss, *mlp[lib][:2], *mlp[lib][2:])
    for i, (ours, theirs) in enumerate(zip(mlp[cr][1], mlp[torch][1])):
        check_close(f"MLP parameter {i} gradient", ours.grad.numpy(), theirs.grad.numpy(), 1e-3, 1e-5)
    compare(f"(c) MLP {'-'.join(map(str, LAYERS))}, batch {BATCH}, fwd+bwd",
            {lib.__name__: (lambda lib=lib: mlp_step(lib, loss, *mlp[lib][:2], *mlp[lib][2:])) for lib in (cr, torch)})

    print(f"MLP loss: {described}; gradients checked against PyTorch before timing.\n")
    print(format_table(["case", "chainrule us", "PyTorch us", "chainrule/PyTorch"], rows))


if __name__ == "__main__":
    main()
