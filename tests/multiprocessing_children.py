"""Functions that tests/test_multiprocessing.py runs in child processes. They live in a module of
their own so that a spawned child imports only chainrule (not the test module, which imports torch)."""
import os
import signal
import sys

import chainrule as cr


def add_rank(rank, shared):
    shared[rank] += 10.0 + rank


def train_steps(rank, model, steps):
    optimizer = cr.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(steps):
        optimizer.zero_grad()
        model(cr.ones(4, 3)).pow(2).mean().backward()
        optimizer.step()


def raise_on_rank_one(rank):
    if rank == 1:
        raise ValueError("rank one fails")


def exit_with_code(rank, code):
    sys.exit(code)


def kill_self(rank):
    os.kill(os.getpid(), signal.SIGKILL)


def write_what_the_queue_sends(queue):
    queue.get()[:] = 7.0


def product_after_fork(rank, result):
    """A parallel-sized product in a forked child whose parent already ran parallel loops; records
    the child's thread count."""
    b = cr.ones(600, 600)
    result[rank] = float((b @ b)[0, 0].item() == 600.0) + cr.get_num_threads()
