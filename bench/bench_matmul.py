"""float32 matmul throughput of chainrule against NumPy and PyTorch (when importable).

    PYTHONPATH=python python3 bench/bench_matmul.py [--threads N] [--repeat R] [--quick]
    PYTHONPATH=python python3 bench/bench_matmul.py --device cuda    # against PyTorch on the same GPU

Every result is checked against NumPy before it is timed, so a fast wrong kernel cannot look good.
Prints GFLOP/s (medians of interleaved rounds) and the ratios chainrule/NumPy and chainrule/PyTorch.
With --device cuda both libraries multiply on the GPU (NumPy only checks), the square sizes go up to
4096, each timing waits for the GPU (cuda.synchronize), and the lowest chainrule/PyTorch ratio at
n >= 2048 is printed against issue 16's target (at least 0.9x).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (add_device_argument, bench_arguments, device_synchronizers, format_table,  # noqa: E402
                    interleaved_medians, try_import_torch)

SQUARE = [128, 256, 512, 1024, 2048]
SQUARE_GPU = SQUARE + [4096]
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
    add_device_argument(p)
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
    syncs = device_synchronizers(cr, torch, args.device, "bench_matmul.py")
    device = args.device

    blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    print(f"chainrule threads: {cr.get_num_threads()}; BLAS: {cr._C._blas_info()}")
    print(f"NumPy {np.__version__}: {blas.get('name')} {blas.get('version')}, "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset (all cores)')}")
    print(f"PyTorch: {torch.__version__ + f', {torch.get_num_threads()} threads' if torch else 'not installed'}")
    print()

    square = SQUARE_GPU if device == "cuda" else SQUARE
    cases = [((n, n), (n, n)) for n in square if not (args.quick and n > 512)] + BATCHED
    rng = np.random.default_rng(0)
    rows, large_ratios = [], []
    for a_shape, b_shape in cases:
        a_np = rng.uniform(-1, 1, a_shape).astype(np.float32)
        b_np = rng.uniform(-1, 1, b_shape).astype(np.float32)
        a_cr, b_cr = cr.from_numpy(a_np).to(device), cr.from_numpy(b_np).to(device)
        fns = {"numpy": lambda: a_np @ b_np} if device == "cpu" else {}  # on a GPU NumPy only checks
        fns["chainrule"] = lambda: a_cr @ b_cr
        if torch is not None:
            a_t, b_t = torch.from_numpy(a_np).to(device), torch.from_numpy(b_np).to(device)
            fns["torch"] = lambda: a_t @ b_t

        want = a_np @ b_np
        atol = 1e-5 * a_shape[-1]
        for name, fn in fns.items():  # validate before timing
            got = fn()
            got = got if isinstance(got, np.ndarray) else got.cpu().numpy()
            if got.shape != want.shape or not np.allclose(got, want, rtol=1e-4, atol=atol):
                sys.exit(f"bench_matmul: {name} gives a wrong result for {a_shape} @ {b_shape}")

        seconds = interleaved_medians(fns, repeat=args.repeat, settle_s=args.settle, syncs=syncs)
        gflops = {name: flops(a_shape, b_shape) / t / 1e9 for name, t in seconds.items()}
        rate = lambda name: f"{gflops[name]:.1f}" if name in gflops else "-"  # "-": not timed (absent, or CPU-only)
        ratio = lambda name: f"{gflops['chainrule'] / gflops[name]:.2f}x" if name in gflops else "-"
        label = f"{a_shape} @ {b_shape}".replace(" ", "")
        row = [label, rate("chainrule"), rate("numpy"), rate("torch"), ratio("numpy"), ratio("torch")]
        rows.append(row)
        if device == "cuda" and a_shape == b_shape and a_shape[0] >= 2048:
            large_ratios.append(gflops["chainrule"] / gflops["torch"])
        print("  ".join(row), file=sys.stderr, flush=True)  # progress

    print()
    print(f"float32 matmul on {device}, GFLOP/s (median of interleaved rounds)")
    print(format_table(["case", "chainrule", "numpy", "torch", "cr/np", "cr/torch"], rows))
    if large_ratios:
        print(f"sgemm at n >= 2048: chainrule at least {min(large_ratios):.2f}x PyTorch's throughput "
              "(issue 16's target: 0.90x)")


if __name__ == "__main__":
    main()
