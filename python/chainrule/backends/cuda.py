"""chainrule.backends.cuda: PyTorch's CUDA math switches (TF32, attention kernels), kept as flags.

chainrule computes float32 matmuls in full float32 on every device, whatever allow_tf32 says."""
from types import SimpleNamespace

from chainrule import _C

matmul = SimpleNamespace(allow_tf32=False, allow_fp16_reduced_precision_reduction=True,
                         allow_bf16_reduced_precision_reduction=True)


def is_built():
    """Whether chainrule was compiled with CUDA."""
    return _C._cuda_is_compiled()
