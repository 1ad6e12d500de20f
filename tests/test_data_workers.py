"""DataLoader with num_workers > 0: real worker processes, checked against num_workers=0 and against
PyTorch's DataLoader (order, sharding, seeding, errors, shutdown). At most 2 workers per loader:
each start costs time on a small machine."""
import gc
import multiprocessing
import os
import random
import time

import numpy as np
import pytest

import chainrule as cr
from chainrule.utils.data import (BatchSampler, DataLoader, Dataset, IterableDataset, SequentialSampler,
                                  TensorDataset, get_worker_info)
from conftest import requires_torch, torch

# Datasets live at module level so that the 'spawn' start method can pickle them.


class Squares(Dataset):
    def __init__(self, n=10):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return {"i": i, "x": np.full(2, i * i, dtype=np.float32)}


class WhoLoads(Dataset):
    """Each sample says which process loaded it: (index, worker id, pid, worker_init_fn's mark)."""

    def __len__(self):
        return 8

    def __getitem__(self, i):
        return i, get_worker_info().id, os.getpid(), _INIT_MARK


_INIT_MARK = -1


def _mark_worker(worker_id):
    global _INIT_MARK
    _INIT_MARK = 100 + worker_id


class RandomDraws(Dataset):
    """Random 'augmentations' from each library a worker seeds, plus the worker's seed and id."""

    def __len__(self):
        return 4

    def __getitem__(self, i):
        info = get_worker_info()
        return [random.random(), float(cr.rand(1).item()), float(np.random.rand()), info.seed, info.id]


class Failing(Dataset):
    def __init__(self, error):
        self.error = error

    def __len__(self):
        return 6

    def __getitem__(self, i):
        if i == 3:
            raise self.error
        return i


class Sleepy(Dataset):
    def __init__(self, seconds):
        self.seconds = seconds

    def __len__(self):
        return 4

    def __getitem__(self, i):
        time.sleep(self.seconds)
        return i


class Dying(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        os._exit(1)


class _Stream:
    """range(n), split between workers when `shard` (as PyTorch's docs show) or whole in each."""

    def __init__(self, n, shard, worker_info):
        self.n, self.shard, self.worker_info = n, shard, worker_info

    def __iter__(self):
        info = self.worker_info()
        if info is None or not self.shard:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))


class Stream(_Stream, IterableDataset):
    def __init__(self, n, shard):
        super().__init__(n, shard, get_worker_info)


