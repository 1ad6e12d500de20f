"""chainrule.distributed: PyTorch's torch.distributed names, on MPI (mpi4py).

One transport, MPI: start the processes with an MPI launcher (`mpirun -n 2 python train.py`, `srun`)
or with torchrun's counterpart (`python -m chainrule.distributed.run --nproc_per_node=2 train.py`, run.py),
call init_process_group(backend="mpi" or "gloo") in each, and the collectives below move tensors between them
through MPI, by buffer (no copy for contiguous tensors). docs/distributed.md says how to launch on
one machine and on a cluster and what is supported. mpi4py is an optional dependency
(`pip install "chainrule[distributed]"`): importing this package works without it, is_available()
says whether it is there, and init_process_group names the package to install.
"""
from chainrule.distributed.process_group import (  # noqa: F401
    GroupMember, destroy_process_group, get_backend, get_rank, get_world_size, group, init_process_group,
    is_available, is_initialized, is_mpi_available, is_nccl_available, is_gloo_available, is_torchelastic_launched)
from chainrule.distributed.backend import Backend  # noqa: F401
from chainrule.distributed.reduce_op import ReduceOp  # noqa: F401
from chainrule.distributed.work import Work  # noqa: F401
from chainrule.distributed.collectives import all_reduce, barrier, broadcast, reduce  # noqa: F401
from chainrule.distributed.gather_scatter import (  # noqa: F401
    all_gather, all_gather_into_tensor, gather, reduce_scatter, reduce_scatter_tensor, scatter)
from chainrule.distributed.point_to_point import irecv, isend, recv, send  # noqa: F401
from chainrule.distributed.objects import all_gather_object, broadcast_object_list  # noqa: F401
from chainrule.distributed.rank_zero_checkpoint import load_checkpoint, save_checkpoint  # noqa: F401

from chainrule._missing import missing_attribute_hook as _missing_attribute_hook  # noqa: E402
__getattr__ = _missing_attribute_hook(__name__, "torch.distributed")
