"""chainrule.Generator: a seedable random source for shuffling and splitting, like torch.Generator.

The C++ core has one global generator (seeded by chainrule.manual_seed) and no per-object generators,
so this small class wraps a numpy.random.Generator (PCG64). It drives samplers and random_split only;
rand/randn/randint keep using the global generator. Streams differ from PyTorch's: a seed gives the
same shuffles in every chainrule run, not the same shuffles as torch.Generator with that seed.
"""
import numpy as np

from chainrule import _C

_DEFAULT_SEED = 67280421310721  # torch.Generator().initial_seed()


class Generator:
    """A seedable generator: `g = chainrule.Generator().manual_seed(0)`; pass it as `generator=g`."""

    def __init__(self, device="cpu"):
        if str(device) != "cpu":
            raise ValueError(f"Generator: only device 'cpu' is supported, got {device!r}")
        self.device = _C.device("cpu")
        self.manual_seed(_DEFAULT_SEED)

    def manual_seed(self, seed):
        """Reseeds the generator and returns it (so `Generator().manual_seed(0)` chains)."""
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise TypeError(f"Generator.manual_seed: seed must be an int, got {type(seed).__name__}")
        self._seed = int(seed) & 0xFFFF_FFFF_FFFF_FFFF  # negative seeds wrap, as in PyTorch
        self._rng = np.random.Generator(np.random.PCG64(self._seed))
        return self

    def initial_seed(self):
        return self._seed

    def seed(self):
        """Reseeds from the operating system's entropy and returns the new seed."""
        self.manual_seed(int(np.random.SeedSequence().generate_state(1, np.uint64)[0]))
        return self._seed

    def get_state(self):
        """The generator's state (a dict; PyTorch returns a ByteTensor), for set_state."""
        return {"seed": self._seed, "bit_generator": self._rng.bit_generator.state}

    def set_state(self, state):
        self._seed = state["seed"]
        self._rng.bit_generator.state = state["bit_generator"]
        return self

    def _numpy(self):
        """The numpy.random.Generator behind this generator (for samplers and random_split)."""
        return self._rng

    def __repr__(self):
        return f"<chainrule.Generator seed={self._seed}>"


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