def _as_lists(batches):
    """Batches as nested Python lists, for comparing loaders (and chainrule with PyTorch)."""
    def convert(x):
        if isinstance(x, dict):
            return {k: convert(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return [convert(v) for v in x]
        return x.tolist() if hasattr(x, "tolist") else x
    return [convert(b) for b in batches]


def _no_children_left():
    return multiprocessing.active_children() == []


# ------------------------------------------------------------------------------------ map-style

@pytest.mark.parametrize("kwargs", [
    dict(batch_size=3),
    dict(batch_size=3, drop_last=True),
    dict(batch_size=None),
    dict(batch_sampler=BatchSampler(SequentialSampler(range(10)), 4, False)),
    dict(batch_size=2, shuffle=True),
])
def test_map_style_same_batches_as_main_process(kwargs):
    def load(num_workers):
        if kwargs.get("shuffle"):
            kwargs["generator"] = cr.Generator().manual_seed(7)
        return _as_lists(DataLoader(Squares(), num_workers=num_workers, **kwargs))
    assert load(2) == load(0)
    assert _no_children_left()


def test_tensor_dataset_fast_path_in_workers():
    ds = TensorDataset(cr.arange(10), cr.randn(10, 3))
    ours = _as_lists(DataLoader(ds, batch_size=4, num_workers=2, prefetch_factor=1, pin_memory=True))
    assert ours == _as_lists(DataLoader(ds, batch_size=4))
    assert [b[0] for b in ours] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_out_of_order_gives_every_batch():
    batches = _as_lists(DataLoader(Squares(), batch_size=2, num_workers=2, in_order=False))
    assert sorted(b["i"] for b in batches) == [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9]]


def test_spawn_context():
    # A dataset class of chainrule's own: a spawned worker unpickling one from this file would
    # import conftest, and with it PyTorch (seconds).
    ds = TensorDataset(cr.arange(5))
    loader = DataLoader(ds, batch_size=2, num_workers=1, multiprocessing_context="spawn")
    assert _as_lists(loader) == [[[0, 1]], [[2, 3]], [[4]]]


# ------------------------------------------------------------------------ workers and their info

def test_workers_are_processes_with_info_and_init_fn():
    samples = [s for batch in DataLoader(WhoLoads(), batch_size=2, num_workers=2, worker_init_fn=_mark_worker)
               for s in zip(*[t.tolist() for t in batch])]
    assert [s[0] for s in samples] == list(range(8))
    # Batches go round-robin: batch k to worker k % 2, each worker one process, not this one.
    assert [s[1] for s in samples] == [0, 0, 1, 1, 0, 0, 1, 1]
    pids = {s[1]: s[2] for s in samples}
    assert all(pids[s[1]] == s[2] for s in samples) and len(set(pids.values())) == 2
    assert os.getpid() not in pids.values()
    assert all(s[3] == 100 + s[1] for s in samples)  # worker_init_fn(worker_id) ran in that worker
    assert get_worker_info() is None and _INIT_MARK == -1  # the main process is untouched


def test_persistent_workers_live_across_epochs():
    def pids(loader):
        return {pid for batch in loader for pid in batch[2].tolist()}
    loader = DataLoader(WhoLoads(), batch_size=2, num_workers=2, persistent_workers=True)
    first = pids(loader)
    assert len(first) == 2 and multiprocessing.active_children() != []  # still running between epochs
    assert pids(loader) == first
    it = iter(loader)
    next(it)
    assert [b[0].tolist() for b in loader] == [[0, 1], [2, 3], [4, 5], [6, 7]]  # an abandoned epoch restarts
    del loader, it
    assert _no_children_left()
    fresh = DataLoader(WhoLoads(), batch_size=2, num_workers=2)
    assert pids(fresh).isdisjoint(pids(fresh))  # without persistence, new workers each epoch
    stream = DataLoader(Stream(5, shard=True), batch_size=2, num_workers=2, persistent_workers=True)
    assert _as_lists(stream) == _as_lists(stream) == [[0, 2], [1, 3], [4]]  # streams restart each epoch


# ---------------------------------------------------------------------------- iterable datasets

def _stream_batches(stream, **kwargs):
    return _as_lists(DataLoader(stream, num_workers=2, **kwargs))


def test_iterable_dataset_sharding_and_duplicates():
    # Worker 0 streams 0, 2, 4, 6, worker 1 streams 1, 3, 5; batches alternate between them.
    assert _stream_batches(Stream(7, shard=True), batch_size=2) == [[0, 2], [1, 3], [4, 6], [5]]
    assert _stream_batches(Stream(7, shard=True), batch_size=2, drop_last=True) == [[0, 2], [1, 3], [4, 6]]
    assert _stream_batches(Stream(3, shard=True), batch_size=None) == [0, 1, 2]
    # Unsharded, every worker yields the whole stream: each sample twice.
    assert _stream_batches(Stream(3, shard=False), batch_size=2) == [[0, 1], [0, 1], [2], [2]]


@requires_torch
def test_iterable_dataset_matches_pytorch():
    class TorchStream(_Stream, torch.utils.data.IterableDataset):
        def __init__(self, n, shard):
            super().__init__(n, shard, torch.utils.data.get_worker_info)

    for shard in (True, False):
        for kwargs in (dict(batch_size=2), dict(batch_size=3, drop_last=True), dict(batch_size=None)):
            theirs = _as_lists(torch.utils.data.DataLoader(TorchStream(9, shard), num_workers=2, **kwargs))
            assert _stream_batches(Stream(9, shard), **kwargs) == theirs


# -------------------------------------------------------------------------------------- seeding

def _draws(loader):
    return [s for batch in loader for s in zip(*[t.tolist() for t in batch])]


def test_worker_seeds_follow_the_global_seed_and_differ_between_workers():
    loader = DataLoader(RandomDraws(), batch_size=2, num_workers=2)
    cr.manual_seed(0)
    first = _draws(loader)
    cr.manual_seed(0)
    assert _draws(loader) == first  # same seed, same augmentations
    assert _draws(loader) != first  # the next epoch draws a new base seed
    (a, b), (c, d) = first[:2], first[2:]
    assert a[4] == b[4] == 0 and c[4] == d[4] == 1
    assert all(a[k] != c[k] for k in range(4))  # each library's stream differs between workers
    assert c[3] == a[3] + 1  # seed = base_seed + worker_id
    g = cr.Generator().manual_seed(5)
    with_generator = _draws(DataLoader(RandomDraws(), batch_size=2, num_workers=2, generator=g))
    g.manual_seed(5)
    assert _draws(DataLoader(RandomDraws(), batch_size=2, num_workers=2, generator=g)) == with_generator


@requires_torch
def test_worker_seeding_formula_is_pytorchs():
    from torch.utils.data._utils.worker import _generate_state
    for rand_py, rand_cr, rand_np, seed, worker_id in _draws(DataLoader(RandomDraws(), batch_size=2,
                                                                        num_workers=2))[::2]:
        base_seed = seed - worker_id
        assert rand_py == random.Random(seed).random()
        assert rand_np == np.random.RandomState(_generate_state(base_seed, worker_id)).rand()
        cr.manual_seed(seed)
        assert rand_cr == float(cr.rand(1).item())


# ------------------------------------------------------------------------- errors and shutdown

def test_worker_exception_is_reraised_with_its_traceback():
    loader = DataLoader(Failing(ValueError("sample 3 is corrupt")), batch_size=2, num_workers=2)
    with pytest.raises(ValueError, match="Caught ValueError in DataLoader worker process 1") as info:
        list(loader)
    assert "sample 3 is corrupt" in str(info.value) and "Traceback (most recent call last)" in str(info.value)
    assert "in __getitem__" in str(info.value)
    with pytest.raises(KeyError, match="Caught KeyError in DataLoader worker process 1"):
        list(DataLoader(Failing(KeyError("k")), batch_size=2, num_workers=2))
    # The exceptions' tracebacks kept the iterators alive; the garbage collector finalizes them, and
    # their workers exit promptly (not after the 5 s join timeout: a None sent at that point can be lost).
    del info
    start = time.monotonic()
    gc.collect()
    assert _no_children_left() and time.monotonic() - start < 4


def test_breaking_out_early_leaves_no_children():
    for i, _ in enumerate(DataLoader(Squares(40), batch_size=2, num_workers=2)):
        if i == 1:
            break
    assert _no_children_left()
    it = iter(DataLoader(Squares(40), batch_size=2, num_workers=2))
    next(it)
    assert len(multiprocessing.active_children()) == 2
    del it
    assert _no_children_left()


def test_timeout_and_dead_worker_raise():
    it = iter(DataLoader(Sleepy(0.6), num_workers=1, timeout=0.1))
    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.1 seconds"):
        next(it)
    del it
    it = iter(DataLoader(Dying(), num_workers=1, timeout=0.5))
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+\) exited unexpectedly"):
        next(it)
    del it
    assert _no_children_left()


