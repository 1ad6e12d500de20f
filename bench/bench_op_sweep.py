"""Sweep of common ops, forward and forward + backward: chainrule against PyTorch, worst ratio first.

    PYTHONPATH=python python3 bench/bench_op_sweep.py [--repeat R] [--threads N] [--busy N] [--only gelu,norm]

Each case builds the same float32 inputs (NumPy, one seed) in both libraries, checks that the
forward outputs agree (rtol 1e-3; dropout is only checked for its shape), then times the forward
under no_grad and forward + backward (backward of ones), in alternating rounds so that background
load hits both libraries alike. The table is sorted by the larger of the two ratios
(chainrule / PyTorch), so the ops most worth a look come first. Stop 23 found half a dozen slow
paths with it (bench/README.md, "Elementwise ops and reductions").
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import bench_arguments, format_table, interleaved_medians, try_import_torch  # noqa: E402

import chainrule as cr  # noqa: E402

RNG = np.random.default_rng(0)


def normal(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def indices(high, *shape):
    return RNG.integers(0, high, shape)


def F(lib):
    return lib.nn.functional


# name -> (float inputs, int inputs, fn(lib, *float tensors, *int tensors)); the float inputs require grad
CASES = {
    "linear": ([normal(256, 512), normal(1024, 512), normal(1024)], [], lambda L, x, w, b: F(L).linear(x, w, b)),
    "bmm": ([normal(64, 128, 64), normal(64, 64, 128)], [], lambda L, a, b: L.bmm(a, b)),
    "layer_norm": ([normal(64, 128, 512), normal(512), normal(512)], [],
                   lambda L, x, w, b: F(L).layer_norm(x, (512,), w, b)),
    "batch_norm2d": ([normal(32, 64, 32, 32), normal(64), normal(64)], [],
                     lambda L, x, w, b: F(L).batch_norm(x, None, None, w, b, training=True)),
    "group_norm": ([normal(32, 64, 32, 32), normal(64), normal(64)], [], lambda L, x, w, b: F(L).group_norm(x, 8, w, b)),
    "softmax": ([normal(64, 8, 128, 128)], [], lambda L, x: L.softmax(x, -1)),
    "log_softmax": ([normal(4096, 1000)], [], lambda L, x: L.log_softmax(x, -1)),
    "cross_entropy": ([normal(4096, 1000)], [indices(1000, 4096)], lambda L, x, t: F(L).cross_entropy(x, t)),
    "mse_loss": ([normal(4096, 1024), normal(4096, 1024)], [], lambda L, a, b: F(L).mse_loss(a, b)),
    "conv2d 3x3": ([normal(32, 64, 32, 32), normal(64, 64, 3, 3)], [], lambda L, x, w: F(L).conv2d(x, w, padding=1)),
    "conv2d 1x1": ([normal(32, 64, 32, 32), normal(128, 64, 1, 1)], [], lambda L, x, w: F(L).conv2d(x, w)),
    "conv2d 7x7 s2": ([normal(16, 3, 112, 112), normal(64, 3, 7, 7)], [],
                      lambda L, x, w: F(L).conv2d(x, w, stride=2, padding=3)),
    "depthwise 3x3": ([normal(32, 128, 32, 32), normal(128, 1, 3, 3)], [],
                      lambda L, x, w: F(L).conv2d(x, w, padding=1, groups=128)),
    "conv1d": ([normal(32, 64, 512), normal(64, 64, 5)], [], lambda L, x, w: F(L).conv1d(x, w, padding=2)),
    "conv_transpose2d": ([normal(16, 64, 16, 16), normal(64, 32, 4, 4)], [],
                         lambda L, x, w: F(L).conv_transpose2d(x, w, stride=2, padding=1)),
    "max_pool2d": ([normal(32, 64, 32, 32)], [], lambda L, x: F(L).max_pool2d(x, 2)),
    "avg_pool2d": ([normal(32, 64, 32, 32)], [], lambda L, x: F(L).avg_pool2d(x, 2)),
    "adaptive_avg_pool2d(1)": ([normal(32, 256, 14, 14)], [], lambda L, x: F(L).adaptive_avg_pool2d(x, 1)),
    "interpolate bilinear": ([normal(16, 64, 32, 32)], [],
                             lambda L, x: F(L).interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)),
    "sdpa causal": ([normal(8, 8, 256, 64), normal(8, 8, 256, 64), normal(8, 8, 256, 64)], [],
                    lambda L, q, k, v: F(L).scaled_dot_product_attention(q, k, v, is_causal=True)),
    "embedding": ([normal(50000, 256)], [indices(50000, 64, 128)], lambda L, w, i: F(L).embedding(i, w)),
    "dropout": ([normal(4096, 1024)], [], lambda L, x: F(L).dropout(x, 0.1)),
    "cat": ([normal(64, 256, 128), normal(64, 256, 128)], [], lambda L, a, b: L.cat([a, b], 1)),
    "transpose(1,2).contiguous": ([normal(64, 256, 128)], [], lambda L, a: a.transpose(1, 2).contiguous()),
    "sum(dim=1)": ([normal(64, 256, 128)], [], lambda L, a: a.sum(1)),
    "mean((0, 2))": ([normal(64, 256, 128)], [], lambda L, a: a.mean((0, 2))),
    "var(dim=1)": ([normal(64, 256, 128)], [], lambda L, a: a.var(1)),
    "norm(dim=-1)": ([normal(64, 256, 128)], [], lambda L, a: a.norm(dim=-1)),
    "cumsum": ([normal(256, 4096)], [], lambda L, a: a.cumsum(1)),
    "max(dim=1)": ([normal(256, 4096)], [], lambda L, a: a.max(1).values),
    "topk": ([normal(256, 4096)], [], lambda L, a: a.topk(10, 1).values),
    "gather": ([normal(256, 4096)], [indices(4096, 256, 512)], lambda L, a, i: a.gather(1, i)),
    "masked_fill": ([normal(64, 8, 128, 128)], [indices(2, 128, 128)], lambda L, a, m: a.masked_fill(m > 0, -1e9)),
    "where": ([normal(4096, 1024), normal(4096, 1024)], [], lambda L, a, b: L.where(a > 0, a, b)),
    "pow(2)": ([normal(4096, 1024)], [], lambda L, a: a.pow(2)),
    "erf": ([normal(4096, 1024)], [], lambda L, a: a.erf()),  # hand-written gelu: 0.5 x (1 + erf(x / sqrt 2))
    "erfinv": ([normal(1024, 1024)], [], lambda L, a: a.tanh().erfinv()),  # trunc_normal_'s step
    "rms_norm by hand": ([normal(64, 128, 512), normal(512)], [],
                         lambda L, x, w: x * L.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6) * w),
    "gelu": ([normal(4096, 1024)], [], lambda L, a: F(L).gelu(a)),
    "gelu tanh": ([normal(4096, 1024)], [], lambda L, a: F(L).gelu(a, approximate="tanh")),
    "silu": ([normal(4096, 1024)], [], lambda L, a: F(L).silu(a)),
    "elu": ([normal(4096, 1024)], [], lambda L, a: F(L).elu(a)),
    "softplus": ([normal(4096, 1024)], [], lambda L, a: F(L).softplus(a)),
    "mul broadcast": ([normal(64, 256, 128), normal(256, 1)], [], lambda L, a, b: a * b),
}


def as_tensors(lib, floats, ints):
    return [lib.tensor(a, requires_grad=True) for a in floats] + [lib.tensor(i) for i in ints]


def check_same(name, ours, theirs):
    ours, theirs = ours.detach().numpy(), theirs.detach().numpy()
    assert ours.shape == theirs.shape, f"{name}: shape {ours.shape} against PyTorch's {theirs.shape}"
    if name != "dropout":
        np.testing.assert_allclose(ours, theirs, rtol=1e-3, atol=1e-3, err_msg=name)


def forward_and_backward(lib, fn, args):
    def run():
        out = fn(lib, *args)
        out.backward(lib.ones_like(out))
    return run


def forward_only(lib, fn, args):
    def run():
        with lib.no_grad():
            fn(lib, *args)
    return run


def main():
    parser = bench_arguments(__doc__, repeat=7)
    parser.add_argument("--only", default="", help="comma-separated parts of case names to run")
    args = parser.parse_args()
    torch = try_import_torch(args.threads)
    if torch is None:
        raise SystemExit("bench_op_sweep: PyTorch is needed (pip install torch==2.13.0)")
    if args.threads is not None:
        cr.set_num_threads(args.threads)
    rows = []
    for name, (floats, ints, fn) in CASES.items():
        if args.only and not any(part in name for part in args.only.split(",")):
            continue
        ours, theirs = as_tensors(cr, floats, ints), as_tensors(torch, floats, ints)
        check_same(name, fn(cr, *ours), fn(torch, *theirs))
        forward = interleaved_medians({"cr": forward_only(cr, fn, ours), "torch": forward_only(torch, fn, theirs)},
                                      repeat=args.repeat)
        both = interleaved_medians({"cr": forward_and_backward(cr, fn, ours),
                                    "torch": forward_and_backward(torch, fn, theirs)}, repeat=args.repeat)
        rows.append((name, forward, both))
    rows.sort(key=lambda r: -max(r[1]["cr"] / r[1]["torch"], r[2]["cr"] / r[2]["torch"]))
    print(f"chainrule threads: {cr.get_num_threads()}; PyTorch {torch.__version__}, {torch.get_num_threads()} threads")
    table = [[name, f"{1e3 * f['cr']:.2f}", f"{1e3 * f['torch']:.2f}", f"{f['cr'] / f['torch']:.2f}x",
              f"{1e3 * b['cr']:.2f}", f"{1e3 * b['torch']:.2f}", f"{b['cr'] / b['torch']:.2f}x"] for name, f, b in rows]
    print(format_table(["op", "fwd cr ms", "fwd torch ms", "fwd ratio", "fwd+bwd cr ms", "fwd+bwd torch ms",
                        "fwd+bwd ratio"], table))


if __name__ == "__main__":
    main()
