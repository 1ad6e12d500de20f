"""float32 matmul throughput of chainrule against NumPy and PyTorch (when importable).

    PYTHONPATH=python python3 bench/bench_matmul.py [--threads N] [--repeat R] [--quick]

Every result is checked against NumPy before it is timed, so a fast wrong kernel cannot look good.
Prints GFLOP/s (medians of interleaved rounds) and the ratios chainrule/NumPy and chainrule/PyTorch.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import bench_arguments, format_table, interleaved_medians, try_import_torch  # noqa: E402

SQUARE = [128, 256, 512, 1024, 2048]
BATCHED = [  # (A shape, B shape)
    ((64, 128, 128), (64, 128, 128)),
    ((32, 256, 64), (32, 64, 256)),
    ((512, 32, 32), (512, 32, 32)),
    ((8, 128, 256), (256, 256)),  # batch on one side: a single tall gemm
]


def parse_args():
    p = bench_arguments(__doc__)
    p.add_argument("--settle", type=float, default=0.2,
                   help="seconds of idle before each timing, so other libraries' spinning threads sleep")
    p.add_argument("--quick", action="store_true", help="sizes up to 512 only")
    return p.parse_args()


def flops(a_shape, b_shape):
    """2*M*N*K per product, times the broadcast batch."""
    batch = 1
    for d in (a_shape[:-2] if len(a_shape) > len(b_shape) else b_shape[:-2]):
        batch *= d
    return 2.0 * batch * a_shape[-2] * a_shape[-1] * b_shape[-1]


def main():
    args = parse_args()
    if args.threads is not None:  # NumPy's OpenBLAS reads this when it loads
        os.environ["OPENBLAS_NUM_THREADS"] = str(args.threads)
    import numpy as np
    import chainrule as cr

    if args.threads is not None:
        cr.set_num_threads(args.threads)
    torch = try_import_torch(cr.get_num_threads())

    blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    print(f"chainrule threads: {cr.get_num_threads()}; BLAS: {cr._C._blas_info()}")
    print(f"NumPy {np.__version__}: {blas.get('name')} {blas.get('version')}, "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset (all cores)')}")
    print(f"PyTorch: {torch.__version__ + f', {torch.get_num_threads()} threads' if torch else 'not installed'}")
    print()

    cases = [((n, n), (n, n)) for n in SQUARE if not (args.quick and n > 512)] + BATCHED
    rng = np.random.default_rng(0)
    rows = []
    for a_shape, b_shape in cases:
        a_np = rng.uniform(-1, 1, a_shape).astype(np.float32)
        b_np = rng.uniform(-1, 1, b_shape).astype(np.float32)
        a_cr, b_cr = cr.from_numpy(a_np), cr.from_numpy(b_np)
        fns = {"numpy": lambda: a_np @ b_np, "chainrule": lambda: a_cr @ b_cr}
        if torch is not None:
            a_t, b_t = torch.from_numpy(a_np), torch.from_numpy(b_np)
            fns["torch"] = lambda: a_t @ b_t

        want = fns["numpy"]()
        atol = 1e-5 * a_shape[-1]
        for name, fn in fns.items():  # validate before timing
            got = np.asarray(fn())
            if got.shape != want.shape or not np.allclose(got, want, rtol=1e-4, atol=atol):
                sys.exit(f"bench_matmul: {name} gives a wrong result for {a_shape} @ {b_shape}")

        seconds = interleaved_medians(fns, repeat=args.repeat, settle_s=args.settle)
        gflops = {name: flops(a_shape, b_shape) / t / 1e9 for name, t in seconds.items()}
        label = f"{a_shape} @ {b_shape}".replace(" ", "")
        row = [label, f"{gflops['chainrule']:.1f}", f"{gflops['numpy']:.1f}",
               f"{gflops['torch']:.1f}" if torch else "-", f"{gflops['chainrule'] / gflops['numpy']:.2f}x",
               f"{gflops['chainrule'] / gflops['torch']:.2f}x" if torch else "-"]
        rows.append(row)
        print("  ".join(row), file=sys.stderr, flush=True)  # progress

    print()
    print("float32 matmul, GFLOP/s (median of interleaved rounds)")
    print(format_table(["case", "chainrule", "numpy", "torch", "cr/np", "cr/torch"], rows))


if __name__ == "__main__":
    main()