def test_worker_argument_errors():
    with pytest.raises(ValueError, match="prefetch_factor option could only be specified in multiprocessing"):
        DataLoader(Squares(), prefetch_factor=2)
    with pytest.raises(ValueError, match="persistent_workers option needs num_workers > 0"):
        DataLoader(Squares(), persistent_workers=True)
    with pytest.raises(ValueError, match="multiprocessing_context can only be used with multi-process"):
        DataLoader(Squares(), multiprocessing_context="fork")
    with pytest.raises(ValueError, match="should specify a valid start method"):
        DataLoader(Squares(), num_workers=1, multiprocessing_context="threads")
    with pytest.raises(TypeError, match="should be a valid context object"):
        DataLoader(Squares(), num_workers=1, multiprocessing_context=3)
    with pytest.raises(ValueError, match="prefetch_factor should be a positive integer"):
        DataLoader(Squares(), num_workers=1, prefetch_factor=0)


# ---------------------------------------------------------------------------- shared memory

class LargeImages(Dataset):
    """Batches of 8 x 3x128x128 float32 (1.5 MB): large enough to travel through shared memory."""

    def __len__(self):
        return 16

    def __getitem__(self, i):
        return np.full((3, 128, 128), i, dtype=np.float32), i


def _open_fds():
    """This process's open shared-memory (memfd) descriptors: other descriptors come and go with
    whatever else the test run keeps open (the fuzz suite's worker pipes, for one)."""
    if not os.path.isdir("/proc/self/fd"):
        return 0
    links = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            links.append(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:  # closed between listing and reading
            pass
    return sum("chainrule-dataloader" in link for link in links)


def test_large_batches_through_shared_memory():
    from chainrule.utils.data._shared_memory import SHARED_MIN_BYTES
    assert 8 * 3 * 128 * 128 * 4 >= SHARED_MIN_BYTES
    fds = _open_fds()
    batches = list(DataLoader(LargeImages(), batch_size=8, num_workers=2))
    assert _as_lists(batches) == _as_lists(DataLoader(LargeImages(), batch_size=8))
    images = batches[1][0]
    images.add_(1)  # the shared mapping is the tensor's own, writable memory
    assert images[0, 0, 0, 0].item() == 9 and images.dtype == cr.float32
    # As with PyTorch's file_descriptor strategy, each shared tensor holds a descriptor while it lives.
    assert _open_fds() == fds + 2
    del batches, images
    assert _open_fds() == fds


def test_more_workers_than_cpus_warns(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0}, raising=False)
    with pytest.warns(UserWarning, match="This DataLoader will create 2 worker processes in total. Our "
                                         "suggested max number of worker in current system is 1"):
        DataLoader(Squares(), num_workers=2)


