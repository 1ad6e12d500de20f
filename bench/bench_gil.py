"""How long a second Python thread stalls while the main thread runs a heavy op, chainrule vs PyTorch.

    PYTHONPATH=python python3 bench/bench_gil.py [--threads N] [--repeat R]

A worker thread loops in Python, noting the longest gap between two of its iterations while the main
thread runs one call: a float32 2048x2048 matmul, a conv2d (8x64x96x96, 64 3x3 filters) and the
backward of four 1024x1024 matmuls. A library that holds the GIL during the call stalls the worker
for all of it; one that lets go leaves only the operating system's scheduling (and Python's switch
interval, 5 ms by default, when the main thread takes the GIL back). Also printed: the share of the
worker's solo speed it kept during the call. Medians of --repeat calls per case.
"""
import os
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import bench_arguments, chainrule_and_torch, format_table  # noqa: E402


class Worker:
    """A Python thread that counts and records its longest gap between iterations while measuring."""

    def __init__(self):
        self.count, self.longest, self.measuring, self.running = 0, 0.0, False, True
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self):
        last = time.perf_counter()
        while self.running:
            now = time.perf_counter()
            if self.measuring and now - last > self.longest:
                self.longest = now - last
            last = now
            self.count += 1

    def solo_rate(self, seconds=0.1):
        start = self.count
        time.sleep(seconds)  # the main thread sleeps without the GIL
        return (self.count - start) / seconds

    def measure(self, call):
        """(longest gap in seconds, iterations, call seconds) over one call()."""
        self.longest, before = 0.0, self.count
        self.measuring = True
        t0 = time.perf_counter()
        call()
        elapsed = time.perf_counter() - t0
        self.measuring = False
        return self.longest, self.count - before, elapsed

    def stop(self):
        self.running = False
        self.thread.join()


def cases(lib):
    """{case name: a function making the call} for chainrule or torch (same API)."""
    F = lib.nn.functional

    def matmul():
        a, b = lib.randn(2048, 2048), lib.randn(2048, 2048)
        return lambda: a @ b

    def conv():
        x, w = lib.randn(8, 64, 96, 96), lib.randn(64, 64, 3, 3)
        return lambda: F.conv2d(x, w, padding=1)

    def backward():
        w = lib.randn(1024, 1024, requires_grad=True)
        x0 = lib.randn(1024, 1024)

        def run():
            x = x0
            for _ in range(4):
                x = x @ w
            x.square().mean().backward()
        return run

    return {"matmul 2048² f32": matmul, "conv2d 8x64x96² k3": conv, "backward of 4 matmuls 1024²": backward}


def measure_library(lib, repeat):
    worker = Worker()
    try:
        results = {}
        for name, make in cases(lib).items():
            call = make()
            call()  # warm-up
            rate = worker.solo_rate()
            gaps, shares, times = [], [], []
            for _ in range(repeat):
                time.sleep(0.05)
                gap, iterations, elapsed = worker.measure(call)
                gaps.append(gap)
                times.append(elapsed)
                shares.append(iterations / (rate * elapsed))
            results[name] = (statistics.median(gaps), statistics.median(shares), statistics.median(times))
        return results
    finally:
        worker.stop()


def main():
    args = bench_arguments(__doc__, repeat=5, unit="case").parse_args()
    cr, torch = chainrule_and_torch(args.threads, required_by="bench_gil.py")
    print(f"switch interval: {sys.getswitchinterval() * 1e3:.1f} ms")
    ours = measure_library(cr, args.repeat)
    theirs = measure_library(torch, args.repeat)
    rows = []
    for name in ours:
        (g1, s1, t1), (g2, s2, t2) = ours[name], theirs[name]
        rows.append([name, f"{t1 * 1e3:.0f} / {t2 * 1e3:.0f}", f"{g1 * 1e3:.1f}", f"{g2 * 1e3:.1f}",
                     f"{g1 / g2:.2f}x", f"{s1:.0%}", f"{s2:.0%}"])
    print(format_table(["case", "call ms cr / torch", "stall ms cr", "stall ms torch", "cr/torch",
                        "worker speed cr", "worker speed torch"], rows))


if __name__ == "__main__":
    main()
