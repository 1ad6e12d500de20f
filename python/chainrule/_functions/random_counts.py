"""Counting draws as PyTorch's torch.poisson(rates) and torch.binomial(count, prob): NumPy samplers
seeded from chainrule's generator (as the Poisson and Binomial distributions draw, so manual_seed
reproduces them), or from a chainrule.Generator's own stream. Results are in the input's float dtype
and carry no gradient."""
import numpy as np

from chainrule import _C
from chainrule._C import Tensor
from chainrule._generator import numpy_rng
from chainrule._functions.host_values import host_values


def _as_tensor_like(counts, like):
    return _C.from_numpy(np.require(counts.astype(np.float64), requirements="C")).to(like.dtype).to(like.device)


def poisson(input, generator=None):
    """A Poisson(rate) count for each rate in input."""
    if not input.is_floating_point():
        raise NotImplementedError(f"poisson: not implemented for {input.dtype} tensors (floating point rates only)")
    rates = host_values(input)
    if (rates < 0).any():
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    return _as_tensor_like(numpy_rng(generator).poisson(rates), input)


def binomial(count, prob, generator=None):
    """A Binomial(count, prob) draw for each pair of count and prob (broadcast; count a float tensor)."""
    if not count.is_floating_point():
        raise ValueError(f"binomial only supports floating-point dtypes for count, got: {count.dtype}")
    counts, probs = np.broadcast_arrays(host_values(count), host_values(prob))
    # PyTorch does not check them: a prob above 1 draws like 1 and a negative count gives 0
    counts, probs = np.maximum(counts, 0).astype(np.int64), np.clip(probs, 0, 1)
    return _as_tensor_like(numpy_rng(generator).binomial(counts, probs), count)
