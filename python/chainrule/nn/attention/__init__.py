"""chainrule.nn.attention: torch.nn.attention's choice of attention kernel for
F.scaled_dot_product_attention: SDPBackend and the sdpa_kernel context manager.

chainrule has one attention kernel, the math one, and uses it whatever is chosen; sdpa_kernel sets
chainrule.backends.cuda's switches for its block (and restores them), as PyTorch's does, so code
that reads them sees the choice. On the CPU a choice PyTorch has no kernel for (neither math nor flash,
or flash alone with inputs that are not 4-D) raises as PyTorch's does."""
import contextlib
import enum

from chainrule.backends import cuda as _cuda_backend

__all__ = ["SDPBackend", "sdpa_kernel"]


class SDPBackend(enum.IntEnum):
    """The attention kernels PyTorch can pick, with torch's values."""
    ERROR = -1
    MATH = 0
    FLASH_ATTENTION = 1
    EFFICIENT_ATTENTION = 2
    CUDNN_ATTENTION = 3
    OVERRIDEABLE = 4

    def __str__(self):
        return f"SDPBackend.{self.name}"


_SWITCHES = {SDPBackend.MATH: "math", SDPBackend.FLASH_ATTENTION: "flash",
             SDPBackend.EFFICIENT_ATTENTION: "mem_efficient", SDPBackend.CUDNN_ATTENTION: "cudnn"}


@contextlib.contextmanager
def sdpa_kernel(backends, set_priority=False):
    """Allows only `backends` (one SDPBackend or a list) inside the block."""
    chosen = [backends] if isinstance(backends, SDPBackend) else backends
    if not isinstance(chosen, (list, tuple)) or not all(isinstance(b, SDPBackend) for b in chosen):
        raise AssertionError("Backend must be an instance of SDPBackend or a list of SDPBackend instances, "
                             f"got {type(backends).__name__}")
    switches = _cuda_backend._sdp_enabled
    saved = dict(switches)
    switches.update({name: backend in chosen for backend, name in _SWITCHES.items()})
    try:
        yield
    finally:
        switches.update(saved)
