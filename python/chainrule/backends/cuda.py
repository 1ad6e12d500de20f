"""chainrule.backends.cuda: PyTorch's CUDA math switches (TF32, attention kernels), kept as flags.

chainrule computes float32 matmuls in full float32 on every device, whatever allow_tf32 says, and
attention with its one (math) kernel, whatever the sdp switches say."""
import contextlib
import warnings
from types import SimpleNamespace

from chainrule import _C

matmul = SimpleNamespace(allow_tf32=False, allow_fp16_reduced_precision_reduction=True,
                         allow_bf16_reduced_precision_reduction=True)


def is_built():
    """Whether chainrule was compiled with CUDA."""
    return _C._cuda_is_compiled()


# The scaled-dot-product-attention switches (which of PyTorch's attention kernels
# F.scaled_dot_product_attention may pick). chainrule has one kernel, the math one, used whatever
# they say; they are kept, with torch's defaults (all on), for programs that set or read them.
_sdp_enabled = {"flash": True, "mem_efficient": True, "math": True, "cudnn": True}


def _sdp_switch(name):
    def enable(enabled):
        _sdp_enabled[name] = bool(enabled)

    def is_enabled():
        return _sdp_enabled[name]

    enable.__name__, is_enabled.__name__ = f"enable_{name}_sdp", f"{name}_sdp_enabled"
    enable.__doc__ = f"Allows or forbids the {name} attention kernel (a flag: chainrule has one, math, kernel)."
    is_enabled.__doc__ = f"Whether the {name} attention kernel is allowed."
    return enable, is_enabled


enable_flash_sdp, flash_sdp_enabled = _sdp_switch("flash")
enable_mem_efficient_sdp, mem_efficient_sdp_enabled = _sdp_switch("mem_efficient")
enable_math_sdp, math_sdp_enabled = _sdp_switch("math")
enable_cudnn_sdp, cudnn_sdp_enabled = _sdp_switch("cudnn")


def is_flash_attention_available():
    """False: chainrule has no flash attention kernel."""
    return False


@contextlib.contextmanager
def sdp_kernel(enable_flash=True, enable_math=True, enable_mem_efficient=True, enable_cudnn=True):
    """Deprecated (use chainrule.nn.attention.sdpa_kernel): sets the attention switches for a block."""
    warnings.warn("`chainrule.backends.cuda.sdp_kernel()` is deprecated. In the future, this context manager will "
                  "be removed. Please see `chainrule.nn.attention.sdpa_kernel()` for the new context manager, with "
                  "updated signature.", FutureWarning, stacklevel=3)
    saved = dict(_sdp_enabled)
    _sdp_enabled.update(flash=bool(enable_flash), math=bool(enable_math), mem_efficient=bool(enable_mem_efficient),
                        cudnn=bool(enable_cudnn))
    try:
        yield
    finally:
        _sdp_enabled.update(saved)
