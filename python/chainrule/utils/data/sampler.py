"""Samplers as in torch.utils.data: the order in which DataLoader visits dataset indices.

Random samplers draw from a chainrule.Generator when given one; with generator=None each epoch
draws a fresh seed from chainrule's global generator, so chainrule.manual_seed fixes the shuffles.
Draws with replacement are made lazily, _DRAW_CHUNK at a time (as PyTorch does), so num_samples
can be far larger than memory: only what the iteration reaches is ever drawn.
"""
import numpy as np

from chainrule import _C
from chainrule._generator import numpy_rng

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "WeightedRandomSampler", "BatchSampler"]


_DRAW_CHUNK = 32  # PyTorch's RandomSampler draws 32 indices at a time with replacement


def _draw_lazily(draw, total):
    """Yields `total` ints from `draw(k)` (an array of k random ints), _DRAW_CHUNK per call."""
    for start in range(0, total, _DRAW_CHUNK):
        yield from draw(min(_DRAW_CHUNK, total - start)).tolist()


class Sampler:
    """Base class: subclasses define __iter__ (yielding indices) and usually __len__."""

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


def _check_positive_int(name, value, owner):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{owner}: {name} should be a positive integer value, but got {name}={value!r}")


def _check_bool(name, value, owner, error=ValueError):
    if not isinstance(value, bool):
        raise error(f"{owner}: {name} should be a boolean value, but got {name}={value!r}")


class RandomSampler(Sampler):
    """A random permutation of the indices (or num_samples draws with replacement)."""

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        _check_bool("replacement", replacement, "RandomSampler", TypeError)
        _check_positive_int("num_samples", self.num_samples, "RandomSampler")

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        n = len(self.data_source)
        rng = numpy_rng(self.generator)
        if self.replacement:
            return _draw_lazily(lambda k: rng.integers(0, n, size=k), self.num_samples)
        return self._permutations(rng, n)

    def _permutations(self, rng, n):
        # Without replacement, num_samples > n chains whole permutations, as in PyTorch; each one
        # is drawn when the iteration reaches it.
        full, rest = divmod(self.num_samples, n)
        for _ in range(full):
            yield from rng.permutation(n).tolist()
        if rest:
            yield from rng.permutation(n)[:rest].tolist()

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices in a random order."""

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = generator

    def __iter__(self):
        order = numpy_rng(self.generator).permutation(len(self.indices))
        return (self.indices[i] for i in order.tolist())

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """num_samples indices in [0, len(weights)) drawn with probabilities proportional to weights."""

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        _check_positive_int("num_samples", num_samples, "WeightedRandomSampler")
        _check_bool("replacement", replacement, "WeightedRandomSampler")
        weights = np.asarray(weights, dtype=np.float64)
        if weights.ndim != 1 or weights.size == 0 or (weights < 0).any() or not weights.sum() > 0:
            raise ValueError(f"WeightedRandomSampler: weights must be a non-empty 1-d sequence of "
                             f"non-negative numbers with a positive sum, got shape {weights.shape}")
        if not replacement and num_samples > np.count_nonzero(weights):  # PyTorch: a RuntimeError when iterated
            raise _C.InvalidArgumentError(f"WeightedRandomSampler: cannot draw {num_samples} samples without "
                                          f"replacement from {np.count_nonzero(weights)} indices of non-zero weight")
        self.weights = weights
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def __iter__(self):
        rng = numpy_rng(self.generator)
        if not self.replacement:  # num_samples <= len(weights): bounded by the weights' own size
            p = self.weights / self.weights.sum()
            return iter(rng.choice(len(p), size=self.num_samples, replace=False, p=p).tolist())
        # With replacement: inverse-CDF draws (what numpy's choice does), made lazily.
        cdf = np.cumsum(self.weights)
        cdf /= cdf[-1]
        return _draw_lazily(lambda k: cdf.searchsorted(rng.random(k), side="right"), self.num_samples)

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Groups the indices of `sampler` into lists of batch_size (the last one shorter unless drop_last)."""

    def __init__(self, sampler, batch_size, drop_last):
        _check_positive_int("batch_size", batch_size, "BatchSampler")
        _check_bool("drop_last", drop_last, "BatchSampler")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self):
        batch = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self):
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size
