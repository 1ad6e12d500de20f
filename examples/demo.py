"""The main job for now: build tensors, multiply matrices through BLAS, and check against NumPy.

Run it with `pip install . && python examples/demo.py`. The training job replaces it once
chainrule.nn lands.
"""
import time

import numpy as np

import chainrule as cr


def main():
    cr.manual_seed(0)
    a = cr.randn(512, 256)
    b = cr.randn(256, 128)
    print("a:", a.shape, a.dtype, " b:", b.shape, b.dtype)

    c = a @ b
    expected = a.numpy().astype(np.float64) @ b.numpy().astype(np.float64)
    print("a @ b:", c.shape, " max |error| vs float64 NumPy:", float(np.abs(c.numpy() - expected).max()))

    n = 1024
    x, y = cr.rand(n, n), cr.rand(n, n)
    start = time.perf_counter()
    for _ in range(10):
        x @ y
    seconds = (time.perf_counter() - start) / 10
    print(f"{n}x{n} float32 matmul: {2 * n**3 / seconds / 1e9:.1f} GFLOP/s on {cr.get_num_threads()} threads")
    print("BLAS:", cr._C._blas_info())

    probs = (a @ b).softmax(dim=1)
    print("softmax rows sum to 1:", bool(((probs.sum(dim=1) - 1).abs() < 1e-5).all()))
    print("first row of a[:2, :4]:\n", a[:2, :4])


if __name__ == "__main__":
    main()
