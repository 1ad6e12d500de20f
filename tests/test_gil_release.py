"""Heavy C++ work runs without the GIL (bindings/gil.h), safely.

A second Python thread keeps running during a large matmul, conv2d or backward; threads training
separate models at once get bit-identical results to running one after the other; concurrent random
draws neither crash nor lose their determinism; Python hooks and autograd.Function backwards called
from a backward that let go of the GIL take it back (no crash, no deadlock), in threads too; two
threads accumulating into one leaf's .grad lose nothing.
"""
import sys
import threading
import time
from contextlib import contextmanager

import numpy as np
import pytest

import chainrule as cr
import chainrule.nn as nn
import chainrule.nn.functional as F
from test_autograd_function import Cube  # a Python Function: x**3 with its hand-written backward

SWITCH = 0.001  # seconds: a thread holding the GIL lets another run only this often


@contextmanager
def short_switch_interval():
    old = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH)
    try:
        yield
    finally:
        sys.setswitchinterval(old)


def worker_progress(call):
    """(iterations a counting Python thread makes while call() runs, that thread's iterations per
    second when running alone, how long call() took)."""
    count = [0]
    running = [True]

    def count_up():
        while running[0]:
            count[0] += 1

    with short_switch_interval():
        worker = threading.Thread(target=count_up)
        worker.start()
        try:
            start = count[0]
            time.sleep(0.05)  # the main thread sleeps without the GIL: the worker runs alone
            solo_rate = (count[0] - start) / 0.05
            before, t0 = count[0], time.perf_counter()
            call()
            elapsed = time.perf_counter() - t0
            progress = count[0] - before
        finally:
            running[0] = False
            worker.join()
    return progress, solo_rate, elapsed


def assert_other_thread_ran(call):
    progress, solo_rate, elapsed = worker_progress(call)
    # Holding the GIL for the call gives the worker a few switch intervals of running (the Python
    # around the C++ call; measured: 6 in a 0.77 s sort that holds it); running without it gives the
    # worker a share of a CPU for the whole call (measured: 50-90% of its solo rate). Asking for 10%
    # of the call's duration, and at least ten switch intervals, stays far from both, even on a busy
    # two-core machine where BLAS threads take the CPUs.
    assert elapsed > 20 * SWITCH, f"the call took {elapsed:.4f} s, too short to tell"
    assert progress >= max(10 * SWITCH, 0.1 * elapsed) * solo_rate, (
        f"the other thread made {progress} iterations in {elapsed:.3f} s (alone it makes {solo_rate:.0f}/s): "
        "the call held the GIL")


def test_matmul_lets_other_threads_run():
    a, b = cr.randn(2048, 2048), cr.randn(2048, 2048)
    assert_other_thread_ran(lambda: a @ b)


def test_conv2d_lets_other_threads_run():
    x, w = cr.randn(8, 64, 96, 96), cr.randn(64, 64, 3, 3)
    assert_other_thread_ran(lambda: F.conv2d(x, w, padding=1))


def test_backward_lets_other_threads_run():
    w = cr.randn(1024, 1024, requires_grad=True)
    x = cr.randn(1024, 1024)
    for _ in range(4):
        x = x @ w
    loss = x.square().mean()
    assert_other_thread_ran(loss.backward)
    assert w.grad is not None and w.grad.shape == (1024, 1024)


def test_sort_and_reductions_let_other_threads_run():
    x = cr.randn(1000000)
    y = cr.randn(4000, 4000)
    assert_other_thread_ran(lambda: (x.sort(), y.softmax(1), y.sum(0), y.var(1)))


def test_small_ops_keep_the_gil_and_stay_correct():
    a = cr.ones(4, 4)
    assert (a @ a).sum().item() == 64.0


# -- threads training separate models --------------------------------------------------------

def make_model(seed):
    cr.manual_seed(seed)
    model = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(16 * 16 * 16, 64), nn.Tanh(), nn.Linear(64, 10))
    rng = np.random.default_rng(seed)
    data = cr.from_numpy(rng.standard_normal((16, 3, 32, 32)).astype(np.float32))
    target = cr.from_numpy(rng.integers(0, 10, 16).astype(np.int64))
    return model, data, target


def train(model, data, target, steps=8):
    opt = cr.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(steps):
        opt.zero_grad()
        F.cross_entropy(model(data), target).backward()
        opt.step()
    return [p.detach().numpy().copy() for p in model.parameters()]


def run_in_threads(fns):
    results, errors = [None] * len(fns), []

    def run(i):
        try:
            results[i] = fns[i]()
        except BaseException as e:  # reported by the main thread
            errors.append(e)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(fns))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a thread did not finish (deadlock?)"
    if errors:
        raise errors[0]
    return results


def test_four_threads_training_four_models_match_sequential_runs():
    sequential = [train(*make_model(seed)) for seed in range(4)]
    setups = [make_model(seed) for seed in range(4)]
    with short_switch_interval():
        threaded = run_in_threads([lambda s=s: train(*s) for s in setups])
    for seq, thr in zip(sequential, threaded):
        for p, q in zip(seq, thr):
            np.testing.assert_array_equal(p, q)


# -- random draws from several threads -------------------------------------------------------

