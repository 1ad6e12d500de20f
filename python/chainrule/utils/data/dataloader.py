"""DataLoader as in torch.utils.data: batches of a dataset in sampler order, in the main process."""
from chainrule.utils.data.collate import default_collate, default_convert
from chainrule.utils.data.dataset import IterableDataset, _has_fetch_batch
from chainrule.utils.data.sampler import (BatchSampler, RandomSampler, SequentialSampler, _check_bool,
                                          _check_positive_int)

__all__ = ["DataLoader", "get_worker_info"]


def get_worker_info():
    """None: chainrule loads every batch in the main process (see DataLoader's num_workers)."""
    return None


class DataLoader:
    """Iterates over `dataset` in batches, with PyTorch's arguments and defaults.

    num_workers > 0 is accepted and the data is still loaded in the main process: the batches and
    their order are those of num_workers=0 (what PyTorch yields for map-style datasets too), so code
    written for worker processes runs unchanged, only without the parallelism. get_worker_info()
    returns None, so IterableDatasets that shard by worker yield each sample once. pin_memory,
    timeout, worker_init_fn, multiprocessing_context, prefetch_factor, persistent_workers,
    pin_memory_device and in_order are accepted and have no effect for the same reason.

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
        self.dataset = dataset
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self.generator = generator
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

    def __iter__(self):
        if self._iterable:
            return self._iter_stream()
        if self.batch_sampler is None:
            return (self.collate_fn(self.dataset[i]) for i in self.sampler)
        return self._iter_batches()

    def _iter_batches(self):
        dataset, collate_fn = self.dataset, self.collate_fn
        if self._default_collate and _has_fetch_batch(dataset):
            for indices in self.batch_sampler:
                yield dataset._fetch_batch(indices)
        elif hasattr(dataset, "__getitems__"):
            for indices in self.batch_sampler:
                yield collate_fn(dataset.__getitems__(indices))
        else:
            for indices in self.batch_sampler:
                yield collate_fn([dataset[i] for i in indices])

    def _iter_stream(self):
        if not self._auto_collation:
            for sample in self.dataset:
                yield self.collate_fn(sample)
            return
        batch = []
        for sample in self.dataset:
            batch.append(sample)
            if len(batch) == self.batch_size:
                yield self.collate_fn(batch)
                batch = []
        if batch and not self.drop_last:
            yield self.collate_fn(batch)

    def __len__(self):
        if self._iterable:
            n = len(self.dataset)  # TypeError when the stream has no length, as in PyTorch
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)
