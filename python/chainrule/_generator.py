"""chainrule.Generator: a seedable random source, like torch.Generator.

A CPU Generator wraps a numpy.random.Generator (PCG64): it drives samplers and random_split, and the
ops given it as generator= draw from it (rand/randn/randint, uniform_/normal_, randperm,
multinomial take a seed from its stream for a private core generator). Streams differ from
PyTorch's: a seed gives the same values in every chainrule run, not torch.Generator's values.
Generator(device="cuda") is a private CUDA generator (cpp/core/cuda_generator.h, (seed, offset)
as chainrule.cuda's): GPU ops given it draw from it on the GPU; CPU ops, samplers and the
host-drawn samplers (poisson, binomial) refuse it, as PyTorch's CPU ops do.

chainrule.default_generator is the global CPU generator (the one chainrule.manual_seed seeds and
generator=None draws from) as a Generator object, as torch.default_generator is: passed as
generator= it behaves as None does.
"""
import numpy as np

from chainrule import _C

_DEFAULT_SEED = 67280421310721  # torch.Generator().initial_seed()
_SEED_MASK = 0xFFFF_FFFF_FFFF_FFFF  # negative seeds wrap, as in PyTorch


def checked_seed(seed, where):
    """`seed` as the uint64 PyTorch seeds with: an int in [-2**63, 2**64), negatives wrapping."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"{where}: seed must be an int, got {type(seed).__name__}")
    if not -2**63 <= int(seed) <= _SEED_MASK:
        raise ValueError(f"{where}: seed {seed} is outside [-2**63, 2**64 - 1]")
    return int(seed) & _SEED_MASK


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
        seed = checked_seed(seed, "Generator.manual_seed")
        if self._cuda is not None:
            self._cuda.manual_seed(seed)
            return self
        self._seed = seed
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


class _GlobalGenerator(Generator):
    """The global CPU generator behind the Generator interface (chainrule.default_generator)."""

    _global = True  # with_generator (cpp/bindings/bindings.h) draws from Generator::global() for it

    def __init__(self):
        self.device = _C.device("cpu")
        self._cuda = None

    def manual_seed(self, seed):
        """Reseeds the CPU's global generator only (chainrule.manual_seed also seeds the GPUs')."""
        _C._manual_seed_cpu(checked_seed(seed, "Generator.manual_seed"))
        return self

    def initial_seed(self):
        return _C.initial_seed()

    def get_state(self):
        from chainrule._functions.random_draws import get_rng_state
        return get_rng_state()

    def set_state(self, state):
        from chainrule._functions.random_draws import set_rng_state
        set_rng_state(state)
        return self

    def _numpy(self):
        """A numpy.random.Generator seeded from the global stream, so manual_seed reproduces its draws."""
        return np.random.Generator(np.random.PCG64(int(_C.randint(0, 2**62, (1,)).item())))


default_generator = _GlobalGenerator()


def drawn_by_the_ops(generator):
    """Whether the ops take `generator=` as it is (None, default_generator, a CUDA generator) rather
    than a seed drawn from its stream."""
    return generator is None or isinstance(generator, _GlobalGenerator) or \
        (isinstance(generator, Generator) and generator._cuda is not None)


def numpy_rng(generator):
    """A numpy.random.Generator for `generator`; None draws a fresh seed from chainrule's global
    generator, so chainrule.manual_seed makes shuffles and splits reproducible (as in PyTorch)."""
    if generator is None:
        return default_generator._numpy()
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be a chainrule.Generator or None, got {type(generator).__name__}")
    return generator._numpy()


def seed_for_op(generator):
    """A seed drawn from `generator`'s stream for a C++ op given generator= (randperm, multinomial),
    which then samples from its own generator seeded with it."""
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be a chainrule.Generator or None, got {type(generator).__name__}")
    return int(generator._numpy().integers(0, 2**63))
