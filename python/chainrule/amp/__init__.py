"""chainrule.amp: PyTorch's mixed-precision API (autocast regions and GradScaler).

On the CPU, autocast regions cast as PyTorch's CPU autocast does (bfloat16 or float16 matrix
products and convolutions, float32 losses); GradScaler scales, unscales, skips and adapts exactly as
PyTorch's does; custom_fwd/custom_bwd decorate custom autograd Functions. See the modules for details.
"""
from chainrule.amp.autocast_mode import autocast, is_autocast_available, is_autocast_enabled, get_autocast_dtype  # noqa: F401
from chainrule.amp.grad_scaler import GradScaler  # noqa: F401
from chainrule.amp.custom_functions import custom_fwd, custom_bwd  # noqa: F401

__all__ = ["autocast", "custom_bwd", "custom_fwd", "is_autocast_available", "GradScaler"]
