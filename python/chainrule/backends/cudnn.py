"""chainrule.backends.cudnn: PyTorch's cuDNN switches, kept as plain flags (chainrule has no cuDNN).

`benchmark`, `deterministic` and `enabled` can be set and read like PyTorch's; chainrule's CPU
kernels are deterministic whatever they say (same inputs, same threads: same bits)."""

enabled = True
benchmark = False
deterministic = False
allow_tf32 = True


def is_available():
    """Whether cuDNN can be used: never in chainrule."""
    return False


def version():
    """The cuDNN version: None, as PyTorch answers without cuDNN."""
    return None