def too_many_worker_warnings(lib):
    """The worker-count warnings two loaders made on two lines give under the 'default' filter (once per place)."""
    import warnings
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        lib.utils.data.DataLoader(list(range(4)), num_workers=2)
        lib.utils.data.DataLoader(list(range(4)), num_workers=2)
    return [(os.path.basename(w.filename), w.category) for w in caught if "worker processes" in str(w.message)]


@requires_torch
def test_more_workers_than_cpus_warns_once_per_place_in_the_library_as_torch(monkeypatch):
    """PyTorch attributes the warning to its own DataLoader, so a program making many loaders sees it once, not
    once per line of its own that makes one (the spatial-transformer tutorial saw it 4 times)."""
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0}, raising=False)
    assert too_many_worker_warnings(cr) == too_many_worker_warnings(torch) == [("dataloader.py", UserWarning)]


class _WorkerIds:
    """Sample i is (i, id of the worker that loaded it), under either library's get_worker_info;
    sample 5 raises."""

    def __init__(self, worker_info):
        self.worker_info = worker_info

    def __len__(self):
        return 8

    def __getitem__(self, i):
        if i == 5:
            raise ValueError("sample 5")
        return i, self.worker_info().id


class WorkerIds(_WorkerIds, Dataset):
    def __init__(self):
        super().__init__(get_worker_info)


@requires_torch
def test_map_style_workers_match_pytorch():
    class TorchWorkerIds(_WorkerIds, torch.utils.data.Dataset):
        def __init__(self):
            super().__init__(torch.utils.data.get_worker_info)

    def run(loader_class, ds):
        batches, error = [], None
        try:
            for batch in loader_class(ds, batch_size=2, num_workers=2, prefetch_factor=1):
                batches.append(_as_lists(batch))
        except ValueError as e:
            error = str(e).splitlines()
        return batches, error[0], error[-1]

    ours = run(DataLoader, WorkerIds())
    theirs = run(torch.utils.data.DataLoader, TorchWorkerIds())
    assert ours == theirs  # the same batches from the same workers, then the same error message
    assert ours[1] == "Caught ValueError in DataLoader worker process 0." and ours[2] == "ValueError: sample 5"
