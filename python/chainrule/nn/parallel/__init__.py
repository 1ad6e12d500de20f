"""chainrule.nn.parallel: DataParallel and DistributedDataParallel, as torch.nn.parallel has them.

DistributedDataParallel runs on chainrule.distributed (MPI, through mpi4py): see docs/distributed.md.
"""
from chainrule.nn.parallel.data_parallel import DataParallel, data_parallel  # noqa: F401
from chainrule.nn.parallel.distributed import DistributedDataParallel  # noqa: F401

__all__ = ["DataParallel", "data_parallel", "DistributedDataParallel"]
