"""Fetchers: turn what the DataLoader's index sampler yields into one batch (or sample) of data.

Used in the main process (num_workers=0) and inside each worker process alike, as PyTorch's
_MapDatasetFetcher and _IterableDatasetFetcher are.
"""
from chainrule.utils.data.dataset import _has_fetch_batch


class MapFetcher:
    """Map-style datasets: `fetch(indices)` is the collated batch at a list of indices (or, without
    auto-collation, `fetch(index)` the converted sample at one index)."""

    def __init__(self, dataset, auto_collation, collate_fn, default_collate):
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        # TensorDataset fast path: one index op per tensor instead of per-sample indexing + stack.
        self.fetch_batch = default_collate and auto_collation and _has_fetch_batch(dataset)

    def fetch(self, index):
        dataset = self.dataset
        if not self.auto_collation:
            return self.collate_fn(dataset[index])
        if self.fetch_batch:
            return dataset._fetch_batch(index)
        if hasattr(dataset, "__getitems__"):
            return self.collate_fn(dataset.__getitems__(index))
        return self.collate_fn([dataset[i] for i in index])


class IterableFetcher:
    """Iterable datasets: `fetch(batch_size)` collates the next batch_size samples of the stream
    (fewer at its end; StopIteration when none are left, or a short batch under drop_last);
    `fetch(None)` converts the next single sample."""

    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.stream = iter(dataset)
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last

    def fetch(self, batch_size):
        if not self.auto_collation:
            return self.collate_fn(next(self.stream))
        batch = []
        for sample in self.stream:
            batch.append(sample)
            if len(batch) == batch_size:
                break
        if not batch or (self.drop_last and len(batch) < batch_size):
            raise StopIteration
        return self.collate_fn(batch)
