"""all_to_all and all_to_all_single: every rank sends a piece of its input to every rank, as PyTorch's.

Both run as one MPI_Alltoallv (or the TCP transport's twin, tcp/comm.py): counts and offsets in
elements, one per rank. all_to_all_single splits the input (and the output) along dim 0, in equal
parts or by input_split_sizes / output_split_sizes (rows); all_to_all takes lists of tensors, one per
rank, packed into one buffer and unpacked after. Every rank must pass the same dtype.
"""
import numpy as np

from chainrule.distributed.buffers import tensor_buffer, travel_dtype, write_into
from chainrule.distributed.process_group import resolve_group, skipped_outside_group
from chainrule.distributed.work import launch

__all__ = ["all_to_all", "all_to_all_single"]


def _offsets(counts):
    return np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)


def _row_counts(tensor, split_sizes, world, name, what):
    """Elements per rank of tensor split along dim 0 (equally, or by split_sizes rows)."""
    rows = tensor.shape[0] if tensor.dim() > 0 else 1
    row_elements = tensor.numel() // rows if rows else 0
    if split_sizes is None or len(split_sizes) == 0:
        if rows % world.size:
            raise ValueError(f"{name}: {what} has {rows} rows, not divisible by the world size {world.size}; give "
                             f"{what}_split_sizes")
        split_sizes = [rows // world.size] * world.size
    split_sizes = [int(s) for s in split_sizes]
    if len(split_sizes) != world.size or sum(split_sizes) != rows or min(split_sizes) < 0:
        raise ValueError(f"{name}: {what}_split_sizes {split_sizes} must have {world.size} non-negative entries "
                         f"adding up to {what}'s {rows} rows")
    return np.array(split_sizes, np.int64) * row_elements


def _exchange(world, send, send_counts, receive, receive_counts, finish, async_op, name):
    if send.dtype != receive.dtype:
        raise TypeError(f"{name}: output and input must have the same dtype, got {receive.dtype} and {send.dtype}")
    send_spec = [send, (send_counts, _offsets(send_counts))]
    receive_spec = [receive, (receive_counts, _offsets(receive_counts))]
    return launch(world, lambda: world.comm.Alltoallv(send_spec, receive_spec),
                  lambda: world.comm.Ialltoallv(send_spec, receive_spec), finish, async_op, name)


@skipped_outside_group
def all_to_all_single(output, input, output_split_sizes=None, input_split_sizes=None, group=None, async_op=False):
    """output's r-th part (along dim 0) = rank r's part for this rank of its input."""
    world = resolve_group(group, "all_to_all_single")
    send, _ = tensor_buffer(input, "all_to_all_single")
    receive, write_back = tensor_buffer(output, "all_to_all_single")
    return _exchange(world, send, _row_counts(input, input_split_sizes, world, "all_to_all_single", "input"),
                     receive, _row_counts(output, output_split_sizes, world, "all_to_all_single", "output"),
                     write_back, async_op, "all_to_all_single")


@skipped_outside_group
def all_to_all(output_tensor_list, input_tensor_list, group=None, async_op=False):
    """output_tensor_list[r] = rank r's input_tensor_list[this rank]."""
    world = resolve_group(group, "all_to_all")
    for what, tensors in (("output_tensor_list", output_tensor_list), ("input_tensor_list", input_tensor_list)):
        if len(tensors) != world.size:
            raise ValueError(f"all_to_all: {what} must have {world.size} tensors (one per rank), got {len(tensors)}")
    pieces = [tensor_buffer(t, "all_to_all")[0] for t in input_tensor_list]
    send = np.concatenate(pieces)  # one piece per rank: never empty
    receive = np.empty(sum(t.numel() for t in output_tensor_list), travel_dtype(output_tensor_list[0]))
    receive_counts = np.array([t.numel() for t in output_tensor_list], np.int64)

    def unpack():
        for t, at, count in zip(output_tensor_list, _offsets(receive_counts), receive_counts):
            write_into(t, receive[at:at + count])

    return _exchange(world, send, np.array([p.size for p in pieces], np.int64), receive, receive_counts,
                     unpack, async_op, "all_to_all")
