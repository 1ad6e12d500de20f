"""chainrule.utils.data: datasets, samplers, collation and DataLoader, as torch.utils.data."""
from chainrule.utils.data.collate import default_collate, default_convert  # noqa: F401
from chainrule.utils.data.dataloader import DataLoader, get_worker_info  # noqa: F401
from chainrule.utils.data.dataset import (ChainDataset, ConcatDataset, Dataset, IterableDataset,  # noqa: F401
                                          StackDataset, Subset, TensorDataset, random_split)
from chainrule.utils.data.distributed import DistributedSampler  # noqa: F401
from chainrule.utils.data.sampler import (BatchSampler, RandomSampler, Sampler,  # noqa: F401
                                          SequentialSampler, SubsetRandomSampler, WeightedRandomSampler)

from chainrule._missing import missing_attribute_hook as _missing_attribute_hook  # noqa: E402
__getattr__ = _missing_attribute_hook(__name__, "torch.utils.data")
