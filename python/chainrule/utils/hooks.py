"""torch.utils.hooks's import path for RemovableHandle, the handle every register_*_hook returns
(defined in chainrule/nn/modules/hooks.py)."""
from chainrule.nn.modules.hooks import RemovableHandle  # noqa: F401

__all__ = ["RemovableHandle"]
