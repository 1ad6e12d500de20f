"""chainrule.distributed: PyTorch's torch.distributed names, on MPI (mpi4py) or TCP sockets.

Two transports (rendezvous.py chooses): processes an MPI launcher started (`mpirun -n 2 python
train.py`, `srun`, or torchrun's counterpart `python -m chainrule.distributed.run --nproc_per_node=2
train.py`, run.py) talk through MPI, by buffer (no copy for contiguous tensors); processes started
any other way (`mp.spawn`, a torchrun-style launcher) meet as PyTorch's gloo ranks do, at rank 0's
TCPStore (MASTER_ADDR/MASTER_PORT, tcp://, or store=), and talk over sockets (tcp/). Either way
init_process_group(backend="gloo" or "mpi") is called in each, and the collectives below move
tensors between them. docs/distributed.md says how to launch on one machine and on a cluster and
what is supported. mpi4py is an optional dependency (`pip install "chainrule[distributed]"`), needed
for MPI only: importing this package works without it, and is_mpi_available() says whether it is there.
"""
from chainrule.distributed.process_group import (  # noqa: F401
    GroupMember, destroy_process_group, get_backend, get_node_local_rank, get_rank, get_world_size, group,
    init_process_group, is_available, is_backend_available, is_initialized, is_mpi_available, is_nccl_available,
    is_gloo_available, is_torchelastic_launched)
from chainrule.distributed.backend import Backend  # noqa: F401
from chainrule.distributed.reduce_op import ReduceOp  # noqa: F401
from chainrule.distributed.work import Work  # noqa: F401
from chainrule.distributed.collectives import all_reduce, barrier, broadcast, reduce  # noqa: F401
from chainrule.distributed.gather_scatter import (  # noqa: F401
    all_gather, all_gather_into_tensor, gather, reduce_scatter, reduce_scatter_tensor, scatter)
from chainrule.distributed.point_to_point import (  # noqa: F401
    P2POp, batch_isend_irecv, irecv, isend, monitored_barrier, recv, send)
from chainrule.distributed.all_to_all import all_to_all, all_to_all_single  # noqa: F401
from chainrule.distributed.objects import (  # noqa: F401
    all_gather_object, broadcast_object_list, gather_object, recv_object_list, scatter_object_list, send_object_list)
from chainrule.distributed.groups import (  # noqa: F401
    get_global_rank, get_group_rank, get_process_group_ranks, new_group, new_subgroups)
from chainrule.distributed.rank_zero_checkpoint import load_checkpoint, save_checkpoint  # noqa: F401
from chainrule.distributed.store import (  # noqa: F401
    DistError, DistNetworkError, DistStoreError, HashStore, PrefixStore, Store, TCPStore)

from chainrule._missing import missing_attribute_hook as _missing_attribute_hook  # noqa: E402
__getattr__ = _missing_attribute_hook(__name__, "torch.distributed")
