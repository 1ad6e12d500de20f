"""How multiprocessing pickles chainrule tensors (its ForkingPickler only: chainrule.save and plain
pickle are untouched). A tensor in shared memory (Tensor.share_memory_) travels as the descriptor of
its shared-memory file plus its geometry, and the receiving process maps the same file: writes on
either side are seen by the other, as with torch's file_descriptor strategy. Any other tensor is
pickled by value (Tensor.__reduce_ex__). Parameters pickle their data, which comes through here."""
import os
from multiprocessing.reduction import DupFd, ForkingPickler

from chainrule import _C
from chainrule._C import Tensor


def rebuild_shared_tensor(dup_fd, storage_nbytes, dtype, sizes, strides, offset, requires_grad):
    """The receiving side: a tensor over the sender's shared-memory file."""
    fd = dup_fd.detach()
    try:
        t = _C._tensor_from_shared_memory(fd, storage_nbytes, dtype, sizes, strides, offset)
    finally:
        os.close(fd)  # the storage holds its own duplicate
    return t.requires_grad_(requires_grad)


def reduce_tensor(tensor):
    fd = tensor._shared_memory_fd() if tensor.device.type == "cpu" else -1
    if fd < 0:
        return tensor.__reduce_ex__(2)
    return rebuild_shared_tensor, (DupFd(fd), tensor._storage_nbytes(), tensor.dtype, tuple(tensor.shape),
                                   tuple(tensor.stride()), tensor.storage_offset(), tensor.requires_grad)


def init_reductions():
    ForkingPickler.register(Tensor, reduce_tensor)
