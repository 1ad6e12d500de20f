"""chainrule.utils.data: datasets, samplers, collation and DataLoader, against torch.utils.data."""
import collections
import itertools
import warnings

import numpy as np
import pytest

import chainrule as cr
from chainrule.utils.data import (BatchSampler, ConcatDataset, DataLoader, Dataset, IterableDataset,
                                  RandomSampler, SequentialSampler, Subset, SubsetRandomSampler,
                                  TensorDataset, WeightedRandomSampler, default_collate, random_split)
from conftest import requires_torch, torch


class Squares(Dataset):
    """A plain map-style dataset (no fast path): (x, x*x, {"i": i})."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return float(i), i * i, {"i": np.array([i, -i])}


class Stream(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


def as_np(batch):
    """Batches (nested lists/dicts of tensors) as nested NumPy, for comparisons with torch."""
    if isinstance(batch, dict):
        return {k: as_np(v) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return [as_np(v) for v in batch]
    return np.asarray(batch.numpy() if hasattr(batch, "numpy") else batch)


def assert_same(a, b):
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            assert_same(a[k], b[k])
    elif isinstance(a, list):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_same(x, y)
    else:
        assert a.dtype == b.dtype, (a.dtype, b.dtype)
        np.testing.assert_array_equal(a, b)


# ----------------------------------------------------------------------------------- datasets

def test_tensor_dataset_items_and_numpy_sharing():
    x = np.arange(12, dtype=np.float32).reshape(6, 2)
    ds = TensorDataset(x, cr.arange(6))
    assert len(ds) == 6
    xi, yi = ds[2]
    assert xi.shape == (2,) and yi.dim() == 0 and yi.item() == 2
    x[2, 0] = 100.0  # float32 arrays are wrapped without a copy
    assert ds[2][0][0].item() == 100.0
    ds_uint8 = TensorDataset(np.arange(4, dtype=np.uint8))
    assert ds_uint8.tensors[0].dtype == cr.int64


def test_tensor_dataset_errors():
    with pytest.raises(AssertionError, match="TensorDataset: size mismatch"):  # torch's error types
        TensorDataset(cr.zeros(3, 2), cr.zeros(4))
    with pytest.raises(TypeError, match="TensorDataset: argument 1"):
        TensorDataset(cr.zeros(3), [1, 2, 3])
    with pytest.raises(IndexError, match="0-d"):
        TensorDataset(cr.tensor(1.0))


def test_subset_concat_and_add():
    a, b = Squares(3), Squares(4)
    cat = a + b
    assert isinstance(cat, ConcatDataset) and len(cat) == 7
    assert [cat[i][1] for i in range(7)] == [0, 1, 4, 0, 1, 4, 9]
    assert cat[-1][1] == 9 and cat.cumulative_sizes == [3, 7]
    with pytest.raises(ValueError, match="should not exceed"):
        cat[-8]
    with pytest.raises(IndexError):
        cat[7]
    with pytest.raises(ValueError, match="empty"):
        ConcatDataset([])
    with pytest.raises(TypeError, match="IterableDataset"):
        ConcatDataset([Stream(2)])
    sub = Subset(b, [3, 1])
    assert len(sub) == 2 and sub[0][1] == 9 and sub[1][1] == 1


def test_random_split_lengths_fractions_and_seed():
    ds = Squares(10)
    parts = random_split(ds, [0.5, 0.3, 0.2], generator=cr.Generator().manual_seed(0))
    assert [len(p) for p in parts] == [5, 3, 2]
    assert sorted(i for p in parts for i in p.indices) == list(range(10))
    again = random_split(ds, [0.5, 0.3, 0.2], generator=cr.Generator().manual_seed(0))
    assert [p.indices for p in parts] == [p.indices for p in again]
    cr.manual_seed(7)
    first = [p.indices for p in random_split(ds, [4, 6])]
    cr.manual_seed(7)
    assert first == [p.indices for p in random_split(ds, [4, 6])]


@requires_torch
@pytest.mark.parametrize("n, fractions", [(10, [0.5, 0.3, 0.2]), (7, [0.5, 0.5]), (11, [0.1, 0.2, 0.7]),
                                          (3, [0.25, 0.25, 0.25, 0.25])])
def test_random_split_fraction_lengths_match_torch(n, fractions):
    with pytest.warns(UserWarning) if n == 3 else _no_warning():
        ours = [len(p) for p in random_split(Squares(n), fractions)]
    with pytest.warns(UserWarning) if n == 3 else _no_warning():
        theirs = [len(p) for p in torch.utils.data.random_split(range(n), fractions)]
    assert ours == theirs


class _no_warning:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_random_split_errors():
    with pytest.raises(ValueError, match="random_split: sum of input lengths 9"):
        random_split(Squares(10), [4, 5])
    with pytest.raises(ValueError, match="random_split: lengths must be"):
        random_split(Squares(10), [0.5, 0.4])
    with pytest.raises(ValueError, match="random_split: lengths must be"):
        random_split(Squares(10), [-1, 11])


# ----------------------------------------------------------------------------------- samplers

def test_samplers():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    g = cr.Generator().manual_seed(3)
    perm = list(RandomSampler(range(20), generator=g))
    assert sorted(perm) == list(range(20)) and perm != list(range(20))
    assert perm == list(RandomSampler(range(20), generator=cr.Generator().manual_seed(3)))
    long = list(RandomSampler(range(5), num_samples=12, generator=g))
    assert len(long) == 12 and sorted(long[:10]) == sorted(list(range(5)) * 2)
    drawn = list(RandomSampler(range(3), replacement=True, num_samples=50, generator=g))
    assert len(drawn) == 50 and set(drawn) <= {0, 1, 2}
    sub = list(SubsetRandomSampler([10, 20, 30], generator=g))
    assert sorted(sub) == [10, 20, 30]
    weighted = list(WeightedRandomSampler([0, 1, 0, 3], 40, generator=g))
    assert len(weighted) == 40 and set(weighted) <= {1, 3}


def test_samplers_draw_lazily():
    # 10**12 samples would be 8 TB drawn at once: the first indices must come without that.
    g = cr.Generator().manual_seed(0)
    for sampler in (RandomSampler(range(7), replacement=True, num_samples=10**12, generator=g),
                    RandomSampler(range(7), num_samples=10**12, generator=g),
                    WeightedRandomSampler([0, 1, 0, 3], 10**12, generator=g)):
        assert len(sampler) == 10**12
        first = list(itertools.islice(sampler, 100))
        assert len(first) == 100 and set(first) <= set(range(7))
    # The lazy chunks are one stream: same generator state -> same draws; frequencies follow the weights.
    weighted = list(WeightedRandomSampler([0, 1, 0, 3], 4000, generator=cr.Generator().manual_seed(1)))
    assert weighted == list(WeightedRandomSampler([0, 1, 0, 3], 4000, generator=cr.Generator().manual_seed(1)))
    assert set(weighted) == {1, 3} and 0.70 < weighted.count(3) / 4000 < 0.80


def test_sampler_errors():
    with pytest.raises(TypeError, match="replacement should be a boolean"):
        RandomSampler(range(3), replacement=1)
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        RandomSampler(range(3), num_samples=0)
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        BatchSampler(range(3), 0, False)
    with pytest.raises(ValueError, match="drop_last should be a boolean"):
        BatchSampler(range(3), 2, None)
    with pytest.raises(ValueError, match="WeightedRandomSampler"):
        WeightedRandomSampler([1, 0], 2, replacement=False)


@requires_torch
@pytest.mark.parametrize("n, size, drop", [(10, 3, False), (10, 3, True), (9, 3, True), (2, 5, False), (2, 5, True)])
def test_batch_sampler_matches_torch(n, size, drop):
    ours = BatchSampler(SequentialSampler(range(n)), size, drop)
    theirs = torch.utils.data.BatchSampler(torch.utils.data.SequentialSampler(range(n)), size, drop)
    assert list(ours) == list(theirs) and len(ours) == len(theirs)


# ----------------------------------------------------------------------------------- collate

def test_default_collate_types():
    assert default_collate([1.5, 2.0]).dtype == cr.float64
    assert default_collate([1, 2]).dtype == cr.int64
    assert default_collate([True, False]).dtype == cr.bool
    assert default_collate([np.float32(1), np.float32(2)]).dtype == cr.float32
    assert default_collate(["a", "b"]) == ["a", "b"]
    out = default_collate([(cr.zeros(2), 1), (cr.ones(2), 2)])
    assert isinstance(out, list) and out[0].shape == (2, 2) and out[1].tolist() == [1, 2]
    Point = collections.namedtuple("Point", "x y")
    p = default_collate([Point(1, 2.0), Point(3, 4.0)])
    assert isinstance(p, Point) and p.x.tolist() == [1, 3]
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([[1, 2], [1]])
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        default_collate([object(), object()])


@requires_torch
def test_default_collate_matches_torch():
    # i / 3: floats that float32 cannot hold, so a detour through float32 would show
    batch = [(i / 3, i, np.full((2, 3), i, dtype=np.float32), {"a": np.int64(i), "b": [i, 2.5]}, "s")
             for i in range(4)]
    ours = default_collate(batch)
    theirs = torch.utils.data.default_collate(batch)
    assert_same(as_np(ours), as_np(theirs))



@requires_torch
def test_default_collate_copies_real_pytorch_tensors():
    # a dataset built on real PyTorch (a torch-formatted Hugging Face dataset, a torch-based transform)
    batch = [(torch.full((2,), float(i), dtype=torch.bfloat16), torch.tensor(i)) for i in range(3)]
    loader = DataLoader(batch, batch_size=3)
    ours = next(iter(loader))
    theirs = torch.utils.data.default_collate(batch)
    assert all(isinstance(t, cr.Tensor) for t in ours)
    assert [t.tolist() for t in ours] == [t.float().tolist() for t in theirs]


def test_default_collate_from_the_pre_1_11_import_paths():
    import importlib
    for lib in ("chainrule", "torch") if torch is not None else ("chainrule",):
        private = importlib.import_module(f"{lib}.utils.data._utils.collate")
        public = importlib.import_module(f"{lib}.utils.data")
        assert private.default_collate is public.default_collate
        assert private.default_convert is public.default_convert
        assert importlib.import_module(f"{lib}.utils.data.dataloader").default_collate is public.default_collate

# ----------------------------------------------------------------------------------- DataLoader

@requires_torch
@pytest.mark.parametrize("batch_size, drop_last", [(1, False), (4, False), (4, True), (16, False), (None, False)])
def test_loader_sequential_matches_torch(batch_size, drop_last):
    ours = DataLoader(Squares(10), batch_size=batch_size, drop_last=drop_last)
    theirs = torch.utils.data.DataLoader(Squares(10), batch_size=batch_size, drop_last=drop_last)
    assert len(ours) == len(theirs)
    got, want = [as_np(b) for b in ours], [as_np(b) for b in theirs]
    assert len(got) == len(want)
    for a, b in zip(got, want):
        assert_same(a, b)


@requires_torch
@pytest.mark.parametrize("drop_last", [False, True])
def test_tensor_dataset_fast_path_matches_torch(drop_last):
    x = np.random.default_rng(0).standard_normal((13, 3, 2)).astype(np.float32)
    y = np.arange(13)
    sampler = [5, 0, 12, 3, 3, 7, 1, 2, 11, 4]
    ours = DataLoader(TensorDataset(x, y), batch_size=4, sampler=sampler, drop_last=drop_last)
    theirs = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y)),
                                         batch_size=4, sampler=sampler, drop_last=drop_last)
    assert len(ours) == len(theirs) == len(list(ours))
    for a, b in zip(ours, theirs):
        assert_same(as_np(a), as_np(b))


def test_fast_path_equals_generic_path_and_subsets():
    x, y = cr.randn(20, 3), cr.arange(20)
    ds = TensorDataset(x, y)
    fast = list(DataLoader(ds, batch_size=6, shuffle=True, generator=cr.Generator().manual_seed(1)))
    slow = list(DataLoader(ds, batch_size=6, shuffle=True, generator=cr.Generator().manual_seed(1),
                           collate_fn=default_collate))
    assert len(fast) == len(slow) == 4
    for a, b in zip(fast, slow):
        assert_same(as_np(a), as_np(b))
    train, _ = random_split(ds, [15, 5], generator=cr.Generator().manual_seed(0))
    batches = list(DataLoader(train, batch_size=4))
    assert [len(b[1]) for b in batches] == [4, 4, 4, 3]
    assert cr.cat([b[1] for b in batches]).tolist() == train.indices


def test_shuffle_reproducible_and_reiterable():
    ds = TensorDataset(cr.arange(30))
    loader = DataLoader(ds, batch_size=8, shuffle=True, generator=cr.Generator().manual_seed(5))
    epoch1 = cr.cat([b[0] for b in loader]).tolist()
    epoch2 = cr.cat([b[0] for b in loader]).tolist()
    assert sorted(epoch1) == list(range(30)) and sorted(epoch2) == list(range(30))
    assert epoch1 != epoch2  # a new order each epoch
    again = DataLoader(ds, batch_size=8, shuffle=True, generator=cr.Generator().manual_seed(5))
    assert cr.cat([b[0] for b in again]).tolist() == epoch1
    orders = []
    for _ in range(2):
        cr.manual_seed(11)  # without a generator the global seed decides
        orders.append(cr.cat([b[0] for b in DataLoader(ds, batch_size=8, shuffle=True)]).tolist())
    assert orders[0] == orders[1]


def test_loader_batch_sampler_and_iterable():
    loader = DataLoader(Squares(7), batch_sampler=[[0, 1], [6]])
    assert len(loader) == 2 and [b[1].tolist() for b in loader] == [[0, 1], [36]]
    stream = DataLoader(Stream(7), batch_size=3)
    assert len(stream) == 3 and [b.tolist() for b in stream] == [[0, 1, 2], [3, 4, 5], [6]]
    assert len(DataLoader(Stream(7), batch_size=3, drop_last=True)) == 2
    assert [int(x) for x in DataLoader(Stream(3), batch_size=None)] == [0, 1, 2]


def test_loader_num_workers_gives_the_same_batches():
    ds = TensorDataset(cr.arange(10))
    ours = [b[0].tolist() for b in DataLoader(ds, batch_size=3, num_workers=2)]
    assert ours == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]


def test_loader_errors():
    with pytest.raises(ValueError, match="mutually exclusive with shuffle"):
        DataLoader(Squares(3), sampler=[0, 1], shuffle=True)
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
        DataLoader(Squares(3), batch_sampler=[[0]], batch_size=2)
    with pytest.raises(ValueError, match="batch_size=None"):
        DataLoader(Squares(3), batch_size=None, drop_last=True)
    with pytest.raises(ValueError, match="num_workers"):
        DataLoader(Squares(3), num_workers=-1)
    with pytest.raises(ValueError, match="expected unspecified shuffle"):
        DataLoader(Stream(3), shuffle=True)
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        DataLoader(Squares(3), batch_size=0)
    with pytest.raises(TypeError, match="generator must be a chainrule.Generator"):
        list(DataLoader(Squares(3), shuffle=True, generator=np.random.default_rng(0)))
    with pytest.raises(IndexError, match="out of range"):
        list(DataLoader(TensorDataset(cr.zeros(3)), sampler=[0, 3]))


def test_generator_api():
    g = cr.Generator().manual_seed(42)
    assert g.initial_seed() == 42 and isinstance(g, cr.Generator)
    state = g.get_state()
    first = list(RandomSampler(range(10), generator=g))
    g.set_state(state)
    assert list(RandomSampler(range(10), generator=g)) == first
    assert cr.Generator().manual_seed(-1).initial_seed() == 2**64 - 1  # wraps, as in PyTorch
    with pytest.raises(TypeError, match="Generator.manual_seed: seed must be an int"):
        cr.Generator().manual_seed(1.5)
    if not cr.cuda.is_available():  # a CUDA generator needs a GPU, as in PyTorch (tests/test_cuda_random.py)
        with pytest.raises(RuntimeError, match="Generator: device 'cuda:0' is not available"):
            cr.Generator("cuda")


@requires_torch
@pytest.mark.parametrize("options", [dict(pin_memory=True), dict(pin_memory=True, pin_memory_device="cpu"),
                                     dict(pin_memory_device="cpu"), {}])
def test_pin_memory_warns_at_each_iteration_as_torch(options):
    # aladdinpersson's image_captioning get_loader passes pin_memory=True; without an accelerator PyTorch warns
    caught_messages = []
    for lib in (cr, torch):
        loader = lib.utils.data.DataLoader(lib.utils.data.TensorDataset(lib.ones(4, 2)), batch_size=2, **options)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for _ in range(2):
                list(loader)
        caught_messages.append([str(w.message) for w in caught])
    assert caught_messages[0] == caught_messages[1]


@requires_torch
def test_pin_memory_warns_once_with_persistent_workers_as_torch():
    # the workers' iterator is made once and reset between epochs; PyTorch warns when it is made
    counts = []
    for lib in (cr, torch):
        loader = lib.utils.data.DataLoader(lib.utils.data.TensorDataset(lib.ones(4, 2)), batch_size=2, num_workers=1,
                                           persistent_workers=True, pin_memory=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for _ in range(2):
                list(loader)
        counts.append(sum("pin_memory" in str(w.message) for w in caught))
    assert counts[0] == counts[1] == 1
