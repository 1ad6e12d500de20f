"""chainrule.random: torch.random's seeding functions and fork_rng, over chainrule's global generator.

    with torch.random.fork_rng():      # draws inside leave the global stream where it was
        torch.manual_seed(0)
        fixed_noise = torch.randn(16, 8)

manual_seed, seed, initial_seed, get_rng_state and set_rng_state are the top-level functions (a
state is a uint8 tensor, as PyTorch's, of chainrule's own layout); manual_seed returns
default_generator, the global CPU generator as a chainrule.Generator. fork_rng restores the CPU
generator's state on exit and, with CUDA, the listed GPUs' ones (every visible GPU by default).
"""
import contextlib
import warnings

from chainrule import cuda
from chainrule import _C
from chainrule._C import initial_seed
from chainrule._functions.random_draws import get_rng_state, seed, set_rng_state
from chainrule._generator import checked_seed, default_generator

__all__ = ["default_generator", "fork_rng", "get_rng_state", "initial_seed", "manual_seed", "seed", "set_rng_state"]


def manual_seed(seed):
    """Seeds the CPU's generator and every GPU's (rand, randn, dropout, init, shuffling); returns
    default_generator. Takes what int() takes, as PyTorch's does (`manual_seed(1.0)`)."""
    _C.manual_seed(checked_seed(int(seed), "manual_seed"))
    return default_generator

_warned_about_all_devices = False


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices", device_type="cuda"):
    """Forks the random streams: on exit the CPU generator (and the GPUs' in `devices`) are restored."""
    global _warned_about_all_devices
    if device_type not in (None, "cuda"):
        raise RuntimeError(f"fork_rng: chainrule has no device module `{device_type}` (only 'cuda')")
    if not enabled:
        yield
        return
    if devices is None:
        count = cuda.device_count()
        if count > 1 and not _warned_about_all_devices:
            warnings.warn(f"CUDA reports that you have {count} available devices, and you have used {_caller} "
                          f"without explicitly specifying which devices are being used; every CUDA device is "
                          f"forked. Set the '{_devices_kw}' keyword argument of {_caller} to the devices you use.",
                          stacklevel=3)
            _warned_about_all_devices = True
        devices = list(range(count))
    else:
        devices = list(devices)
    cpu_state = get_rng_state()
    device_states = [cuda.get_rng_state(device) for device in devices]
    try:
        yield
    finally:
        set_rng_state(cpu_state)
        for device, state in zip(devices, device_states):
            cuda.set_rng_state(state, device)

