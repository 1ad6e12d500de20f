"""A first look at chainrule's tensors: BLAS matmul checked against NumPy, NumPy interop, autograd.

Builds random tensors, multiplies them through BLAS and compares with float64 NumPy, times a square
float32 matmul, shares memory with NumPy both ways, and takes one gradient. For training, see
examples/train_digits.py (the main job) and the other examples.

    python examples/demo.py               # under a second on 2 CPU cores
    python examples/demo.py --size 2048   # time a larger matmul
"""
import argparse
import time

import numpy as np

import chainrule as cr


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1024, help="side of the square matrices of the timed matmul")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    cr.manual_seed(args.seed)
    a = cr.randn(512, 256)
    b = cr.randn(256, 128)
    print("a:", a.shape, a.dtype, " b:", b.shape, b.dtype)

    c = a @ b
    expected = a.numpy().astype(np.float64) @ b.numpy().astype(np.float64)
    print("a @ b:", c.shape, " max |error| vs float64 NumPy:", float(np.abs(c.numpy() - expected).max()))

    n = args.size
    x, y = cr.rand(n, n), cr.rand(n, n)
    start = time.perf_counter()
    for _ in range(10):
        x @ y
    seconds = (time.perf_counter() - start) / 10
    print(f"{n}x{n} float32 matmul: {2 * n**3 / seconds / 1e9:.1f} GFLOP/s on {cr.get_num_threads()} threads")
    print("BLAS:", cr._C._blas_info())

    # from_numpy and .numpy() share memory, as in PyTorch: a write through one shows in the other.
    array = np.zeros(3, dtype=np.float32)
    shared = cr.from_numpy(array)
    shared += 1
    print("NumPy array after adding 1 to its chainrule view:", array)

    # One gradient: d/dw sum(w * w) = 2 w.
    w = cr.randn(4, requires_grad=True)
    (w * w).sum().backward()
    print("autograd: grad of sum(w * w) equals 2 w:", cr.allclose(w.grad, 2 * w.detach()))

    probs = c.softmax(dim=1)
    print("softmax rows sum to 1:", bool(((probs.sum(dim=1) - 1).abs() < 1e-5).all()))
    print("a[:2, :4]:\n", a[:2, :4])


if __name__ == "__main__":
    main()
