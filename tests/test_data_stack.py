"""chainrule.utils.data.StackDataset against torch.utils.data.StackDataset: tuple and dict samples,
batched __getitems__ (with and without the nested datasets' own), DataLoader batches, and torch's
ValueError messages."""
import numpy as np
import pytest

import chainrule as cr
from chainrule.utils.data import DataLoader, StackDataset, TensorDataset
from conftest import requires_torch, torch


class ListDataset:
    """A map-style dataset over a list, with no __getitems__."""

    def __init__(self, items):
        self.items = list(items)

    def __len__(self):
        return len(self.items)

    def __getitem__(self, index):
        return self.items[index]


class BatchedListDataset(ListDataset):
    """A dataset with __getitems__ that records its calls; `short` drops the last sample to break it."""

    def __init__(self, items, short=False):
        super().__init__(items)
        self.calls, self.short = [], short

    def __getitems__(self, indices):
        self.calls.append(list(indices))
        samples = [self.items[i] for i in indices]
        return samples[:-1] if self.short else samples


def test_tuple_and_dict_samples_match_torch():
    letters, numbers = ListDataset("abcd"), ListDataset(range(4))
    for mod in (cr.utils.data, torch.utils.data) if torch is not None else (cr.utils.data,):
        stacked = mod.StackDataset(letters, numbers)
        assert len(stacked) == 4 and stacked[2] == ("c", 2) and stacked[-1] == ("d", 3)
        named = mod.StackDataset(letter=letters, number=numbers)
        assert named[1] == {"letter": "b", "number": 1}
        assert named.datasets == {"letter": letters, "number": numbers} and stacked.datasets == (letters, numbers)


@requires_torch
def test_getitems_uses_nested_getitems_like_torch():
    indices = [3, 0, 2]
    results = {}
    for name, mod in (("cr", cr.utils.data), ("torch", torch.utils.data)):
        batched = BatchedListDataset("wxyz")
        results[name] = (mod.StackDataset(batched, ListDataset(range(4))).__getitems__(indices),
                         mod.StackDataset(a=batched, b=ListDataset(range(4))).__getitems__(indices), batched.calls)
    assert results["cr"] == results["torch"]
    assert results["cr"][0] == [("z", 3), ("w", 0), ("y", 2)] and results["cr"][2] == [indices, indices]


@requires_torch
@pytest.mark.parametrize("make", [
    lambda mod: mod.StackDataset(ListDataset("ab"), ListDataset("abc")),
    lambda mod: mod.StackDataset(a=ListDataset("ab"), b=ListDataset("abc")),
    lambda mod: mod.StackDataset(ListDataset("ab"), b=ListDataset("ab")),
    lambda mod: mod.StackDataset(),
    lambda mod: mod.StackDataset(BatchedListDataset("ab", short=True)).__getitems__([0, 1]),
    lambda mod: mod.StackDataset(a=BatchedListDataset("ab", short=True)).__getitems__([0, 1]),
])
def test_errors_like_torch(make):
    with pytest.raises(ValueError) as want:
        make(torch.utils.data)
    with pytest.raises(ValueError) as got:
        make(cr.utils.data)
    assert str(got.value) == str(want.value)


@requires_torch
def test_data_loader_batches_match_torch():
    x = np.arange(12, dtype=np.float32).reshape(6, 2)
    y = np.arange(6, dtype=np.int64)
    ours = DataLoader(StackDataset(features=TensorDataset(cr.tensor(x)), label=ListDataset(y.tolist())), batch_size=4)
    theirs = torch.utils.data.DataLoader(torch.utils.data.StackDataset(
        features=torch.utils.data.TensorDataset(torch.tensor(x)), label=ListDataset(y.tolist())), batch_size=4)
    for got, want in zip(ours, theirs, strict=True):
        assert sorted(got) == sorted(want) == ["features", "label"]
        np.testing.assert_array_equal(got["features"][0].numpy(), want["features"][0].numpy())
        np.testing.assert_array_equal(got["label"].numpy(), want["label"].numpy())
