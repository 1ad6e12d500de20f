"""Per-op benchmark: chainrule against NumPy and PyTorch (CPU) in one run.

(a) per-call overhead of `a + b` on 16-element float32 tensors (microseconds per call);
(b) throughput of elementwise ops (on contiguous and on transposed operands) and reductions on
(1000, 1000) and (4096, 1024) float32 tensors.
Every chainrule result is checked against NumPy before it is timed. Ops missing from the current
build print "n/a (not built)". Ratios are chainrule time / NumPy time and chainrule / PyTorch
(below 1 means chainrule is faster).

    PYTHONPATH=python python3 bench/bench_ops.py [--quick] [--threads N]
"""
import argparse
import sys

import numpy as np

import chainrule as cr
from common import median_time, try_import_torch


# --- the ops: name -> (chainrule fn, NumPy fn, torch fn, bytes touched per element) -------------
def softmax_np(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def cr_softmax(x, dim):
    if hasattr(x, "softmax"):
        return x.softmax(dim)
    if hasattr(cr, "softmax"):
        return cr.softmax(x, dim)
    return cr.nn.functional.softmax(x, dim=dim)


def cr_max_dim(x, dim):
    out = x.max(dim=dim)
    return out[0] if isinstance(out, tuple) else out.values


def elementwise_ops(torch):
    """(name, chainrule, numpy, torch, arrays read + written per element)."""
    return [
        ("add", lambda a, b: a + b, lambda a, b: a + b, lambda a, b: a + b, 3),
        ("mul", lambda a, b: a * b, lambda a, b: a * b, lambda a, b: a * b, 3),
        ("a*2+1", lambda a, b: a * 2 + 1, lambda a, b: a * np.float32(2) + np.float32(1), lambda a, b: a * 2 + 1, 4),
        ("exp", lambda a, b: a.exp(), lambda a, b: np.exp(a), lambda a, b: a.exp(), 2),
        # transposed operands: the result keeps their layout (as PyTorch's and NumPy's do), one contiguous loop
        ("a.T*2", lambda a, b: a.t() * 2, lambda a, b: a.T * np.float32(2), lambda a, b: a.t() * 2, 2),
        ("a.T+b.T", lambda a, b: a.t() + b.t(), lambda a, b: a.T + b.T, lambda a, b: a.t() + b.t(), 3),
        # a transposing copy: tiled (cpu/transposed_copy.cpp)
        ("a.T.contiguous()", lambda a, b: a.t().contiguous(), lambda a, b: np.ascontiguousarray(a.T),
         lambda a, b: a.t().contiguous(), 2),
        ("tanh", lambda a, b: a.tanh(), lambda a, b: np.tanh(a), lambda a, b: a.tanh(), 2),
        ("sigmoid", lambda a, b: a.sigmoid(), lambda a, b: 1 / (1 + np.exp(-a)), lambda a, b: a.sigmoid(), 2),
        ("relu", lambda a, b: a.relu(), lambda a, b: np.maximum(a, np.float32(0)), lambda a, b: a.relu(), 2),
        ("maximum", lambda a, b: cr.maximum(a, b), np.maximum, lambda a, b: torch.maximum(a, b), 3),
        ("where", lambda a, b: cr.where(a > 0, a, b), lambda a, b: np.where(a > 0, a, b),
         lambda a, b: torch.where(a > 0, a, b), 4),
        ("sum", lambda a, b: a.sum(), lambda a, b: a.sum(), lambda a, b: a.sum(), 1),
        ("sum(dim=0)", lambda a, b: a.sum(dim=0), lambda a, b: a.sum(axis=0), lambda a, b: a.sum(dim=0), 1),
        ("sum(dim=1)", lambda a, b: a.sum(dim=1), lambda a, b: a.sum(axis=1), lambda a, b: a.sum(dim=1), 1),
        ("max(dim=1)", lambda a, b: cr_max_dim(a, 1), lambda a, b: a.max(axis=1), lambda a, b: a.max(dim=1).values, 1),
        ("mean", lambda a, b: a.mean(), lambda a, b: a.mean(), lambda a, b: a.mean(), 1),
        ("softmax(dim=1)", lambda a, b: cr_softmax(a, 1), lambda a, b: softmax_np(a, 1),
         lambda a, b: torch.softmax(a, 1), 2),
        # a mostly-false mask (0.6% true): what sparse graph code (pyGAT's adjacency) asks of nonzero
        ("nonzero(a>2.5)", lambda a, b: (a > 2.5).nonzero(), lambda a, b: np.argwhere(a > 2.5),
         lambda a, b: (a > 2.5).nonzero(), 1),
    ]


def check(got, want, name):
    got = np.asarray(got.numpy() if isinstance(got, cr.Tensor) else got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    if got.shape != want.shape or not np.allclose(got, want, rtol=1e-4, atol=1e-4 * max(1.0, np.abs(want).max())):
        raise AssertionError(f"{name}: chainrule result differs from NumPy")


def fmt_ratio(x):
    return "-" if x is None else f"{x:.2f}x"


def bench_overhead(torch, repeat, number):
    rows = []
    a_np, b_np = np.ones(16, np.float32), np.ones(16, np.float32)
    a, b = cr.from_numpy(a_np.copy()), cr.from_numpy(b_np.copy())
    rows.append(("chainrule", median_time(lambda: a + b, repeat, number)))
    rows.append(("numpy", median_time(lambda: a_np + b_np, repeat, number)))
    if torch is not None:
        ta, tb = torch.from_numpy(a_np.copy()), torch.from_numpy(b_np.copy())
        rows.append(("pytorch", median_time(lambda: ta + tb, repeat, number)))
    print("(a) per-call overhead of a + b, 16 float32 elements (median)")
    for lib, sec in rows:
        print(f"    {lib:<10} {sec * 1e6:7.2f} us/call")
    print()


def bench_throughput(torch, shape, repeat):
    rng = np.random.default_rng(0)
    a_np = rng.standard_normal(shape).astype(np.float32)
    b_np = rng.standard_normal(shape).astype(np.float32)
    a, b = cr.tensor(a_np), cr.tensor(b_np)
    ta, tb = (torch.from_numpy(a_np.copy()), torch.from_numpy(b_np.copy())) if torch is not None else (None, None)
    n = a_np.size
    print(f"(b) throughput on {shape} float32 ({n / 1e6:.2f} M elements); GB/s counts bytes read + written")
    print(f"    {'op':<15}{'chainrule':>22}{'numpy':>22}{'pytorch':>22}{'cr/np':>9}{'cr/torch':>10}")
    for name, f_cr, f_np, f_th, arrays in elementwise_ops(torch):
        t_np = median_time(lambda: f_np(a_np, b_np), repeat, 1)
        t_th = median_time(lambda: f_th(ta, tb), repeat, 1) if torch is not None else None
        try:
            check(f_cr(a, b), f_np(a_np, b_np), name)
        except (AttributeError, TypeError, NotImplementedError):
            t_cr = None
        else:
            t_cr = median_time(lambda: f_cr(a, b), repeat, 1)

        def cell(t):
            if t is None:
                return "n/a (not built)"
            return f"{t * 1e3:8.3f} ms {arrays * 4 * n / t / 1e9:5.1f} GB/s"

        print(f"    {name:<15}{cell(t_cr):>22}{cell(t_np):>22}{cell(t_th) if torch is not None else '-':>22}"
              f"{fmt_ratio(t_cr / t_np if t_cr else None):>9}"
              f"{fmt_ratio(t_cr / t_th if t_cr and t_th else None):>10}")
    print()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke test)")
    parser.add_argument("--threads", type=int, help="threads for chainrule and PyTorch (default: their own)")
    args = parser.parse_args()
    torch = try_import_torch()
    if args.threads:
        cr.set_num_threads(args.threads)
        if torch is not None:
            torch.set_num_threads(args.threads)
    repeat = 5 if args.quick else 21
    print(f"chainrule {cr.__version__}, {cr.get_num_threads()} threads, BLAS: {cr._C._blas_info()}; NumPy {np.__version__}; "
          f"PyTorch {torch.__version__ + f' ({torch.get_num_threads()} threads)' if torch else 'not installed'}; "
          f"Python {sys.version.split()[0]}")
    print()
    bench_overhead(torch, repeat=repeat, number=2000 if args.quick else 20000)
    for shape in [(1000, 1000), (4096, 1024)]:
        bench_throughput(torch, shape, repeat)


if __name__ == "__main__":
    main()
