"""CNN layer benchmarks: chainrule against PyTorch with oneDNN and PyTorch's own im2col path.

    PYTHONPATH=python python3 bench/bench_conv.py [--threads N] [--repeat R] [--only A,B]
    PYTHONPATH=python python3 bench/bench_conv.py --device cuda    # against PyTorch on the same GPU

Each row times one layer forward alone and forward + backward (every float input requiring grad),
float32, for chainrule, PyTorch (oneDNN, its default on CPU) and PyTorch with
torch.backends.mkldnn.flags(enabled=False) (its im2col + GEMM "slow_conv2d" path). Results are
checked against PyTorch before timing. Prints median milliseconds of interleaved rounds, the
ratios chainrule / each PyTorch, and chainrule's GFLOP/s. GFLOP/s counts a direct convolution's
multiply-adds; where chainrule runs Winograd (B, C: fewer multiplies) it is an effective rate.

A layer is a `Case`: how to build its inputs, the chainrule and torch functions, and its FLOP
count. Rows A-D, G (depthwise) and H (a 1x1 output: a fully connected layer) are convolutions; E (max-pool) and F (batch-norm in training mode) are
memory-bound layers, timed the same way (torch-im2col is then just PyTorch without oneDNN).

With --device cuda every contender runs on the GPU, each timing waits for it (cuda.synchronize), and
the two PyTorch columns are cuDNN (its default) and torch.backends.cudnn.flags(enabled=False) (its
own im2col + cuBLAS kernels). A layer chainrule cannot yet run on the GPU is listed as not run.
"""
import os
import sys
import warnings
from dataclasses import dataclass
from typing import Callable

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (add_device_argument, bench_arguments, chainrule_and_torch, device_synchronizers,  # noqa: E402
                    format_table, interleaved_medians)


@dataclass
class Case:
    name: str
    shapes: list          # shapes of the float inputs, all requiring grad for the backward timing
    ours: Callable        # (F, *tensors) -> output, F = chainrule.nn.functional
    theirs: Callable      # (TF, *tensors) -> output, TF = torch.nn.functional
    flops: float          # forward multiply-adds * 2; backward counts twice the forward


def conv_case(label, n, c, h, w, k, kernel, stride, pad, groups=1):
    def fn(F, x, weight, bias):
        return F.conv2d(x, weight, bias, stride=stride, padding=pad, groups=groups)
    oh, ow = (h + 2 * pad - kernel) // stride + 1, (w + 2 * pad - kernel) // stride + 1
    cg = c // groups
    grouped = f" g{groups}" if groups > 1 else ""
    return Case(f"{label} conv {n},{c},{h},{w}->{k} {kernel}x{kernel} s{stride} p{pad}{grouped}",
                [(n, c, h, w), (k, cg, kernel, kernel), (k,)], fn, fn, 2.0 * n * k * oh * ow * cg * kernel * kernel)


CONV = [
    conv_case("A", 64, 1, 28, 28, 32, 3, 1, 1),
    conv_case("B", 32, 64, 32, 32, 64, 3, 1, 1),
    conv_case("C", 16, 128, 16, 16, 128, 3, 1, 1),
    conv_case("D", 8, 3, 224, 224, 64, 7, 2, 3),
    conv_case("G", 32, 64, 32, 32, 64, 3, 1, 1, groups=64),  # depthwise (MobileNet)
    conv_case("H", 64, 128, 4, 4, 1, 4, 1, 0),  # the kernel covers the input: a DCGAN critic's last layer
]


def max_pool(F, x):
    return F.max_pool2d(x, 2)


def batch_norm_training(F, x, weight, bias):
    return F.batch_norm(x, None, None, weight, bias, training=True)


OTHER = [  # memory-bound layers: no FLOP count, so no GFLOP/s
    Case("E max_pool2d 32,64,32,32 2x2", [(32, 64, 32, 32)], max_pool, max_pool, 0.0),
    Case("F batch_norm 32,64,32,32 train", [(32, 64, 32, 32), (64,), (64,)], batch_norm_training,
         batch_norm_training, 0.0),
]
LAYERS = CONV + OTHER


def parse_args():
    p = bench_arguments(__doc__, repeat=5)
    p.add_argument("--settle", type=float, default=0.1, help="idle seconds before each timing")
    p.add_argument("--only", default=None, help="comma-separated case labels to run (e.g. A,C)")
    add_device_argument(p)
    return p.parse_args()


