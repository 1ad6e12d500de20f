"""Integrated Gradients of chainrule.inspect against Captum on PyTorch.

    PYTHONPATH=python python3 bench/bench_inspect.py [--threads N] [--repeat R]

The digits CNN of examples/train_digits.py (chainrule's initial weights, loaded into the same network
built on torch.nn, both in eval mode), a batch of 32 test digits, their labels as targets:
IntegratedGradients.attribute with 50 Gauss-Legendre steps (Captum's defaults), all 1,600 path
points in one batch. A second row times the model's own part of it: one forward and one backward
of the 1,600 points with trainable parameters, as attribute runs it (the rest is the path's
construction and the weighted sum). A third row is the same pass with the parameters frozen: it
should cost the same, since autograd.grad computes only the gradients on a path to the points.
The two libraries' results are checked to agree first. Prints the median time per call
(interleaved rounds) and the ratio chainrule/PyTorch.
"""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, os.pardir, "examples"))
sys.path.insert(0, os.path.join(HERE, os.pardir, "tests"))
from common import bench_arguments, chainrule_and_torch, format_table, interleaved_medians  # noqa: E402

BATCH, STEPS = 32, 50


def parse_args():
    return bench_arguments(__doc__).parse_args()


def integrated_gradients_case(ig_class, lib, model, images, labels):
    ig = ig_class(model)
    return lambda: ig.attribute(images, target=labels, n_steps=STEPS)


def model_pass_case(lib, model, images, labels, trainable):
    """Forward and backward of BATCH * STEPS path points, the gradient w.r.t. the points only."""
    points = lib.cat([images * (k / STEPS) for k in range(1, STEPS + 1)]).detach().requires_grad_()
    targets = lib.cat([labels] * STEPS).reshape(-1, 1)

    def run():
        for p in model.parameters():
            p.requires_grad_(trainable)
        return lib.autograd.grad(model(points).gather(1, targets).sum(), points)[0]
    return run


def assert_agree(got, want, name):
    """Each example (or path point) agrees to float32 round-off, but for the odd one: a float32 point close
    to a ReLU's or max-pool's switch can fall on either side of it in the two libraries, and there the
    gradient jumps (see tests/test_inspect_attribution.py). At most 1% of them may differ more."""
    scale = np.abs(want).max()
    worst = np.abs(got - want).reshape(len(got), -1).max(1)
    assert (worst > 1e-4 * scale).mean() <= 0.01, f"{name}: {(worst > 1e-4 * scale).sum()} of {len(got)} differ"


def main():
    args = parse_args()
    cr, torch = chainrule_and_torch(args.threads, required_by="bench_inspect.py")
    try:
        from captum.attr import IntegratedGradients as CaptumIntegratedGradients
    except ImportError:
        sys.exit("bench_inspect.py compares against Captum: pip install captum==0.9.0")
    import train_digits
    from chainrule.datasets import Digits
    from chainrule.inspect import IntegratedGradients
    from torch_twins import on_torch

    cr.manual_seed(0)
    ours = train_digits.DigitsCNN().eval()
    theirs = on_torch(train_digits.DigitsCNN)().eval()
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()})
    images, labels = Digits(train=False).tensors()
    images, labels = images[:BATCH], labels[:BATCH]
    their_images, their_labels = torch.from_numpy(images.numpy().copy()), torch.from_numpy(labels.numpy().copy())

    cases = [(f"IntegratedGradients.attribute, {STEPS} Gauss-Legendre steps, batch {BATCH}",
              integrated_gradients_case(IntegratedGradients, cr, ours, images, labels),
              integrated_gradients_case(CaptumIntegratedGradients, torch, theirs, their_images, their_labels)),
             (f"  of which: the model's forward + backward on {BATCH * STEPS} path points",
              model_pass_case(cr, ours, images, labels, trainable=True),
              model_pass_case(torch, theirs, their_images, their_labels, trainable=True)),
             ("  the same pass with the parameters frozen",
              model_pass_case(cr, ours, images, labels, trainable=False),
              model_pass_case(torch, theirs, their_images, their_labels, trainable=False))]
    rows = []
    for name, run_ours, run_theirs in cases:
        assert_agree(run_ours().numpy(), run_theirs().detach().numpy(), name)
        t = interleaved_medians({"chainrule": run_ours, "torch": run_theirs}, repeat=args.repeat)
        rows.append([name, f"{t['chainrule'] * 1e3:.1f}", f"{t['torch'] * 1e3:.1f}", f"{t['chainrule'] / t['torch']:.2f}"])
    print(format_table(["case", "chainrule ms", "Captum/PyTorch ms", "ratio"], rows))


if __name__ == "__main__":
    main()
