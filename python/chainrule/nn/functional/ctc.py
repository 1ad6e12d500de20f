"""F.ctc_loss: the connectionist temporal classification loss (Graves et al. 2006), as in torch.nn.functional.

The forward (alpha) recursion runs in log space over the extended label sequence (blank, l1, blank,
l2, ..., blank), one step per time frame, vectorized over the batch; the autograd engine derives the
gradient. Unreachable states hold a large negative number instead of -inf, so that every logsumexp
and its gradient stay finite; a sample whose target cannot be aligned gets an infinite loss (zero
with zero_infinity=True, as in PyTorch).

Difference: the gradient with respect to log_probs is the true derivative. PyTorch's CTC backward
returns exp(log_probs) minus the alignment posterior instead (the derivative with respect to the logits
of a log_softmax); both give the same gradient to the logits when log_probs = log_softmax(logits).
"""
import numpy as np

from chainrule.amp import cast_policy as _autocast
import chainrule
from chainrule import _C
from chainrule.nn.functional._host_tables import table_like

__all__ = ["ctc_loss"]

_UNREACHABLE = -1e30  # log-probability of a state no path reaches (exp() of it is 0 in float32 too)
_IMPOSSIBLE = 1e29  # a negative log-likelihood above this had no alignment


def _as_lengths(lengths):
    """Lengths as a host array: the recursion's layout depends on them (PyTorch reads them on the host too)."""
    values = lengths.tolist() if isinstance(lengths, chainrule.Tensor) else list(lengths)
    return np.asarray(values, dtype=np.int64).reshape(-1)


def _padded_targets(targets, target_lengths, batch):
    """(N, S) int64 targets from the padded (N, S) or concatenated (sum(target_lengths),) form, read
    on the host to lay out the extended label sequences."""
    values = np.asarray(targets.tolist(), dtype=np.int64)
    longest = int(target_lengths.max(initial=0))
    if values.ndim == 2:
        if values.shape[1] < longest:
            raise RuntimeError(f"Expected tensor to have size at least {longest} at dimension 1, but got size "
                               f"{values.shape[1]} for argument #2 'targets' (while checking arguments for "
                               "ctc_loss_allocate_outputs)")
        return values[:, :max(longest, 1)] if longest else np.zeros((batch, 1), dtype=np.int64)
    if values.size != target_lengths.sum():
        raise RuntimeError(f"ctc_loss: 1-D targets must hold sum(target_lengths) = {target_lengths.sum()} labels, "
                           f"got {values.size}")
    padded = np.zeros((batch, max(longest, 1)), dtype=np.int64)
    start = 0
    for n, length in enumerate(target_lengths):
        padded[n, :length] = values[start:start + length]
        start += length
    return padded


def _logsumexp(*terms):
    top = terms[0]
    for term in terms[1:]:
        top = _C.maximum(top, term)
    top = top.detach()
    total = (terms[0] - top).exp()
    for term in terms[1:]:
        total = total + (term - top).exp()
    return top + total.log()


@_autocast.float32
def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean", zero_infinity=False):
    """CTC loss of log_probs (T, N, C) (or unbatched (T, C)) against targets (N, S) padded or concatenated
    (sum(target_lengths),); reduction 'mean' divides each loss by its target length, then averages."""
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    unbatched = log_probs.dim() == 2
    lp = log_probs.unsqueeze(1) if unbatched else log_probs
    if lp.dim() != 3:
        raise RuntimeError(f"ctc_loss: expected log_probs of shape (T, N, C) or (T, C), got {tuple(log_probs.shape)}")
    frames, batch, classes = lp.shape
    if not 0 <= blank < classes:
        raise RuntimeError("blank must be in label range")
    in_lens, tgt_lens = _as_lengths(input_lengths), _as_lengths(target_lengths)
    if in_lens.size != batch:
        raise RuntimeError("input_lengths must be of size batch_size")
    if tgt_lens.size != batch:
        raise RuntimeError("target_lengths must be of size batch_size")
    if in_lens.size and in_lens.max() > frames:
        raise RuntimeError(f"Expected input_lengths to have value at most {frames}, but got value {in_lens.max()} "
                           "(while checking arguments for ctc_loss_allocate_outputs)")
    if frames == 0:
        raise RuntimeError("ctc_loss: log_probs has no time frames")
    labels = _padded_targets(targets, tgt_lens, batch)
    states = 2 * labels.shape[1] + 1
    extended = np.full((batch, states), blank, dtype=np.int64)
    extended[:, 1::2] = labels
    # a state may be entered from two back (skipping a blank) if it is a label unlike the one two back
    skip = np.zeros((batch, states), dtype=bool)
    skip[:, 2:] = (extended[:, 2:] != blank) & (extended[:, 2:] != extended[:, :-2])
    index = table_like(extended, lp).unsqueeze(0).expand(frames, batch, states)
    emit = lp.gather(2, index)  # (T, N, states): log-probability of each state's label at each frame
    first = np.zeros((batch, states), dtype=bool)
    first[:, 0] = True
    first[:, 1] = tgt_lens > 0
    alpha = _C.where(table_like(first, lp), emit[0], _UNREACHABLE)
    skip_mask = table_like(skip, lp)
    pad1 = chainrule.full((batch, 1), _UNREACHABLE, dtype=lp.dtype, device=lp.device)
    pad2 = chainrule.full((batch, 2), _UNREACHABLE, dtype=lp.dtype, device=lp.device)
    lengths = table_like(in_lens, lp).reshape(batch, 1)
    for t in range(1, frames):
        from_prev = chainrule.cat([pad1, alpha[:, :-1]], 1)
        from_skip = _C.where(skip_mask, chainrule.cat([pad2, alpha[:, :-2]], 1), _UNREACHABLE)
        stepped = _logsumexp(alpha, from_prev, from_skip) + emit[t]
        alpha = _C.where(lengths > t, stepped, alpha)  # samples past their length keep their last alpha
    last = table_like(2 * tgt_lens, lp).reshape(batch, 1)
    before_last = table_like(np.maximum(2 * tgt_lens - 1, 0), lp).reshape(batch, 1)
    end = alpha.gather(1, last)
    end_label = _C.where(table_like(tgt_lens > 0, lp).reshape(batch, 1), alpha.gather(1, before_last),
                         _UNREACHABLE)
    loss = -_logsumexp(end, end_label).reshape(batch)
    no_frames = in_lens == 0  # nothing to align: zero loss for an empty target, no alignment otherwise
    if no_frames.any():
        loss = _C.where(table_like(no_frames, lp), table_like(np.where(tgt_lens == 0, 0.0, 2 * _IMPOSSIBLE), lp, loss.dtype),
                        loss)
    impossible = loss > _IMPOSSIBLE
    loss = _C.where(impossible, 0.0 if zero_infinity else float("inf"), loss)
    if reduction == "none":
        return loss.reshape(()) if unbatched else loss
    if reduction == "sum":
        return loss.sum()
    return (loss / table_like(np.maximum(tgt_lens, 1), lp, loss.dtype)).mean()
