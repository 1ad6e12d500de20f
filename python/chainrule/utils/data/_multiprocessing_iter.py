"""The DataLoader iterator for num_workers > 0: worker processes, their queues and shutdown, following
PyTorch's _MultiProcessingDataLoaderIter.

Each task (what the index sampler yields: a list of indices, one index, or for an IterableDataset a
batch size) gets a running task index and goes round-robin to the next active worker's index queue;
at most prefetch_factor tasks per worker are outstanding. Results come back on one result queue in
any order and are returned in task order (in_order=True) or as they arrive (in_order=False).

Shutdown (end of the epoch, the iterator deleted or collected, e.g. after `break`): set the done event,
send None to every worker, join each for up to STATUS_CHECK_INTERVAL seconds, terminate the rest. At
interpreter exit, multiprocessing itself terminates the (daemonic) workers; the iterators then skip
their own shutdown so that nothing waits on half torn-down queues.
"""
import atexit
import itertools
import multiprocessing
import multiprocessing.util  # noqa: F401  (registers its exit handler before ours: ours runs first)
import queue

from chainrule._generator import numpy_rng
from chainrule.utils.data._worker import (STATUS_CHECK_INTERVAL, _ExceptionWrapper, _IterableStreamEnd,
                                          _ResumeIteration, worker_loop)

_python_exiting = False


def _mark_python_exiting():
    global _python_exiting
    _python_exiting = True


atexit.register(_mark_python_exiting)


def draw_base_seed(generator):
    """The seed of this iterator's workers (each adds its id), drawn from the loader's generator or
    the global one. PyTorch draws it for num_workers=0 too, so a generator shuffles alike for any
    number of workers."""
    return int(numpy_rng(generator).integers(0, 2**63))


def _index_sampler(loader):
    """What the loader hands out as tasks: batches of indices, single indices, or (IterableDataset)
    the batch size over and over (None without batching) until the workers' streams end."""
    if loader._iterable:
        return itertools.repeat(loader.batch_size)
    return loader.batch_sampler if loader.batch_sampler is not None else loader.sampler


