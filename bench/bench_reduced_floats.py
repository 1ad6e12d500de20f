"""16-bit floats: chainrule's float16 and bfloat16 ops against its float32 ones and PyTorch's, in one run.

chainrule computes a 16-bit op in float32 and rounds its result once. Elementwise ops and activations
read and write the 16-bit elements in one pass (cpu/elementwise.h); the others run on float32 copies
(cpp/ops/float32_staging.h) and cost float32's time plus the conversions. The last row is a training
step of a small MLP in an autocast('cpu') region of that dtype (float32: no region). Per op and dtype:
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

    def autocast_step(dtype):
        rng = np.random.default_rng(0)
        model = m.nn.Sequential(m.nn.Linear(512, 1024), m.nn.GELU(), m.nn.Linear(1024, 512))
        with m.no_grad():  # the same weights in both libraries
            for p in model.parameters():
                p.copy_(m.from_numpy(rng.standard_normal(tuple(p.shape)).astype(np.float32) * 0.03))
        x = m.from_numpy(rng.standard_normal((256, 512)).astype(np.float32))
        target = m.from_numpy(rng.standard_normal((256, 512)).astype(np.float32))

        def step():
            with m.autocast("cpu", dtype=getattr(m, dtype), enabled=dtype != "float32"):
                loss = m.nn.functional.mse_loss(x + model(x), target)
            model.zero_grad()
            loss.backward()
            return loss.detach()

        return step

    return [
        ("to(dtype) 1000x1000", lambda dtype: (lambda x: lambda: x.to(getattr(m, dtype)))(randn(1000, 1000)("float32"))),
        ("add 1000x1000", binary((1000, 1000), (1000, 1000), lambda a, b: a + b)),
        ("mul by number 1000x1000", unary((1000, 1000), lambda a: a * 0.5)),
        ("exp 1000x1000", unary((1000, 1000), lambda a: a.exp())),
        ("gelu 1000x1000", unary((1000, 1000), lambda a: m.nn.functional.gelu(a))),
        ("sum 1000x1000", unary((1000, 1000), lambda a: a.sum())),
        ("softmax 256x1024", unary((256, 1024), lambda a: a.softmax(-1))),
        ("matmul 512", binary((512, 512), (512, 512), lambda a, b: a @ b)),
        ("conv2d 16x32x32x32 k3", binary((16, 32, 32, 32), (32, 32, 3, 3),
                                         lambda x, w: m.nn.functional.conv2d(x, w, padding=1))),
        ("autocast MLP step 256x512", autocast_step),
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
