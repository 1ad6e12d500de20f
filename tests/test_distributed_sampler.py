"""DistributedSampler against torch.utils.data.distributed.DistributedSampler: the same indices on
every rank, for every dataset length, world size and drop_last, with and without shuffling. PyTorch's
permutation for a seed is not chainrule's, so with shuffle=True the expected indices are PyTorch's
unshuffled positions looked up in chainrule.randperm's permutation for seed + epoch."""
import pytest

import chainrule as cr
from chainrule.utils.data import DistributedSampler

torch = pytest.importorskip("torch")
from torch.utils.data.distributed import DistributedSampler as TorchSampler  # noqa: E402


def _permutation(n, seed):
    generator = cr.Generator()
    generator.manual_seed(seed)
    return cr.randperm(n, generator=generator).tolist()


@pytest.mark.parametrize("length", [1, 2, 7, 10, 12])
@pytest.mark.parametrize("replicas", [1, 3, 4])
@pytest.mark.parametrize("drop_last", [False, True])
def test_indices_match_pytorchs_arithmetic(length, replicas, drop_last):
    data = list(range(length))
    for rank in range(replicas):
        positions = list(TorchSampler(data, replicas, rank, shuffle=False, drop_last=drop_last))
        unshuffled = DistributedSampler(data, replicas, rank, shuffle=False, drop_last=drop_last)
        assert list(unshuffled) == positions and len(unshuffled) == len(positions)
        shuffled = DistributedSampler(data, replicas, rank, shuffle=True, seed=5, drop_last=drop_last)
        shuffled.set_epoch(2)
        permutation = _permutation(length, 5 + 2)
        assert list(shuffled) == [permutation[i] for i in positions]


def test_ranks_split_an_epoch_and_set_epoch_reshuffles():
    data = list(range(20))
    samplers = [DistributedSampler(data, 4, rank, seed=1) for rank in range(4)]
    first = [list(s) for s in samplers]
    assert sorted(sum(first, [])) == data
    for s in samplers:
        s.set_epoch(1)
    assert [list(s) for s in samplers] != first and sorted(sum((list(s) for s in samplers), [])) == data
    assert list(DistributedSampler(data, 4, 0, seed=1)) == first[0]  # same seed and epoch, same order


def test_bad_rank_and_missing_process_group_errors():
    with pytest.raises(ValueError, match=r"Invalid rank 2, rank should be in the interval \[0, 1\]"):
        DistributedSampler(list(range(4)), num_replicas=2, rank=2)
    # Without mpi4py PyTorch's "Requires distributed package" RuntimeError comes first.
    with pytest.raises((ValueError, RuntimeError), match="has not been initialized|Requires distributed package"):
        DistributedSampler(list(range(4)))
