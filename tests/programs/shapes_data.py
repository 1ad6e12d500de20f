"""Synthetic images for the test programs (no download): noisy bars, crosses, boxes and diagonals.

Plain NumPy, shared by the programs so that each stays a plain PyTorch script. make_shapes(n, size,
seed) returns float32 images in [0, 1] of shape (n, 1, size, size) and int64 labels 0..3.
"""
import numpy as np


def make_shapes(n, size=12, seed=0):
    rng = np.random.default_rng(seed)
    images = np.zeros((n, 1, size, size), dtype=np.float32)
    labels = rng.integers(0, 4, size=n)
    for k, label in enumerate(labels):
        r, c = rng.integers(2, size - 2, size=2)
        img = images[k, 0]
        if label == 0:  # a horizontal bar
            img[r, 1:-1] = 1
        elif label == 1:  # a cross
            img[r, :] = 1
            img[:, c] = 1
        elif label == 2:  # a box
            img[2:-2, 2] = img[2:-2, -3] = img[2, 2:-2] = img[-3, 2:-2] = 1
        else:  # a diagonal
            np.fill_diagonal(img, 1)
    images += 0.1 * rng.random(images.shape, dtype=np.float32)
    return np.clip(images, 0, 1), labels.astype(np.int64)
