"""Fit a cubic to noisy samples of sin(x) with L-BFGS and a strong-Wolfe line search (full batch).

A plain PyTorch program; tests/test_programs.py also runs it under chainrule with only the import
changed. The data come from NumPy and the coefficients start at zero, so both runs are deterministic.
"""
import argparse
import json
import math
import time

import numpy as np
import torch

parser = argparse.ArgumentParser(description="L-BFGS polynomial fit")
parser.add_argument("--degree", type=int, default=3)
parser.add_argument("--points", type=int, default=200)
parser.add_argument("--steps", type=int, default=5)
args = parser.parse_args()

rng = np.random.default_rng(0)
x_np = np.linspace(-math.pi, math.pi, args.points)
y_np = np.sin(x_np) + 0.05 * rng.standard_normal(args.points)
x = torch.tensor(x_np, dtype=torch.float64)
y = torch.tensor(y_np, dtype=torch.float64)
features = torch.stack([x ** k for k in range(args.degree + 1)], dim=1)  # (points, degree + 1)

coeffs = torch.zeros(args.degree + 1, dtype=torch.float64, requires_grad=True)
optimizer = torch.optim.LBFGS([coeffs], lr=1, max_iter=20, history_size=10, line_search_fn="strong_wolfe")
loss_fn = torch.nn.MSELoss()


def closure():
    optimizer.zero_grad()
    loss = loss_fn(features @ coeffs, y)
    loss.backward()
    return loss


start = time.perf_counter()
for step in range(args.steps):
    loss = optimizer.step(closure)
    print(f"step {step}: loss {loss.item():.6f}")
seconds = time.perf_counter() - start

with torch.no_grad():
    final = loss_fn(features @ coeffs, y).item()
print(f"coefficients: {coeffs.detach().numpy().round(4).tolist()}")
print(json.dumps({"loss": final, "coefficients": coeffs.detach().tolist(), "seconds": seconds}))
