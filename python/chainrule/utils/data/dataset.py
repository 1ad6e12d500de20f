"""Datasets as in torch.utils.data: Dataset, IterableDataset, TensorDataset, Subset, ConcatDataset,
ChainDataset and random_split."""
import bisect
import math
import warnings

import numpy as np

from chainrule import _C
from chainrule._C import Tensor
from chainrule._generator import numpy_rng
from chainrule._tensor import as_tensor

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "Subset", "ConcatDataset", "ChainDataset", "StackDataset",
           "random_split"]


class Dataset:
    """A map-style dataset: subclasses define __getitem__(index) and usually __len__()."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A stream-style dataset: subclasses define __iter__(). DataLoader batches what it yields."""

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")

    def __add__(self, other):
        return ChainDataset([self, other])


def _as_dataset_tensor(data, position):
    """A tensor for TensorDataset: tensors as they are; NumPy arrays shared without a copy where the
    dtype allows (float32/float64/float16/int64/bool), else widened once (other ints -> int64)."""
    if isinstance(data, Tensor):
        return data
    if isinstance(data, np.ndarray):
        if data.dtype.kind in "iu" and data.dtype != np.int64:
            data = data.astype(np.int64)
        if data.ndim == 0:
            raise ValueError(f"TensorDataset: array {position} is 0-d; every array needs a first dimension")
        return as_tensor(data)
    raise TypeError(f"TensorDataset: argument {position} must be a tensor or a NumPy array, "
                    f"got {type(data).__name__}")


class TensorDataset(Dataset):
    """Samples are tuple(t[i] for t in tensors); all tensors (or NumPy arrays, wrapped without a copy
    where their dtype allows) must share the first dimension.

    DataLoader with the default collate_fn takes one index op per tensor per batch (t[indices])
    instead of stacking samples one by one.
    """

    def __init__(self, *tensors):
        self.tensors = tuple(_as_dataset_tensor(t, i) for i, t in enumerate(tensors))
        for i, t in enumerate(self.tensors):
            if t.dim() == 0:
                raise IndexError(f"TensorDataset: tensor {i} is 0-d; every tensor needs a first dimension")
        sizes = [t.shape[0] for t in self.tensors]
        if len(set(sizes)) > 1:  # torch asserts: AssertionError
            raise AssertionError(f"TensorDataset: size mismatch between tensors: first dimensions {sizes} "
                                 "must all be equal")

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0] if self.tensors else 0

    def _fetch_batch(self, indices):
        """The collated batch for `indices` (a list of ints): one index op per tensor."""
        index = _index_tensor(indices, len(self))
        return [t.index_select(0, index) for t in self.tensors]


def _index_tensor(indices, length):
    """An int64 tensor of `indices`, negative ones wrapped, each checked against `length`."""
    array = np.asarray(indices, dtype=np.int64).reshape(-1)
    array = np.where(array < 0, array + length, array)
    if array.size and (array.min() < 0 or array.max() >= length):
        bad = next(i for i in indices if not -length <= i < length)
        raise IndexError(f"TensorDataset: index {bad} is out of range for a dataset of length {length}")
    return _C.from_numpy(array)


class Subset(Dataset):
    """The samples of `dataset` at `indices`, in that order."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __len__(self):
        return len(self.indices)

    def _fetch_batch(self, indices):
        """The batch fast path of the wrapped dataset (see _has_fetch_batch), at mapped indices."""
        return self.dataset._fetch_batch([self.indices[i] for i in indices])


def _has_fetch_batch(dataset):
    """Whether `dataset` (or the dataset a chain of Subsets wraps) collates batches itself."""
    while isinstance(dataset, Subset):
        dataset = dataset.dataset
    return isinstance(dataset, TensorDataset) and type(dataset).__getitem__ is TensorDataset.__getitem__


class ConcatDataset(Dataset):
    """The samples of several map-style datasets one after another."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise TypeError("ConcatDataset does not support IterableDataset (use ChainDataset)")
        self.cumulative_sizes = list(np.cumsum([len(d) for d in self.datasets]).tolist())

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        if idx < 0:
            if -idx > len(self):
                raise ValueError(f"ConcatDataset: absolute value of index {idx} should not exceed "
                                 f"dataset length {len(self)}")
            idx = len(self) + idx
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        if which == len(self.datasets):
            raise IndexError(f"ConcatDataset: index {idx} is out of range for length {len(self)}")
        start = self.cumulative_sizes[which - 1] if which > 0 else 0
        return self.datasets[which][idx - start]


