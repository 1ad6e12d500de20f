"""chainrule.cuda: whether this build can use NVIDIA GPUs, the probing calls every script makes,
and the GPU memory counters.

GPU memory comes from a caching allocator per device (cpp/core/caching_allocator.h): freed blocks
are kept for reuse, so memory_reserved() stays above memory_allocated() until empty_cache().
Without a usable GPU the counters read 0 and empty_cache does nothing, as PyTorch's do before
CUDA is used. Calls that need a device (current_device, synchronize, get_device_name) raise the
core's one RuntimeError for an unavailable device ("chainrule was built without CUDA", "this
machine has 0 CUDA device(s)", ...), as the factories and .to() do.

Random GPU tensors (rand, randn, randint, *_like, uniform_/normal_, dropout, ...) are drawn on the
GPU from that GPU's CUDA generator (cpp/core/cuda_generator.h), a (seed, offset) counter-based
stream as PyTorch's Philox one: a seed gives the same GPU values on every run, not the CPU's values.
manual_seed/seed seed the current GPU's generator, manual_seed_all/seed_all every GPU's, and
chainrule.manual_seed seeds the CPU's and every GPU's. Without a GPU, as in PyTorch, the seeding
calls and set_rng_state are accepted and change nothing visible, get_rng_state_all is [], and
initial_seed and get_rng_state raise. A state is an int64 tensor [seed, offset] (PyTorch's is 16
uint8 bytes, a dtype chainrule lacks). chainrule.Generator(device="cuda") makes a private CUDA
generator. FloatTensor, DoubleTensor, HalfTensor, BFloat16Tensor, LongTensor, IntTensor, ShortTensor, ByteTensor,
CharTensor and BoolTensor are the
legacy GPU tensor types
(torch.cuda.FloatTensor & co.).
"""
import os

from chainrule import _C
from chainrule._legacy_tensors import CUDA_TYPES as _CUDA_TYPES

FloatTensor, DoubleTensor = _CUDA_TYPES["FloatTensor"], _CUDA_TYPES["DoubleTensor"]
HalfTensor, BFloat16Tensor = _CUDA_TYPES["HalfTensor"], _CUDA_TYPES["BFloat16Tensor"]
LongTensor, BoolTensor = _CUDA_TYPES["LongTensor"], _CUDA_TYPES["BoolTensor"]
IntTensor, ShortTensor = _CUDA_TYPES["IntTensor"], _CUDA_TYPES["ShortTensor"]
ByteTensor, CharTensor = _CUDA_TYPES["ByteTensor"], _CUDA_TYPES["CharTensor"]

__all__ = ["is_available", "device_count", "is_initialized", "manual_seed", "manual_seed_all", "seed", "seed_all",
           "initial_seed", "get_rng_state", "set_rng_state", "get_rng_state_all", "set_rng_state_all",
           "current_device", "synchronize", "get_device_name", "empty_cache", "memory_allocated",
           "max_memory_allocated", "memory_reserved", "max_memory_reserved", "reset_peak_memory_stats", "amp", "random",
           "FloatTensor", "DoubleTensor", "HalfTensor", "BFloat16Tensor", "LongTensor", "IntTensor", "ShortTensor", "ByteTensor", "CharTensor",
           "BoolTensor"]


def is_available():
    """True when chainrule was compiled with CUDA and a GPU is visible."""
    return _C._cuda_device_count() > 0


def device_count():
    """The number of GPUs visible (0 in a CPU-only build)."""
    return _C._cuda_device_count()


def is_initialized():
    """Whether CUDA can be used by this process (chainrule sets it up on first use)."""
    return is_available()


_SEED_MASK = 0xFFFF_FFFF_FFFF_FFFF  # seeds are 64-bit; negative ones wrap, as in PyTorch


def manual_seed(seed):
    """Seeds the current GPU's generator (changes nothing visible without a GPU, as in PyTorch)."""
    _C._cuda_generator(0).manual_seed(int(seed) & _SEED_MASK)  # the current device is 0


def manual_seed_all(seed):
    """Seeds every GPU's generator (changes nothing visible without a GPU, as in PyTorch)."""
    _C._cuda_manual_seed_all(int(seed) & _SEED_MASK)


def _random_seed():
    return int.from_bytes(os.urandom(8), "little")


def seed():
    """Seeds the current GPU's generator with a random number."""
    manual_seed(_random_seed())


def seed_all():
    """Seeds every GPU's generator with a random number."""
    manual_seed_all(_random_seed())


