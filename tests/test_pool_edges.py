"""Pooling at its edges (issue 15, defects 3 and 4): windows that lie wholly in the padding, and
parameters too large to run.

A max-pool window whose taps all miss the input (dilation steps over it from the left padding)
selects nothing: PyTorch gives it -inf and an index outside its window, and adds its gradient at
that index, into the next row, the next sample or past the buffer. chainrule returns PyTorch's
values and indices (max_pool3d with return_indices too) but gives such a window no gradient. Kernels, strides, paddings and dilations
past a 32-bit int, and resampling/adaptive outputs larger than memory, raise RuntimeError at once
(checked in a child process under a timeout and an address-space limit).
"""
import itertools
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import chainrule as cr
from conftest import requires_torch

try:
    import torch
except ImportError:  # requires_torch skips the parity tests
    torch = None


def axis_windows(size, k, s, p, d, ceil_mode):
    """Per output along one axis: whether its window reads any input (PyTorch's output size)."""
    out = (size + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return [any(0 <= i * s - p + t * d < size for t in range(k)) for i in range(out)]


def axis_configs(size):
    """Every (kernel, stride, padding, dilation, ceil_mode) with padding up to kernel // 2."""
    for k, s, d, ceil_mode in itertools.product(range(1, 5), range(1, 4), range(1, 5), (False, True)):
        for p in range(k // 2 + 1):
            yield k, s, p, d, ceil_mode


def expected_grad(indices, grad_out, reads, in_plane):
    """grad_out (N, C, out plane) added at indices, skipping the windows that read nothing."""
    n, c = grad_out.shape[:2]
    gi = np.zeros((n * c, in_plane))
    idx, g, mask = indices.reshape(n * c, -1), grad_out.reshape(n * c, -1), reads.reshape(-1)
    for plane in range(n * c):
        for o in np.flatnonzero(mask):
            gi[plane, idx[plane, o]] += g[plane, o]
    return gi


def run_both(spatial, x, k, s, p, d, ceil_mode, seed, torch_backward):
    """(ours, PyTorch's) values, indices, and the input gradient for a random grad_output, or None
    where PyTorch raises (then ours must raise too). PyTorch's backward runs only when
    torch_backward: with an empty window it writes out of its buffer (and may abort)."""
    fn = f"max_pool{spatial}d"
    tx = torch.tensor(x, requires_grad=True)
    try:
        ty, ti = getattr(torch.nn.functional, fn)(tx, k, s, p, d, ceil_mode, True)
    except RuntimeError:
        with pytest.raises((RuntimeError, ValueError), match=fn):
            getattr(cr.nn.functional, fn)(cr.tensor(x), k, s, p, d, ceil_mode, True)
        return None
    g = np.random.default_rng(seed).standard_normal(tuple(ty.shape))
    if torch_backward:
        ty.backward(torch.tensor(g))
    cx = cr.tensor(x, requires_grad=True)
    cy, ci = getattr(cr.nn.functional, fn)(cx, k, s, p, d, ceil_mode, True)
    cy.backward(cr.tensor(g))
    return (cy.detach().numpy(), ci.numpy(), cx.grad.numpy()), (ty.detach().numpy(), ti.numpy(), tx.grad), g


def check_against_torch(spatial, x, k, s, p, d, ceil_mode, reads, seed):
    """Values and indices equal PyTorch's; the gradient is PyTorch's without the empty windows'."""
    both = run_both(spatial, x, k, s, p, d, ceil_mode, seed, reads.all())
    if both is None:
        return False
    (cy, ci, cg), (ty, ti, tg), g = both
    np.testing.assert_array_equal(cy, ty)
    np.testing.assert_array_equal(ci, ti)
    in_plane = int(np.prod(x.shape[2:]))
    want = expected_grad(ti, g, reads, in_plane).reshape(x.shape)
    np.testing.assert_allclose(cg, want, rtol=1e-12, atol=1e-12)
    if reads.all():  # the reference agrees with PyTorch wherever PyTorch is right
        np.testing.assert_allclose(tg.numpy(), want, rtol=1e-12, atol=1e-12)
    return not reads.all()


@requires_torch
def test_max_pool1d_sweep_matches_torch_and_drops_empty_windows():
    empty_cases = 0
    for size in range(1, 6):
        x = np.random.default_rng(size).standard_normal((2, 3, size))
        for k, s, p, d, ceil_mode in axis_configs(size):
            reads = np.array(axis_windows(size, k, s, p, d, ceil_mode), dtype=bool)
            empty_cases += check_against_torch(1, x, (k,), (s,), (p,), (d,), ceil_mode, reads, size)
    assert empty_cases > 0  # the sweep reaches windows wholly in the padding


@requires_torch
def test_max_pool2d_sweep_matches_torch_and_drops_empty_windows():
    empty_cases = 0
    rng = np.random.default_rng(0)
    for h, w in [(1, 3), (3, 2), (4, 5)]:
        x = rng.standard_normal((2, 2, h, w))
        rows = list(axis_configs(h))
        cols = list(axis_configs(w))
        for i, (kh, sh, ph, dh, ceil_mode) in enumerate(rows):
            for kw, sw, pw, dw, _ in cols[i % 7::37]:
                reads = np.outer(axis_windows(h, kh, sh, ph, dh, ceil_mode), axis_windows(w, kw, sw, pw, dw, ceil_mode))
                empty_cases += check_against_torch(2, x, (kh, kw), (sh, sw), (ph, pw), (dh, dw), ceil_mode, reads, i)
    assert empty_cases > 0


@requires_torch
def test_max_pool3d_with_indices_matches_torch_and_drops_empty_windows():
    # max_pool3d(return_indices=True) gathers its windows itself (functional/volumetric.py)
    rng = np.random.default_rng(3)
    empty_cases = 0
    for size in [(3, 3, 3), (2, 4, 5), (4, 3, 1)]:
        x = rng.standard_normal((2, 2) + size)
        for i, (k, d, ceil_mode) in enumerate(itertools.product([(2, 2, 2), (3, 1, 2), (2, 3, 1)],
                                                                 [(1, 1, 1), (4, 1, 2), (1, 4, 4), (3, 3, 3)],
                                                                 (False, True))):
            p, s = tuple(kk // 2 for kk in k), (1, 2, 1)
            per_dim = [axis_windows(size[j], k[j], s[j], p[j], d[j], ceil_mode) for j in range(3)]
            reads = np.einsum("i,j,k->ijk", *[np.array(w, dtype=bool) for w in per_dim])
            empty_cases += check_against_torch(3, x, k, s, p, d, ceil_mode, reads, i)
    assert empty_cases > 0


def test_empty_window_inside_the_plane_gets_no_gradient():
    # width 3, taps at -1 and 3: PyTorch's index for row r is r * 3 + 3, the next row's first element
    x = cr.arange(18.0, dtype=cr.float64).reshape(2, 1, 3, 3).requires_grad_()
    y, idx = cr.nn.functional.max_pool2d(x, (1, 2), 1, (0, 1), (1, 4), False, True)
    assert idx.flatten().tolist() == [3, 6, 9] * 2
    assert y.flatten().tolist() == [float("-inf")] * 6
    y.sum().backward()
    assert x.grad.abs().sum().item() == 0.0


def test_double_backward_reads_nothing_for_an_empty_window():
    x = cr.tensor([[[5.0, 1.0, 2.0]], [[7.0, 3.0, 4.0]]], dtype=cr.float64, requires_grad=True)
    y = cr.nn.functional.max_pool1d(x, 2, 1, 1, 4)  # one window, taps -1 and 3: empty
    g = cr.ones_like(y, requires_grad=True)
    (gx,) = cr.autograd.grad(y, x, g, create_graph=True)
    assert gx.abs().sum().item() == 0.0
    (gg,) = cr.autograd.grad((gx * cr.ones_like(gx)).sum(), g)
    assert gg.tolist() == [[[0.0]], [[0.0]]]


def test_huge_padding_runs_in_constant_time_per_window():
    x = cr.tensor([[[1.0, 9.0, 3.0, 2.0]]])
    y = cr.nn.functional.max_pool1d(x, 2**31 - 1, 1, 2**30 - 1)  # every window covers the input
    assert y.flatten().tolist() == [9.0] * 4


HUGE_CALLS = textwrap.dedent("""
    import os, resource, sys, time
    if "libasan" not in os.environ.get("LD_PRELOAD", ""):  # ASan's shadow maps terabytes (tests/sanitize.sh)
        resource.setrlimit(resource.RLIMIT_AS, (6 << 30, 6 << 30))
    import chainrule as cr
    F = cr.nn.functional
    calls = {
        "max_pool2d kernel": lambda: F.max_pool2d(cr.zeros(1, 1, 4, 4), 2**40),
        "max_pool2d kernel+padding": lambda: F.max_pool2d(cr.zeros(1, 1, 4, 4), 2**40, padding=2**39),
        "max_pool2d kernel*dilation": lambda: F.max_pool2d(cr.zeros(1, 1, 4, 4), 2**40, dilation=2**40),
        "max_pool1d stride": lambda: F.max_pool1d(cr.zeros(1, 1, 4), 2, stride=2**62),
        "avg_pool2d kernel": lambda: F.avg_pool2d(cr.zeros(1, 1, 4, 4), 2**40),
        "adaptive_avg_pool1d": lambda: F.adaptive_avg_pool1d(cr.zeros(1, 1, 4), 2**40),
        "adaptive_avg_pool2d": lambda: F.adaptive_avg_pool2d(cr.zeros(1, 1, 4, 4), (1, 2**40)),
        "adaptive_max_pool2d": lambda: F.adaptive_max_pool2d(cr.zeros(1, 1, 4, 4), (2**40, 1)),
        "upsample_nearest1d": lambda: F.interpolate(cr.zeros(1, 1, 4), size=2**40),
        "upsample_linear1d": lambda: F.interpolate(cr.zeros(1, 1, 4), size=2**40, mode="linear"),
        "upsample_bilinear2d": lambda: F.interpolate(cr.zeros(1, 1, 4, 4), size=(1, 2**40), mode="bilinear"),
        "upsample_nearest2d": lambda: F.interpolate(cr.zeros(1, 1, 4, 4), scale_factor=2.0**19),
    }
    for name, call in calls.items():
        start = time.perf_counter()
        try:
            call()
            outcome, message = "no error", ""
        except Exception as e:
            outcome, message = type(e).__name__, str(e)
        print(f"{name}|{outcome}|{time.perf_counter() - start:.3f}|{message[:300]}", flush=True)
""")


def test_impossible_sizes_raise_at_once_without_allocating():
    done = subprocess.run([sys.executable, "-c", HUGE_CALLS], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    results = [line.split("|", 3) for line in done.stdout.splitlines()]
    assert len(results) == 12, done.stdout
    for name, outcome, seconds, message in results:
        assert float(seconds) < 1.0, (name, seconds)  # checks only: no window list, no allocation
        assert outcome == "RuntimeError", (name, outcome, message)
        assert name.split()[0] in message, (name, message)
        if "pool" in name and " " in name:
            assert "2147483647" in message, message
        else:
            assert "bytes" in message and "memory" in message, message
