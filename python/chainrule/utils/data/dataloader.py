"""DataLoader as in torch.utils.data: batches of a dataset in sampler order, loaded in the main
process (num_workers=0) or by worker processes (_multiprocessing_iter.py, _worker.py)."""
import multiprocessing
import os
import warnings

import chainrule
from chainrule.utils.data._fetch import IterableFetcher, MapFetcher
from chainrule.utils.data._multiprocessing_iter import MultiProcessingDataLoaderIter, draw_base_seed
from chainrule.utils.data._worker import get_worker_info
from chainrule.utils.data.collate import default_collate, default_convert
from chainrule.utils.data.dataset import IterableDataset
from chainrule.utils.data.sampler import (BatchSampler, RandomSampler, SequentialSampler, _check_bool,
                                          _check_positive_int)

__all__ = ["DataLoader", "get_worker_info"]


class DataLoader:
    """Iterates over `dataset` in batches, with PyTorch's arguments and defaults.

    num_workers > 0 loads batches in that many worker processes (multiprocessing_context or the
    platform's default start method), as PyTorch does: prefetch_factor batches outstanding per
    worker, batches returned in sampler order (in_order=True), persistent_workers kept between
    epochs, worker_init_fn(worker_id) and get_worker_info() in each worker, PyTorch's per-worker
    seeding, worker exceptions re-raised here with the worker's traceback, and `timeout` seconds
    per batch. pin_memory and pin_memory_device are accepted and have no effect (with PyTorch's warnings).

    Shuffling (shuffle=True) uses a RandomSampler driven by `generator` (a chainrule.Generator);
    without one, each epoch draws its seed from chainrule's global generator (chainrule.manual_seed).

    Fast path: for a TensorDataset (or Subsets of one) with the default collate_fn, a batch is one
    index op per tensor (t[indices]) instead of per-sample indexing and stacking.
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor=None, persistent_workers=False, pin_memory_device="", in_order=True):
        if isinstance(num_workers, bool) or not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError("DataLoader: num_workers option should be a non-negative int; "
                             f"use num_workers=0 to disable multiprocessing (got {num_workers!r})")
        if timeout < 0:
            raise ValueError(f"DataLoader: timeout option should be non-negative, got {timeout}")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("DataLoader: prefetch_factor option could only be specified in multiprocessing; "
                             "let num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor "
                             "to None")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None:
            _check_positive_int("prefetch_factor", prefetch_factor, "DataLoader")
        if persistent_workers and num_workers == 0:
            raise ValueError("DataLoader: persistent_workers option needs num_workers > 0")
        self.dataset = dataset
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self.multiprocessing_context = _check_context(multiprocessing_context, num_workers)
        self.in_order = in_order
        self.generator = generator
        self._iterator = None  # the iterator kept between epochs with persistent_workers
        self._iterable = isinstance(dataset, IterableDataset)

        if self._iterable:
            for name, value in (("shuffle", shuffle), ("sampler", sampler), ("batch_sampler", batch_sampler)):
                if value not in (None, False):
                    raise ValueError(f"DataLoader with IterableDataset: expected unspecified {name} option, "
                                     f"but got {name}={value!r}")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("DataLoader: batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("DataLoader: batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")

        if sampler is None and not self._iterable:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None and not self._iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        if batch_size is not None and self._iterable:
            _check_positive_int("batch_size", batch_size, "DataLoader")
            _check_bool("drop_last", drop_last, "DataLoader")

        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.batch_size = batch_size
        self.drop_last = drop_last
        self._auto_collation = batch_sampler is not None or (self._iterable and batch_size is not None)
        self._default_collate = collate_fn is None
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        _warn_if_too_many_workers(num_workers)

    def __iter__(self):
        if not (self.persistent_workers and self._iterator is not None):  # PyTorch warns as it makes an iterator
            _warn_about_pinned_memory(self.pin_memory, self.pin_memory_device)
        if self.num_workers == 0:
            return self._iter_stream() if self._iterable else self._iter_map()
        _warn_if_too_many_workers(self.num_workers)
        if not self.persistent_workers:
            return MultiProcessingDataLoaderIter(self)
        if self._iterator is None:
            self._iterator = MultiProcessingDataLoaderIter(self)
        else:
            self._iterator._reset(self)
        return self._iterator

    def _iter_map(self):
        draw_base_seed(self.generator)  # unused without workers, drawn to keep the shuffles of any num_workers
        fetcher = MapFetcher(self.dataset, self._auto_collation, self.collate_fn, self._default_collate)
        for index in (self.batch_sampler if self.batch_sampler is not None else self.sampler):
            yield fetcher.fetch(index)

    def _iter_stream(self):
        draw_base_seed(self.generator)  # as in _iter_map
        fetcher = IterableFetcher(self.dataset, self._auto_collation, self.collate_fn, self.drop_last)
        while True:
            try:
                batch = fetcher.fetch(self.batch_size)
            except StopIteration:
                return
            yield batch

    def __len__(self):
        if self._iterable:
            n = len(self.dataset)  # TypeError when the stream has no length, as in PyTorch
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)


def _warn_about_pinned_memory(pin_memory, pin_memory_device):
    """PyTorch's warnings, for each new iterator, for pin_memory without an accelerator and for the deprecated
    pin_memory_device (pinning itself has no effect here)."""
    if pin_memory and pin_memory_device:
        warnings.warn("pin_memory_device is deprecated, the current accelerator will be used as the device,"
                      f"ignore pin_memory_device='{pin_memory_device}'.", stacklevel=3)
    if pin_memory and not chainrule.accelerator.is_available():
        warnings.warn("'pin_memory' argument is set as true but no accelerator is found, then device pinned "
                      "memory won't be used.", stacklevel=3)


def _check_context(context, num_workers):
    """multiprocessing_context as PyTorch takes it: a start method's name or a context object, and
    only with num_workers > 0. Returns the context (None: the platform's default)."""
    if context is None:
        return None
    if num_workers == 0:
        raise ValueError("DataLoader: multiprocessing_context can only be used with multi-process loading "
                         f"(num_workers > 0), but got num_workers={num_workers}")
    if isinstance(context, str):
        methods = multiprocessing.get_all_start_methods()
        if context not in methods:
            raise ValueError(f"DataLoader: multiprocessing_context option should specify a valid start "
                             f"method in {methods!r}, but got multiprocessing_context={context!r}")
        return multiprocessing.get_context(context)
    if not isinstance(context, multiprocessing.context.BaseContext):
        raise TypeError("DataLoader: multiprocessing_context option should be a valid context object or a "
                        f"string specifying the start method, but got multiprocessing_context={context!r}")
    return context


def _warn_if_too_many_workers(num_workers):
    """PyTorch's warning when there are more workers than CPUs this process may run on."""
    if num_workers == 0:
        return
    cpuset_checked = hasattr(os, "sched_getaffinity")
    cpus = len(os.sched_getaffinity(0)) if cpuset_checked else os.cpu_count()
    if cpus is not None and num_workers <= cpus:
        return
    if cpus is None:
        suggestion = "DataLoader is not able to compute a suggested max number of worker in current system."
    else:
        suggestion = (f"Our suggested max number of worker in current system is {cpus}"
                      f"{'' if cpuset_checked else ' (`cpuset` is not taken into account)'}, which is smaller "
                      "than what this DataLoader is going to create.")
    warnings.warn(f"This DataLoader will create {num_workers} worker processes in total. {suggestion} Please be "
                  "aware that excessive worker creation might get DataLoader running slow or even freeze, lower "
                  "the worker number to avoid potential slowness/freeze if necessary.", stacklevel=2)