def initial_seed():
    """The seed of the current GPU's generator."""
    _require_device(None, "initial_seed")
    return _C._cuda_generator(0).initial_seed()


def get_rng_state(device="cuda"):
    """The GPU's generator state, an int64 CPU tensor [seed, offset], for set_rng_state."""
    index = _devices._cuda_index(device, "get_rng_state")
    _require_device(f"cuda:{index}", "get_rng_state")
    return _generator_state(_C._cuda_generator(index))


def set_rng_state(new_state, device="cuda"):
    """Restores the GPU's generator to a state from get_rng_state (ignored without a GPU, as in
    PyTorch), so the same draws follow."""
    words = _state_words(new_state, "chainrule.cuda.set_rng_state")
    index = _devices._cuda_index(device, "set_rng_state")
    if index < device_count():
        _C._cuda_generator(index).set_state(*words)


def _generator_state(generator):
    """A CUDA generator's state as an int64 CPU tensor [seed, offset] (the words' bits)."""
    import numpy as np
    return _C.from_numpy(np.array(generator.get_state(), dtype=np.uint64).view(np.int64))


def _state_words(state, op):
    """(seed, offset) from a state _generator_state made; TypeError for anything else."""
    if not isinstance(state, _C.Tensor) or state.dtype != _C.dtype.int64 or tuple(state.shape) != (2,):
        raise TypeError(f"{op}: expected the int64 tensor [seed, offset] of a CUDA generator's state, got "
                        + (f"a {state.dtype} tensor of shape {list(state.shape)}"
                           if isinstance(state, _C.Tensor) else type(state).__name__))
    return tuple(int(w) & _SEED_MASK for w in state.detach().cpu().tolist())


def get_rng_state_all():
    """Every GPU's generator state ([] without a GPU)."""
    return [get_rng_state(index) for index in range(device_count())]


def set_rng_state_all(new_states):
    """Restores every GPU's generator, new_states[i] for GPU i."""
    for index, state in enumerate(new_states):
        set_rng_state(state, index)


def _require_device(device, op):
    _C._check_device_available("cuda" if device is None else device, f"chainrule.cuda.{op}")
    return "cuda" if device is None else device


def current_device():
    """The index of the GPU that `device="cuda"` means: 0."""
    _require_device(None, "current_device")
    return 0


def synchronize(device=None):
    """Waits until every kernel and copy queued on the GPU has finished."""
    _C._cuda_synchronize(_require_device(device, "synchronize"))


def get_device_name(device=None):
    return _C._cuda_device_name(_require_device(device, "get_device_name"))


def _stat(device, name):
    """One counter of the device's caching allocator; 0 without a usable GPU, as in PyTorch."""
    if not is_available():
        return 0
    return _C._cuda_memory_stats(_require_device(device, "memory_stats"))[name]


def empty_cache():
    """Gives the GPU memory cached for reuse (freed tensors' blocks) back to the driver."""
    for index in range(device_count()):
        _C._cuda_empty_cache(index)


def memory_allocated(device=None):
    """Bytes of GPU memory held by tensors (in the allocator's size classes)."""
    return _stat(device, "allocated_bytes")


def max_memory_allocated(device=None):
    """The most memory_allocated() has been since the start or reset_peak_memory_stats()."""
    return _stat(device, "peak_allocated_bytes")


def memory_reserved(device=None):
    """Bytes the caching allocator holds from the driver: tensors' blocks and cached free ones."""
    return _stat(device, "reserved_bytes")


def max_memory_reserved(device=None):
    return _stat(device, "peak_reserved_bytes")


def reset_peak_memory_stats(device=None):
    """Starts the peaks of max_memory_allocated/max_memory_reserved again from the current values."""
    if is_available():
        _C._cuda_reset_peak_memory_stats(_require_device(device, "reset_peak_memory_stats"))

from chainrule.cuda import amp  # noqa: E402,F401
from chainrule.cuda import random  # noqa: E402,F401  (needs the generator calls above)
from chainrule.cuda import devices as _devices, streams as _streams  # noqa: E402
from chainrule.cuda.devices import *  # noqa: E402,F401,F403
from chainrule.cuda.streams import *  # noqa: E402,F401,F403

__all__ += _devices.__all__ + _streams.__all__

from chainrule._missing import missing_attribute_hook as _missing_attribute_hook  # noqa: E402
__getattr__ = _missing_attribute_hook(__name__, "torch.cuda")
