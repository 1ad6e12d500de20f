"""chainrule.nn.parallel: DataParallel, as torch.nn.parallel has it.

DistributedDataParallel is not provided (chainrule has no torch.distributed); `nn.parallel.DistributedDataParallel`
raises AttributeError rather than pretending to synchronize anything.
"""
from chainrule.nn.parallel.data_parallel import DataParallel, data_parallel  # noqa: F401

__all__ = ["DataParallel", "data_parallel"]
