"""nn.utils.rnn: pad_sequence, stacking variable-length sequences into one padded tensor as torch does."""
from chainrule import _C

__all__ = ["pad_sequence"]


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Pads a list of (L_i, *) tensors to (L_max, B, *) (or (B, L_max, *) with batch_first) with padding_value."""
    if padding_side not in ("left", "right"):
        raise ValueError(f"pad_sequence: padding_side must be 'left' or 'right', got {padding_side!r}")
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
            pad = _C.full((missing,) + trailing, padding_value, dtype=seq.dtype)
            seq = _C.cat([seq, pad] if padding_side == "right" else [pad, seq], 0)
        padded.append(seq)
    return _C.stack(padded, 0 if batch_first else 1)
