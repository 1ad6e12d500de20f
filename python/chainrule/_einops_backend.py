"""einops' functional API (rearrange, repeat, reduce, einsum, pack, unpack, parse_shape, asnumpy) on chainrule
tensors. einops picks a backend by the tensor's type among the subclasses of its AbstractBackend whose
framework_name is an imported module; chainrule's __init__ imports this module when einops is installed, and
defining ChainruleBackend is the whole registration, whichever of einops and chainrule was imported first.

ChainruleBackend is einops' TorchBackend with chainrule in torch's place: TorchBackend reaches its framework
only through self.torch (chainrule.amin/amax/permute/expand/repeat/cat/einsum...), the same PyTorch calls
chainrule answers, so rearrange/reduce/repeat run as chainrule ops and are differentiable. Its __init__ is
not called: it imports torch for torch.compile's graph registration, which chainrule has no use for.
"""
from einops._backends import TorchBackend

import chainrule

__all__ = ["ChainruleBackend"]


class ChainruleBackend(TorchBackend):
    """einops' backend for chainrule.Tensor (and nn.Parameter): TorchBackend's calls, made on chainrule."""

    framework_name = "chainrule"

    def __init__(self):
        self.torch = chainrule

    def layers(self):
        from chainrule import einops_layers
        return einops_layers