class MultiProcessingDataLoaderIter:
    """Iterates over a DataLoader's batches loaded by loader.num_workers worker processes."""

    def __init__(self, loader):
        self._shutdown = False
        self._workers, self._index_queues = [], []
        self._num_workers = loader.num_workers
        self._workers_active = [False] * self._num_workers
        self._prefetch_factor = loader.prefetch_factor
        self._in_order = loader.in_order
        self._timeout = loader.timeout
        self._persistent = loader.persistent_workers
        # Each worker seeds itself with base_seed + worker_id (see _worker._seed_worker).
        self._base_seed = draw_base_seed(loader.generator)
        spec = {"iterable": loader._iterable, "auto_collation": loader._auto_collation,
                "collate_fn": loader.collate_fn, "default_collate": loader._default_collate,
                "drop_last": loader.drop_last, "worker_init_fn": loader.worker_init_fn}
        context = loader.multiprocessing_context or multiprocessing.get_context()
        self._result_queue = context.Queue()
        self._done_event = context.Event()
        try:
            for worker_id in range(self._num_workers):
                index_queue = context.Queue()
                index_queue.cancel_join_thread()  # never block exit on indices no worker will read
                worker = context.Process(
                    target=worker_loop, daemon=True,
                    args=(spec, loader.dataset, index_queue, self._result_queue, self._done_event,
                          self._base_seed, worker_id, self._num_workers))
                worker.start()
                self._index_queues.append(index_queue)
                self._workers.append(worker)
        except BaseException:
            self._shutdown_workers()  # e.g. a dataset that does not pickle under 'spawn'
            raise
        self._reset(loader, first_iter=True)

    def _reset(self, loader, first_iter=False):
        """Starts an epoch: a fresh pass of the sampler; persistent workers restart their fetchers."""
        self._sampler_iter = iter(_index_sampler(loader))
        self._send_idx = 0  # task index of the next task to send
        self._rcvd_idx = 0  # task index of the next batch to return
        self._task_info = {}  # task index -> (worker id,) while outstanding, (worker id, data) once here
        self._workers_active = [True] * self._num_workers
        self._worker_tasks = [0] * self._num_workers
        self._worker_cycle = itertools.cycle(range(self._num_workers))
        if not first_iter:
            for index_queue in self._index_queues:
                index_queue.put(_ResumeIteration())
            resumed = 0
            while resumed < self._num_workers:  # results of an unfinished epoch are dropped
                task_index, _ = self._get_data()
                resumed += isinstance(task_index, _ResumeIteration)
        for _ in range(self._prefetch_factor * self._num_workers):
            self._try_put_index()

    def __iter__(self):
        return self

    def __next__(self):
        while True:
            # Skip tasks whose worker ended its stream before answering them.
            while self._rcvd_idx < self._send_idx:
                info = self._task_info.get(self._rcvd_idx)
                if info:
                    if len(info) == 2 or self._workers_active[info[0]]:
                        break
                    del self._task_info[self._rcvd_idx]
                self._rcvd_idx += 1
            else:
                if not self._persistent:
                    self._shutdown_workers()
                raise StopIteration
            if len(self._task_info[self._rcvd_idx]) == 2:  # arrived earlier, out of order
                worker_id, data = self._task_info.pop(self._rcvd_idx)
                self._rcvd_idx += 1
                return self._process_data(data, worker_id)
            task_index, data = self._get_data()
            if isinstance(data, _IterableStreamEnd):
                if self._persistent:
                    self._workers_active[data.worker_id] = False
                else:
                    self._mark_worker_unavailable(data.worker_id)
                self._try_put_index()
                continue
            if task_index == self._rcvd_idx:
                worker_id = self._task_info.pop(task_index)[0]
                self._rcvd_idx += 1
                return self._process_data(data, worker_id)
            if not self._in_order:
                return self._process_data(data, self._task_info.pop(task_index)[0])
            self._task_info[task_index] += (data,)  # early: kept until its turn

    def _try_put_index(self):
        """Sends the sampler's next task to the next active worker with room for it, if any."""
        max_tasks = self._prefetch_factor * self._num_workers
        try:
            index = next(self._sampler_iter)
        except StopIteration:
            return
        for _ in range(self._num_workers):
            worker_id = next(self._worker_cycle)
            if self._workers_active[worker_id] and (
                    self._in_order or self._worker_tasks[worker_id] < max_tasks // sum(self._workers_active)):
                break
        else:
            return
        self._index_queues[worker_id].put((self._send_idx, index))
        self._task_info[self._send_idx] = (worker_id,)
        self._worker_tasks[worker_id] += 1
        self._send_idx += 1

    def _process_data(self, data, worker_id):
        self._worker_tasks[worker_id] -= 1
        self._try_put_index()
        if isinstance(data, _ExceptionWrapper):
            data.reraise()
        return data

    def _get_data(self):
        if self._timeout > 0:
            received, data = self._try_get_data(self._timeout)
            if not received:
                raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")
            return data
        while True:
            received, data = self._try_get_data(STATUS_CHECK_INTERVAL)
            if received:
                return data

    def _try_get_data(self, timeout):
        """(True, result) or, when none came within `timeout` seconds, (False, None); a RuntimeError
        when an active worker has died (killed, or crashed in C code)."""
        try:
            return True, self._result_queue.get(timeout=timeout)
        except (queue.Empty, OSError, EOFError) as error:  # OSError: a shared tensor's worker is gone
            dead = [i for i, w in enumerate(self._workers) if self._workers_active[i] and not w.is_alive()]
            for worker_id in dead:
                self._mark_worker_unavailable(worker_id)
            if dead:
                pids = ", ".join(str(self._workers[i].pid) for i in dead)
                raise RuntimeError(f"DataLoader worker (pid(s) {pids}) exited unexpectedly") from error
            if not isinstance(error, queue.Empty):
                raise
            return False, None

    def _mark_worker_unavailable(self, worker_id):
        self._index_queues[worker_id].put(None)  # the worker's signal to exit
        self._workers_active[worker_id] = False

    def _shutdown_workers(self):
        if _python_exiting or self._shutdown:
            return
        self._shutdown = True
        try:
            self._done_event.set()
            for worker_id in range(len(self._workers)):
                if self._persistent or self._workers_active[worker_id]:
                    self._mark_worker_unavailable(worker_id)
            for worker in self._workers:
                worker.join(timeout=STATUS_CHECK_INTERVAL)
            for index_queue in self._index_queues:
                index_queue.cancel_join_thread()
                index_queue.close()
        finally:
            for worker in self._workers:
                if worker.is_alive():
                    worker.terminate()
                    worker.join(timeout=STATUS_CHECK_INTERVAL)

    def __del__(self):
        self._shutdown_workers()
