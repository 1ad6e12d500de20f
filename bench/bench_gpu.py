"""chainrule on a GPU against PyTorch on the same GPU (and chainrule on the CPU): a matmul, an
elementwise add, a sum and an MLP training step (784-512-256-10, SGD with momentum, cross-entropy),
each timed to a cuda.synchronize() after the last call. Prints medians and ratios.

    python3 bench/bench_gpu.py [--repeat R]       # on a machine with an NVIDIA GPU (tests/run_gpu.sh)

Exits with a message and status 0 where chainrule sees no GPU, so it can sit in any script.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import bench_arguments, format_table, median_time, no_sync, try_import_torch  # noqa: E402

import chainrule as cr  # noqa: E402


def median_ms(fn, sync, repeat):
    """Median ms per call over `repeat` rounds of 10 calls, after a warm-up call (the caching allocator
    and the cuBLAS handle are set up), each round timed from one sync() to the next."""
    return median_time(fn, repeat=repeat, number=10, warmup=1, sync=sync) * 1e3


def mlp(nn):
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10))


def training_step(lib, device, batch):
    lib.manual_seed(0)
    model = mlp(lib.nn).to(device)
    optimizer = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = lib.randn(batch, 1, 28, 28).to(device)
    y = (lib.arange(batch) % 10).to(device)

    def step():
        optimizer.zero_grad()
        lib.nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()

    return step


def cases(lib, device):
    a, b = lib.randn(2048, 2048).to(device), lib.randn(2048, 2048).to(device)
    big = lib.randn(1 << 24).to(device)
    return {
        "matmul 2048x2048 float32": lambda: a @ b,
        "add 16M float32": lambda: big + big,
        "sum 16M float32": lambda: big.sum(),
        "MLP step, batch 128": training_step(lib, device, 128),
        "MLP step, batch 1024": training_step(lib, device, 1024),
    }


def main():
    args = bench_arguments(__doc__, repeat=7)
    if not cr.cuda.is_available():
        print("bench_gpu: chainrule sees no CUDA device here; nothing to measure")
        return
    torch = try_import_torch()
    ours = cases(cr, "cuda")
    theirs = cases(torch, "cuda") if torch is not None and torch.cuda.is_available() else {}
    host = cases(cr, "cpu")
    rows = []
    for name, fn in ours.items():
        t_ours = median_ms(fn, cr.cuda.synchronize, args.repeat)
        t_theirs = median_ms(theirs[name], torch.cuda.synchronize, args.repeat) if name in theirs else float("nan")
        t_host = median_ms(host[name], no_sync, max(3, args.repeat // 2))
        rows.append([name, f"{t_ours:.3f}", f"{t_theirs:.3f}", f"{t_ours / t_theirs:.2f}", f"{t_host:.2f}"])
    print(f"GPU: {cr.cuda.get_device_name()}; medians of {args.repeat} rounds of 10 calls")
    print(format_table(["case", "chainrule cuda ms", "torch cuda ms", "ratio", "chainrule cpu ms"], rows))


if __name__ == "__main__":
    main()