def test_concurrent_draws_from_the_global_generator_partition_its_stream():
    # Each draw takes the generator for all its samples, so the threads' draws are whole pieces of
    # the one seeded stream: together, the same values as the same draws made in one thread.
    n, per_thread, threads = 20000, 10, 4  # 20000 samples: the draw runs without the GIL
    cr.manual_seed(7)
    sequential = np.sort(np.concatenate([cr.randn(n).numpy() for _ in range(per_thread * threads)]))
    cr.manual_seed(7)
    with short_switch_interval():
        drawn = run_in_threads([lambda: [cr.randn(n).numpy() for _ in range(per_thread)]] * threads)
    np.testing.assert_array_equal(np.sort(np.concatenate([a for arrays in drawn for a in arrays])), sequential)


def test_each_threads_own_generator_stays_deterministic():
    def draws(seed):
        g = cr.Generator().manual_seed(seed)
        out = []
        for _ in range(5):
            out.append(cr.rand(30000, generator=g).numpy())
            out.append(cr.empty(30000).normal_(generator=g).numpy())
            out.append(cr.randperm(1000, generator=g).numpy())
        return out

    expected = [draws(seed) for seed in range(4)]
    with short_switch_interval():
        got = run_in_threads([lambda s=s: draws(s) for s in range(4)])
    for e, g in zip(expected, got):
        for a, b in zip(e, g):
            np.testing.assert_array_equal(a, b)


def test_dropout_in_threads_does_not_crash():
    x = cr.ones(256, 256)
    outs = run_in_threads([lambda: [F.dropout(x, 0.5).sum().item() for _ in range(20)]] * 4)
    assert all(0 < v < 2 * 65536 for vals in outs for v in vals)


# -- Python called back from a backward running without the GIL ------------------------------


def backward_through_python(seed):
    rng = np.random.default_rng(seed)
    x = cr.from_numpy(rng.standard_normal((200, 200))).requires_grad_()
    seen = []
    h = x @ x  # 40000 elements: the ops of this backward run without the GIL too
    h.register_hook(lambda g: seen.append(g.shape) or g * 2)
    Cube.apply(h).sum().backward()
    xn = x.detach().numpy()
    hn = xn @ xn
    g_h = 2 * 3 * hn * hn
    expected = g_h @ xn.T + xn.T @ g_h
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-10)
    assert seen == [(200, 200)]
    return True


def test_python_function_and_hook_in_a_backward_without_the_gil():
    assert backward_through_python(0)


def test_python_function_and_hook_in_threads():
    with short_switch_interval():
        assert all(run_in_threads([lambda s=s: backward_through_python(s) for s in range(4)]))


class Recompute(cr.autograd.Function):
    """Like checkpointing: backward runs a second backward pass (the engine within the engine)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return (x @ x).tanh()

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        with cr.enable_grad():
            x = x.detach().requires_grad_()
            (gx,) = cr.autograd.grad((x @ x).tanh(), [x], grad)
        return gx


def test_backward_within_a_python_backward():
    x = cr.randn(200, 200, dtype=cr.float64, requires_grad=True)
    Recompute.apply(x).sum().backward()
    y = x.detach().clone().requires_grad_()
    (y @ y).tanh().sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), y.grad.numpy(), rtol=1e-12)


def test_hook_error_propagates_from_a_backward_without_the_gil():
    x = cr.randn(200, 200, requires_grad=True)
    y = x @ x

    def bad(g):
        raise KeyError("from the hook")

    y.register_hook(bad)
    with pytest.raises(KeyError, match="from the hook"):
        y.sum().backward()


def test_graph_freed_without_the_gil_drops_python_callables_safely():
    # The leaf (and its Python hook) and the Function node (and its Python backward) are last held
    # by the graph, which the engine frees while it runs without the GIL.
    for _ in range(20):
        x = cr.randn(200, 200, requires_grad=True)
        calls = []
        x.register_hook(lambda g: calls.append(1))
        loss = Cube.apply(x @ x).sum()
        del x
        loss.backward()
        del loss
        assert calls == [1]


def test_retain_grad_in_threads():
    def run(seed):
        x = cr.from_numpy(np.random.default_rng(seed).standard_normal((200, 200))).requires_grad_()
        y = x @ x
        y.retain_grad()
        y.sum().backward()
        np.testing.assert_array_equal(y.grad.numpy(), np.ones((200, 200)))
        return True

    assert all(run_in_threads([lambda s=s: run(s) for s in range(4)]))


def test_threads_accumulating_into_one_leaf_lose_nothing():
    # Integer-valued float64 data: every sum is exact whatever the order of the additions.
    w = cr.from_numpy(np.arange(200 * 200, dtype=np.float64).reshape(200, 200) % 7).requires_grad_()
    xs = [cr.from_numpy(np.full((200, 200), float(i + 1))) for i in range(4)]
    rounds = 10

    def run(x):
        for _ in range(rounds):
            (x @ w).sum().backward()
        return True

    with short_switch_interval():
        run_in_threads([lambda x=x: run(x) for x in xs])
    # d/dw sum(x @ w) = x.T @ ones: each column of x summed, for every column of w.
    expected = sum(x.numpy().sum(axis=0)[:, None] * np.ones((1, 200)) for x in xs) * rounds
    np.testing.assert_array_equal(w.grad.numpy(), expected)
