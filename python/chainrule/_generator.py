"""chainrule.Generator: a seedable random source, like torch.Generator.

A CPU Generator wraps a numpy.random.Generator (PCG64): it drives samplers and random_split, and the
ops given it as generator= draw from it (rand/randn/randint, uniform_/normal_, randperm,
multinomial take a seed from its stream for a private core generator). Streams differ from
PyTorch's: a seed gives the same values in every chainrule run, not torch.Generator's values.
Generator(device="cuda") is a private CUDA generator (cpp/core/cuda_generator.h, (seed, offset)
as chainrule.cuda's): GPU ops given it draw from it on the GPU; CPU ops, samplers and the
host-drawn samplers (poisson, binomial) refuse it, as PyTorch's CPU ops do.
"""
import numpy as np

from chainrule import _C

_DEFAULT_SEED = 67280421310721  # torch.Generator().initial_seed()
_SEED_MASK = 0xFFFF_FFFF_FFFF_FFFF  # negative seeds wrap, as in PyTorch


class Generator:
    """A seedable generator: `g = chainrule.Generator().manual_seed(0)`; pass it as `generator=g`."""

    def __init__(self, device="cpu"):
        where = _C.device(device) if isinstance(device, str) else device
        if getattr(where, "type", None) == "cuda":
            _C._check_device_available(where, "Generator")
            self.device = _C.device("cuda", 0 if where.index is None else where.index)
            self._cuda = _C._CudaGenerator()  # PyTorch's default seed, offset 0
            return
        if str(device) != "cpu":
            raise ValueError(f"Generator: only devices 'cpu' and 'cuda' are supported, got {device!r}")
        self.device = _C.device("cpu")
        self._cuda = None
        self.manual_seed(_DEFAULT_SEED)

    def manual_seed(self, seed):
        """Reseeds the generator and returns it (so `Generator().manual_seed(0)` chains)."""
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise TypeError(f"Generator.manual_seed: seed must be an int, got {type(seed).__name__}")
        if self._cuda is not None:
            self._cuda.manual_seed(int(seed) & _SEED_MASK)
            return self
        self._seed = int(seed) & _SEED_MASK
        self._rng = np.random.Generator(np.random.PCG64(self._seed))
        return self

    def initial_seed(self):
        return self._seed if self._cuda is None else self._cuda.initial_seed()

    def seed(self):
        """Reseeds from the operating system's entropy and returns the new seed."""
        self.manual_seed(int(np.random.SeedSequence().generate_state(1, np.uint64)[0]))
        return self.initial_seed()

    def get_state(self):
        """The generator's state, for set_state: a dict for a CPU generator, the int64 tensor
        [seed, offset] for a CUDA one (PyTorch returns a ByteTensor)."""
        if self._cuda is not None:
            from chainrule.cuda import _generator_state
            return _generator_state(self._cuda)
        return {"seed": self._seed, "bit_generator": self._rng.bit_generator.state}

    def set_state(self, state):
        if self._cuda is not None:
            from chainrule.cuda import _state_words
            self._cuda.set_state(*_state_words(state, "Generator.set_state"))
            return self
        self._seed = state["seed"]
        self._rng.bit_generator.state = state["bit_generator"]
        return self

    def _numpy(self):
        """The numpy.random.Generator behind a CPU generator (for samplers and random_split)."""
        if self._cuda is not None:
            raise RuntimeError("Expected a 'cpu' device type for generator but found 'cuda'")
        return self._rng

    def __repr__(self):
        return f"<chainrule.Generator device={self.device} seed={self.initial_seed()}>"


def is_cuda_generator(generator):
    """Whether `generator` is a chainrule.Generator(device="cuda"), which the ops take themselves."""
    return isinstance(generator, Generator) and generator._cuda is not None


def numpy_rng(generator):
    """A numpy.random.Generator for `generator`; None draws a fresh seed from chainrule's global
    generator, so chainrule.manual_seed makes shuffles and splits reproducible (as in PyTorch)."""
    if generator is None:
        seed = int(_C.randint(0, 2**62, (1,)).item())
        return np.random.Generator(np.random.PCG64(seed))
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be a chainrule.Generator or None, got {type(generator).__name__}")
    return generator._numpy()


def seed_for_op(generator):
    """A seed drawn from `generator`'s stream for a C++ op given generator= (randperm, multinomial),
    which then samples from its own generator seeded with it."""
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be a chainrule.Generator or None, got {type(generator).__name__}")
    return int(generator._numpy().integers(0, 2**63))
