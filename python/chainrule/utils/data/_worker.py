"""The DataLoader worker process: its loop, its seeding and get_worker_info(), as in PyTorch's
torch/utils/data/_utils/worker.py.

A worker takes (task index, sampler output) pairs from its own index queue, fetches and collates the
batch, and puts (task index, batch) on the result queue shared by all workers. None on the index queue ends the worker; a _ResumeIteration
starts a new epoch (persistent workers). Errors go back as _ExceptionWrapper, re-raised by the main
process; the end of an IterableDataset's stream goes back as _IterableStreamEnd. Large tensors in
a batch travel through shared memory (_shared_memory.py).
"""
import dataclasses
import os
import queue
import random
import sys
import traceback

import numpy as np

from chainrule import _C
from chainrule.utils.data._fetch import IterableFetcher, MapFetcher
from chainrule.utils.data._shared_memory import share_tensors_from_this_process

__all__ = ["WorkerInfo", "get_worker_info"]

# Seconds between the checks of a blocked main process (are the workers alive?), and how long
# shutdown waits for a worker to exit: PyTorch's value.
STATUS_CHECK_INTERVAL = 5.0
# Seconds between the checks of an idle worker: has the main process died, or shut the loader down?
# The done event, not only the None on the index queue, ends a worker: when the garbage collector
# finalizes an iterator (e.g. one a kept exception refers to), its queues may already be closed, and
# that None never leaves the main process.
WORKER_POLL_INTERVAL = 0.2


@dataclasses.dataclass(frozen=True)
class WorkerInfo:
    """What get_worker_info() returns inside a worker: its id (0 to num_workers - 1), num_workers,
    the seed it was given (base_seed + id) and its own copy of the dataset."""
    id: int
    num_workers: int
    seed: int
    dataset: object


_worker_info = None


def get_worker_info():
    """The WorkerInfo of this DataLoader worker process; None in the main process.

    An IterableDataset shards its stream with it, e.g. `info = get_worker_info(); yield from
    data[info.id::info.num_workers]`; without sharding every worker yields the whole stream (each
    sample once per worker), as in PyTorch."""
    return _worker_info


@dataclasses.dataclass(frozen=True)
class _IterableStreamEnd:
    """Sent by a worker whose IterableDataset stream has ended: give it no more tasks."""
    worker_id: int


@dataclasses.dataclass(frozen=True)
class _ResumeIteration:
    """Sent to persistent workers at the start of each epoch after the first; echoed back."""


class _ExceptionWrapper:
    """An exception raised in a worker, carried to the main process as its type and traceback text."""

    def __init__(self, where):
        exc_type, exc, tb = sys.exc_info()
        self.exc_type = exc_type
        self.exc_msg = "".join(traceback.format_exception(exc_type, exc, tb))
        self.where = where

    def reraise(self):
        """Raises the exception's type with PyTorch's message: 'Caught ValueError in DataLoader worker
        process 0.' and the worker's traceback (RuntimeError when the type cannot take a message)."""
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = _KeyErrorMessage(msg)
        try:
            exception = self.exc_type(msg)
        except Exception:
            raise RuntimeError(msg) from None
        raise exception


class _KeyErrorMessage(str):
    """KeyError shows repr() of its argument; this keeps the traceback's line breaks readable."""

    def __repr__(self):
        return self


def worker_seed_numpy_state(base_seed, worker_id):
    """The seed PyTorch gives NumPy's legacy global generator in a worker (its _generate_state: a
    SeedSequence hash of worker_id and the two halves of base_seed, so NumPy's stream differs from
    Python random's for the same seed)."""
    entropy = [worker_id, base_seed & 0xFFFF_FFFF, base_seed >> 32, 0]
    return np.random.SeedSequence(entropy).generate_state(4)


def _seed_worker(base_seed, worker_id):
    """PyTorch's worker seeding: Python random and the global generator get base_seed + worker_id,
    NumPy's global generator a hash of both. Returns the seed."""
    seed = base_seed + worker_id
    random.seed(seed)
    _C.manual_seed(seed)
    np.random.seed(worker_seed_numpy_state(base_seed, worker_id))
    return seed


def _make_fetcher(spec, dataset):
    if spec["iterable"]:
        return IterableFetcher(dataset, spec["auto_collation"], spec["collate_fn"], spec["drop_last"])
    return MapFetcher(dataset, spec["auto_collation"], spec["collate_fn"], spec["default_collate"])


def worker_loop(spec, dataset, index_queue, result_queue, done_event, base_seed, worker_id, num_workers):
    """The body of worker process `worker_id`. `spec` holds the fetch settings (iterable,
    auto_collation, collate_fn, default_collate, drop_last, worker_init_fn)."""
    global _worker_info
    try:
        _C.set_num_threads(1)  # as PyTorch: workers run in parallel already; no thread pools per worker
        share_tensors_from_this_process()
        seed = _seed_worker(base_seed, worker_id)
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)
        where = f"in DataLoader worker process {worker_id}"
        fetcher = init_error = None
        try:
            if spec["worker_init_fn"] is not None:
                spec["worker_init_fn"](worker_id)
            fetcher = _make_fetcher(spec, dataset)
        except Exception:
            init_error = _ExceptionWrapper(where)  # reported as the answer to the next task
        stream_ended = False
        parent = os.getppid()
        while os.getppid() == parent:  # a worker whose main process died exits
            try:
                task = index_queue.get(timeout=WORKER_POLL_INTERVAL)
            except queue.Empty:
                if done_event.is_set():
                    break
                continue
            if task is None:
                break
            if isinstance(task, _ResumeIteration):
                result_queue.put((task, None))
                stream_ended = False
                try:
                    fetcher = _make_fetcher(spec, dataset)
                except Exception:
                    init_error = _ExceptionWrapper(where)
                continue
            if done_event.is_set() or stream_ended:
                continue  # shutting down, or nothing left to fetch: wait for the None
            task_index, index = task
            if init_error is not None:
                data, init_error = init_error, None
            else:
                try:
                    data = fetcher.fetch(index)
                except StopIteration:
                    if not spec["iterable"]:
                        data = _ExceptionWrapper(where)
                    else:
                        data, stream_ended = _IterableStreamEnd(worker_id), True
                except Exception:
                    data = _ExceptionWrapper(where)
            result_queue.put((task_index, data))
            del data, task, index
    except KeyboardInterrupt:
        pass  # the main process gets it too, and shuts the workers down
    if done_event.is_set():
        result_queue.cancel_join_thread()  # no one reads the rest: do not block exit on flushing it
        result_queue.close()
