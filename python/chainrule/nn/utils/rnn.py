"""nn.utils.rnn: padding and packing variable-length sequences as torch does (pad_sequence, PackedSequence,
pack_padded_sequence, pad_packed_sequence, pack_sequence, and back to lists: unpad_sequence,
unpack_sequence); the RNN layers accept a PackedSequence."""
from collections import namedtuple

from chainrule import _C
from chainrule._tensor import tensor

__all__ = ["pad_sequence", "unpad_sequence", "PackedSequence", "pack_padded_sequence", "pad_packed_sequence",
           "pack_sequence", "unpack_sequence"]


class PackedSequence(namedtuple("PackedSequence", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    """Time-major packed steps: data (sum of lengths, *); batch_sizes[t] sequences are still running at step t
    (sorted longest first; sorted_indices maps that order to the caller's batch order, unsorted_indices back)."""

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None and sorted_indices is not None:
            unsorted_indices = _invert(sorted_indices)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)


def _invert(permutation):
    """The inverse permutation, by a scatter on permutation's device (no host read), as PyTorch's."""
    positions = _C.arange(permutation.numel(), dtype=_C.dtype.int64, device=permutation.device)
    return _C.empty_like(permutation).scatter_(0, permutation, positions)


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Packs a padded (T, B, *) (or (B, T, *)) batch whose sequence b has lengths[b] valid steps."""
    lengths = [int(n) for n in (lengths.tolist() if hasattr(lengths, "tolist") else lengths)]
    batch_dim = 0 if batch_first else 1
    if len(lengths) != input.shape[batch_dim]:
        raise _C.InvalidArgumentError(f"pack_padded_sequence: got {len(lengths)} lengths for a batch of "
                                      f"{input.shape[batch_dim]} (input shape {tuple(input.shape)}, "
                                      f"batch_first={batch_first})")
    if any(n <= 0 or n > input.shape[1 - batch_dim] for n in lengths):
        raise RuntimeError(f"pack_padded_sequence: every length must be in [1, {input.shape[1 - batch_dim]}], "
                           f"got {lengths}")
    sorted_indices = None
    if enforce_sorted:
        if any(a < b for a, b in zip(lengths, lengths[1:])):
            raise RuntimeError("pack_padded_sequence: `lengths` array must be sorted in decreasing order when "
                               f"`enforce_sorted` is True, got {lengths}")
    else:
        order = sorted(range(len(lengths)), key=lambda b: -lengths[b])
        sorted_indices = tensor(order, dtype=_C.dtype.int64, device=input.device)
        input = input.index_select(batch_dim, sorted_indices)
        lengths = [lengths[b] for b in order]
    if batch_first:
        input = input.transpose(0, 1)
    batch_sizes = [sum(1 for n in lengths if n > t) for t in range(lengths[0])]
    data = _C.cat([input[t][:size] for t, size in enumerate(batch_sizes)], 0)
    return PackedSequence(data, tensor(batch_sizes, dtype=_C.dtype.int64), sorted_indices)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Inverse of pack_padded_sequence: (padded (T, B, *) or (B, T, *), lengths as an int64 tensor)."""
    data, batch_sizes = sequence.data, sequence.batch_sizes.tolist()
    batch, steps = batch_sizes[0], len(batch_sizes)
    if total_length is not None and total_length < steps:
        raise ValueError(f"pad_packed_sequence: expected total_length to be at least the length of the longest "
                         f"sequence {steps}, got {total_length}")
    trailing, rows, start = tuple(data.shape[1:]), [], 0
    for size in batch_sizes + [0] * ((total_length or steps) - steps):
        step = data[start:start + size]
        if size < batch:
            step = _C.cat([step, _C.full((batch - size,) + trailing, padding_value, dtype=data.dtype, device=data.device)], 0)
        rows.append(step)
        start += size
    padded = _C.stack(rows, 0)
    lengths = [sum(1 for size in batch_sizes if size > b) for b in range(batch)]
    lengths = tensor(lengths, dtype=_C.dtype.int64)
    if sequence.unsorted_indices is not None:
        padded = padded.index_select(1, sequence.unsorted_indices)
        lengths = lengths.index_select(0, sequence.unsorted_indices.cpu())  # lengths stay on the CPU, as PyTorch's
    return (padded.transpose(0, 1) if batch_first else padded), lengths


def pack_sequence(sequences, enforce_sorted=True):
    """Packs a list of (L_i, *) tensors: pack_padded_sequence(pad_sequence(sequences), lengths)."""
    lengths = [seq.shape[0] for seq in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Pads a list of (L_i, *) tensors to (L_max, B, *) (or (B, L_max, *) with batch_first) with padding_value."""
    if padding_side not in ("left", "right"):
        raise _C.InvalidArgumentError(f"pad_sequence: padding_side must be 'left' or 'right', got {padding_side!r}")
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("pad_sequence: received an empty list of sequences")
    trailing = tuple(sequences[0].shape[1:]) if sequences[0].dim() > 0 else None
    for i, seq in enumerate(sequences):
        if seq.dim() == 0 or tuple(seq.shape[1:]) != trailing:
            raise RuntimeError(f"pad_sequence: every sequence must be (L_i, *) with the trailing shape {trailing} "
                               f"of sequence 0, but sequence {i} has shape {tuple(seq.shape)}")
    max_len = max(seq.shape[0] for seq in sequences)
    padded = []
    for seq in sequences:
        missing = max_len - seq.shape[0]
        if missing:
            pad = _C.full((missing,) + trailing, padding_value, dtype=seq.dtype, device=seq.device)
            seq = _C.cat([seq, pad] if padding_side == "right" else [pad, seq], 0)
        padded.append(seq)
    return _C.stack(padded, 0 if batch_first else 1)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """Inverse of pad_sequence: the list of (lengths[b], *) tensors in a padded (T, B, *) (or (B, T, *))
    batch. (PyTorch's transposes a time-major input in place; this one leaves the input as it is.)"""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    lengths = [int(n) for n in (lengths.tolist() if hasattr(lengths, "tolist") else lengths)]
    if len(lengths) != padded_sequences.shape[0]:
        raise ValueError(f"unpad_sequence: got {len(lengths)} lengths for a batch of {padded_sequences.shape[0]}")
    return [seq[:max(length, 0)] for seq, length in zip(padded_sequences, lengths)]


def unpack_sequence(packed_sequences):
    """Inverse of pack_sequence: the list of (L_i, *) tensors, in the order they were packed."""
    padded_sequences, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded_sequences, lengths, batch_first=True)
