"""Random draws composed from rand/randn/randint (drawn from the global generator, or on a GPU from its
CUDA generator; from a chainrule.Generator's own stream when generator= is given): normal, bernoulli
(+ bernoulli_), exponential_, random_; and seed() (the CPU's and every GPU's generator, as
torch.seed), get_rng_state() and set_rng_state() (the CPU's).

Draws do not record gradients: PyTorch's normal(mean, std) also passes no gradient to mean or std
(its derivative is zero); use mean + std * randn_like(mean) to reparameterize.
"""
import os

import numpy as np

from chainrule import _C
from chainrule._C import Tensor
from chainrule._functions.shapes import broadcast_shapes
from chainrule._generator import Generator, drawn_by_the_ops


def _draw(kind, shape, dtype, device, generator):
    """Uniform [0, 1) ('uniform') or standard normal ('normal') samples of `shape`."""
    if drawn_by_the_ops(generator):
        make = _C.rand if kind == "uniform" else _C.randn
        return make(*shape, generator=generator, dtype=dtype, device=device)
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be a chainrule.Generator or None, got {type(generator).__name__}")
    rng = generator._numpy()
    values = rng.random(tuple(shape)) if kind == "uniform" else rng.standard_normal(tuple(shape))
    return _C.from_numpy(np.asarray(values, dtype=np.float64)).to(dtype).to(device)


def _check_std(std):
    low = std.min().item() if isinstance(std, Tensor) and std.numel() else std
    if isinstance(low, (int, float)) and low < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {low}")


def normal(mean, std=1.0, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    """Samples of N(mean, std): normal(mean_tensor, std_tensor) (broadcast), normal(mean_tensor, std=1.0),
    normal(mean, std_tensor), or normal(mean, std, size) for Python numbers."""
    _check_std(std)
    tensors = [t for t in (mean, std) if isinstance(t, Tensor)]
    if not tensors:
        if size is None:
            raise TypeError("normal(): with a float mean and a float std, a size is required: "
                            "normal(mean, std, size)")
        dtype = dtype or _C._get_default_dtype()
        out = _draw("normal", tuple(size), dtype, device, generator) * std + mean
        return out.requires_grad_(True) if requires_grad else out
    if size is not None:
        raise TypeError("normal(): size= is only accepted with a float mean and a float std")
    shape = tensors[0].shape if len(tensors) == 1 else broadcast_shapes(*(t.shape for t in tensors))
    like = tensors[0]
    with _no_grad():
        return _draw("normal", shape, like.dtype, like.device, generator) * std + mean


def _no_grad():
    from chainrule.autograd.grad_mode import no_grad
    return no_grad()


def _check_probabilities(op, p):
    if isinstance(p, Tensor):
        if p.numel() and not bool(((p >= 0) & (p <= 1)).all().item()):
            raise RuntimeError(f"{op}: expected all probabilities p to be in [0, 1]")
    elif not 0 <= p <= 1:
        raise RuntimeError(f"{op}: expected p to be in [0, 1], got {p}")


def bernoulli(input, p=None, *, generator=None):
    """1 with probability input (or p, if given) and 0 otherwise, elementwise, in input's dtype."""
    probs = input.detach() if p is None else p
    _check_probabilities("bernoulli", probs)
    u = _draw("uniform", input.shape, _C.dtype.float64, input.device, generator)
    return (u < probs).to(input.dtype)


def _bernoulli_(self, p=0.5, *, generator=None):
    _check_probabilities("bernoulli_", p)
    u = _draw("uniform", self.shape, _C.dtype.float64, self.device, generator)
    return self.copy_(u < (p.detach() if isinstance(p, Tensor) else p))  # in the graph: old values get no grad


def _exponential_(self, lambd=1.0, *, generator=None):
    """Fills self with samples of the exponential distribution of rate lambd: -log(1 - U) / lambd."""
    if not self.is_floating_point():
        raise RuntimeError(f"exponential_ expects a floating-point tensor, got {self.dtype}")
    if lambd <= 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    u = _draw("uniform", self.shape, _C.dtype.float64, self.device, generator)
    return self.copy_(-(-u).log1p() / lambd)


_FLOAT_RANDOM_HIGH = {_C.dtype.float32: 2 ** 24, _C.dtype.float64: 2 ** 53}  # integers exactly representable


def _random_(self, from_=0, to=None, *, generator=None):
    """Fills self with integers uniform in [from, to): random_() gives [0, 2^mantissa] for floats and
    [0, 2^63 - 1] for int64; random_(to) gives [0, to)."""
    if to is None and from_ != 0:
        from_, to = 0, from_
    if to is None:
        to = _FLOAT_RANDOM_HIGH[self.dtype] + 1 if self.is_floating_point() else 2 ** 63 - 1
    if self.dtype == _C.dtype.bool:
        to = min(to, 2)
    if from_ >= to:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={from_} >= to={to}")
    if not drawn_by_the_ops(generator):
        values = _C.from_numpy(generator._numpy().integers(from_, to, size=tuple(self.shape), dtype=np.int64))
    else:  # drawn on self's device (a GPU tensor's on the GPU, from a CUDA generator)
        values = _C.randint(from_, to, tuple(self.shape), generator=generator, device=self.device)
    return self.copy_(values.to(self.device))


def seed():
    """Reseeds the global generator and every GPU's from the operating system's entropy; returns the seed."""
    s = int.from_bytes(os.urandom(8), "little") >> 1  # 63 bits, as PyTorch's seed() gives
    _C.manual_seed(s)
    return s


def get_rng_state():
    """The global generator's whole state as a uint8 tensor of its bytes, as PyTorch's is (its
    layout is chainrule's own); set_rng_state(state) later makes the same draws follow."""
    words = np.array(_C._get_rng_state(), dtype=np.uint64)
    return _C.from_numpy(words.view(np.uint8))


def set_rng_state(new_state):
    """Restores the global generator to a state from get_rng_state() (the uint8 tensor; the int64 one
    older chainrule versions gave is taken too)."""
    if not isinstance(new_state, Tensor) or new_state.dtype not in (_C.dtype.uint8, _C.dtype.int64) \
            or new_state.ndim != 1:
        raise TypeError("set_rng_state: expected the uint8 tensor returned by chainrule.get_rng_state(), got "
                        + (f"a {new_state.dtype} tensor of shape {list(new_state.shape)}"
                           if isinstance(new_state, Tensor) else type(new_state).__name__))
    raw = np.ascontiguousarray(new_state.detach().cpu().numpy())
    if raw.nbytes % 8:
        raise ValueError(f"set_rng_state: a state is whole 64-bit words, got {raw.nbytes} bytes")
    _C._set_rng_state([int(w) for w in raw.view(np.uint64)])


Tensor.bernoulli = bernoulli
Tensor.bernoulli_ = _bernoulli_
Tensor.exponential_ = _exponential_
Tensor.random_ = _random_