def without_vendor_library(torch, device):
    """PyTorch's context that turns off its vendor library on `device` (oneDNN on the CPU, cuDNN on a GPU),
    leaving its own im2col + GEMM path (on a GPU in full float32: the flags' default would allow TF32)."""
    if device == "cuda":
        return torch.backends.cudnn.flags(enabled=False, allow_tf32=False)
    return torch.backends.mkldnn.flags(enabled=False)


def contenders(case, cr, F, torch, arrays, backward, device):
    """name -> zero-argument callable running the case once (forward, or forward + backward) on `device`."""
    ours = [cr.tensor(a, requires_grad=backward, device=device) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=backward, device=device) for a in arrays]
    tf = torch.nn.functional

    def run_ours():
        out = case.ours(F, *ours)
        if backward:
            out.sum().backward()
        return out

    def run_theirs():
        out = case.theirs(tf, *theirs)
        if backward:
            out.sum().backward()
        return out

    def run_theirs_im2col():
        with without_vendor_library(torch, device):
            return run_theirs()

    if not backward:
        nograd = torch.no_grad
        return {"chainrule": run_ours,
                "torch": lambda: nograd()(run_theirs)(),
                "torch-im2col": lambda: nograd()(run_theirs_im2col)()}
    return {"chainrule": run_ours, "torch": run_theirs, "torch-im2col": run_theirs_im2col}


def check(case, cr, F, torch, arrays, device):
    import numpy as np
    got = case.ours(F, *[cr.tensor(a, device=device) for a in arrays]).cpu().numpy()
    want = case.theirs(torch.nn.functional, *[torch.tensor(a, device=device) for a in arrays]).cpu().numpy()
    if got.shape != want.shape or not np.allclose(got, want, rtol=1e-3, atol=1e-3):
        sys.exit(f"bench_conv: chainrule gives a wrong result for {case.name}")


def time_pass(case, cr, F, torch, arrays, backward, args, syncs):
    """The table row of one pass (forward, or forward + backward) of `case`: median ms, ratios, GFLOP/s."""
    seconds = interleaved_medians(contenders(case, cr, F, torch, arrays, backward, args.device),
                                  repeat=args.repeat, target_s=0.1, settle_s=args.settle, syncs=syncs)
    flops = case.flops * (3 if backward else 1)
    ms = {name: t * 1e3 for name, t in seconds.items()}
    return [case.name, "fwd+bwd" if backward else "fwd", f"{ms['chainrule']:.2f}", f"{ms['torch']:.2f}",
            f"{ms['torch-im2col']:.2f}", f"{ms['chainrule'] / ms['torch']:.2f}x",
            f"{ms['chainrule'] / ms['torch-im2col']:.2f}x", f"{flops / seconds['chainrule'] / 1e9:.1f}" if flops else "-"]


def main():
    args = parse_args()
    import numpy as np
    import chainrule.nn.functional as F

    warnings.filterwarnings("ignore", message="TF32 acceleration")  # printed by mkldnn.flags() on CPU builds
    cr, torch = chainrule_and_torch(args.threads, required_by="bench_conv.py")
    syncs = device_synchronizers(cr, torch, args.device, "bench_conv.py")
    if syncs:
        syncs["torch-im2col"] = syncs["torch"]
    print(f"load average {os.getloadavg()[0]:.1f}")

    cases = [c for c in LAYERS if args.only is None or c.name.split()[0] in args.only.split(",")]
    rng = np.random.default_rng(0)
    rows, not_run = [], []
    for case in cases:
        arrays = [rng.standard_normal(s).astype(np.float32) for s in case.shapes]
        try:
            check(case, cr, F, torch, arrays, args.device)
            for backward in (False, True):
                rows.append(time_pass(case, cr, F, torch, arrays, backward, args, syncs))
                print("  ".join(rows[-1]), file=sys.stderr, flush=True)  # progress
        except RuntimeError as error:  # on a GPU: a layer without a GPU kernel yet
            if args.device == "cpu":
                raise
            not_run.append(f"{case.name}: not run on {args.device}: {str(error).splitlines()[0]}")
    print()
    print(f"float32 on {args.device}, median ms of {args.repeat} interleaved rounds "
          f"(load average now {os.getloadavg()[0]:.1f})")
    print(format_table(["case", "pass", "chainrule", "torch", "torch-im2col", "cr/torch", "cr/im2col", "cr GFLOP/s"],
                       rows))
    for line in not_run:
        print(line)


if __name__ == "__main__":
    main()
