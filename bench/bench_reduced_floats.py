"""16-bit floats: chainrule's float16 and bfloat16 ops against its float32 ones and PyTorch's, in one run.

chainrule computes a 16-bit op in float32 and rounds its result once (cpp/ops/float32_staging.h), so
a 16-bit op costs float32's time plus the conversions of its operands and result. Per op and dtype:
milliseconds (medians) for chainrule and PyTorch, and the ratio chainrule / PyTorch (below 1 means
chainrule is faster). Each chainrule result is checked against PyTorch's before it is timed.

    PYTHONPATH=python python3 bench/bench_reduced_floats.py [--threads N] [--repeat R] [--busy N]
"""
import sys

import numpy as np

import chainrule as cr
from common import bench_arguments, median_time, try_import_torch

DTYPES = ["float32", "float16", "bfloat16"]


def cases(m):
    """(name, make(dtype) -> a zero-argument call) for library m (chainrule or torch)."""
    def randn(*shape):
        return lambda dtype: m.from_numpy(np.random.default_rng(0).standard_normal(shape).astype(np.float32)).to(
            getattr(m, dtype))

    def unary(shape, fn):
        return lambda dtype: (lambda x: lambda: fn(x))(randn(*shape)(dtype))

    def binary(a_shape, b_shape, fn):
        return lambda dtype: (lambda a, b: lambda: fn(a, b))(randn(*a_shape)(dtype), randn(*b_shape)(dtype))

    return [
        ("to(dtype) 1000x1000", lambda dtype: (lambda x: lambda: x.to(getattr(m, dtype)))(randn(1000, 1000)("float32"))),
        ("add 1000x1000", binary((1000, 1000), (1000, 1000), lambda a, b: a + b)),
        ("exp 1000x1000", unary((1000, 1000), lambda a: a.exp())),
        ("sum 1000x1000", unary((1000, 1000), lambda a: a.sum())),
        ("softmax 256x1024", unary((256, 1024), lambda a: a.softmax(-1))),
        ("matmul 512", binary((512, 512), (512, 512), lambda a, b: a @ b)),
        ("conv2d 16x32x32x32 k3", binary((16, 32, 32, 32), (32, 32, 3, 3),
                                         lambda x, w: m.nn.functional.conv2d(x, w, padding=1))),
    ]


def main():
    args = bench_arguments(__doc__).parse_args()
    torch = try_import_torch(args.threads)
    if torch is None:
        sys.exit("bench_reduced_floats: PyTorch is the reference here; pip install torch==2.13.0")
    if args.threads is not None:
        cr.set_num_threads(args.threads)
    print(f"{'op':24s} {'dtype':9s} {'chainrule ms':>12s} {'PyTorch ms':>11s} {'ratio':>7s}")
    for (name, ours), (_, theirs) in zip(cases(cr), cases(torch)):
        for dtype in DTYPES:
            ours_call, theirs_call = ours(dtype), theirs(dtype)
            got, want = ours_call(), theirs_call()
            scale = max(1.0, float(want.float().abs().max()))
            np.testing.assert_allclose(got.float().numpy(), want.float().numpy(), atol=0.05 * scale, rtol=0.05)
            t_ours = median_time(ours_call, repeat=args.repeat) * 1e3
            t_theirs = median_time(theirs_call, repeat=args.repeat) * 1e3
            print(f"{name:24s} {dtype:9s} {t_ours:12.3f} {t_theirs:11.3f} {t_ours / t_theirs:7.2f}")


if __name__ == "__main__":
    main()