def _samples_at(dataset, indices):
    """dataset's samples at indices: one __getitems__ call when the dataset has one (checked to
    return one sample per index), else one __getitem__ per index."""
    if not callable(getattr(dataset, "__getitems__", None)):
        return [dataset[i] for i in indices]
    samples = dataset.__getitems__(indices)
    if len(samples) != len(indices):
        raise ValueError(f"Nested dataset's output size mismatch. Expected {len(indices)}, got {len(samples)}")
    return samples


class StackDataset(Dataset):
    """Several datasets of the same length side by side (torch.utils.data.StackDataset): sample i is
    the tuple of their samples i (datasets given as *args) or the dict of them by name (**kwargs).
    __getitems__ fetches a batch with each dataset's own __getitems__ where it has one."""

    def __init__(self, *args, **kwargs):
        if args and kwargs:
            raise ValueError("Supported either ``tuple``- (via ``args``) or``dict``- (via ``kwargs``) like "
                             "input/output, but both types are given.")
        if not args and not kwargs:
            raise ValueError("At least one dataset should be passed")
        datasets = list(args or kwargs.values())
        self._length = len(datasets[0])
        if any(self._length != len(dataset) for dataset in datasets):
            raise ValueError("Size mismatch between datasets")
        self.datasets = args or kwargs

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {name: dataset[index] for name, dataset in self.datasets.items()}
        return tuple(dataset[index] for dataset in self.datasets)

    def __getitems__(self, indices):
        if isinstance(self.datasets, dict):
            columns = {name: _samples_at(dataset, indices) for name, dataset in self.datasets.items()}
            return [{name: column[i] for name, column in columns.items()} for i in range(len(indices))]
        columns = [_samples_at(dataset, indices) for dataset in self.datasets]
        return [tuple(column[i] for column in columns) for i in range(len(indices))]

    def __len__(self):
        return self._length


class ChainDataset(IterableDataset):
    """The samples of several iterable datasets, one stream after another."""

    def __init__(self, datasets):
        self.datasets = datasets

    def __iter__(self):
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise TypeError("ChainDataset only supports IterableDataset")
            yield from d

    def __len__(self):
        return sum(len(d) for d in self.datasets)


def _lengths_from_fractions(fractions, total):
    """PyTorch's rule: floor(total * f) each, then the remainder one by one round-robin."""
    lengths = [int(math.floor(total * f)) for f in fractions]
    for i in range(total - sum(lengths)):
        lengths[i % len(lengths)] += 1
    for i, n in enumerate(lengths):
        if n == 0:
            warnings.warn(f"random_split: length of split at index {i} is 0; this might result in an "
                          "empty dataset.")
    return lengths


def random_split(dataset, lengths, generator=None):
    """Splits `dataset` into non-overlapping random Subsets of the given lengths (ints summing to
    len(dataset), or fractions summing to 1). generator=None follows chainrule.manual_seed."""
    lengths = list(lengths)
    total = len(dataset)
    is_fraction = lambda x: isinstance(x, float) and 0 <= x <= 1  # noqa: E731
    if lengths and all(is_fraction(x) for x in lengths) and math.isclose(sum(lengths), 1):
        lengths = _lengths_from_fractions(lengths, total)
    for n in lengths:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"random_split: lengths must be non-negative ints or fractions summing to 1, "
                             f"got {lengths}")
    if sum(lengths) != total:
        raise ValueError(f"random_split: sum of input lengths {sum(lengths)} does not equal the length of "
                         f"the input dataset ({total})")
    order = numpy_rng(generator).permutation(total).tolist()
    splits, offset = [], 0
    for n in lengths:
        splits.append(Subset(dataset, order[offset:offset + n]))
        offset += n
    return splits
