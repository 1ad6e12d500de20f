"""einops' layers as chainrule nn.Modules: what `from einops.layers.torch import Rearrange, Reduce, EinMix`
gives a PyTorch program. einops.layers.torch imports torch and subclasses torch.nn.Module; a program that
keeps that import gets these twins when it puts the layers into a chainrule module
(nn/modules/foreign_layers.py), and a program without PyTorch installed imports them from here:

    from einops.layers.torch import Rearrange, Reduce, EinMix   ->   from chainrule.einops_layers import ...

The layers are einops' own mixins (pattern parsing, recipes, He-uniform bounds, repr) on chainrule's Module,
as einops.layers.torch puts them on torch's: Rearrange and Reduce hold no parameters, EinMix holds weight
and (with bias_shape) bias, with the same state_dict keys, shapes and printing as PyTorch's. Needs einops.
"""
from typing import Dict, Optional

from einops.layers import RearrangeMixin, ReduceMixin
from einops.layers._einmix import _EinmixMixin

import chainrule
from chainrule.nn import Module, Parameter

__all__ = ["Rearrange", "Reduce", "EinMix"]


class Rearrange(RearrangeMixin, Module):
    """einops.rearrange(input, pattern, **axes_lengths) as a layer."""

    def forward(self, input):
        return self._apply_recipe(input)


class Reduce(ReduceMixin, Module):
    """einops.reduce(input, pattern, reduction, **axes_lengths) as a layer."""

    def forward(self, input):
        return self._apply_recipe(input)


def _uniform_parameter(shape, bound):
    return Parameter(chainrule.zeros(shape).uniform_(-bound, bound))


class EinMix(_EinmixMixin, Module):
    """einsum of the input with a learned weight (plus an optional learned bias), with einops rearranges
    of the input before and of the result after when the pattern groups or splits axes."""

    def _create_parameters(self, weight_shape, weight_bound, bias_shape, bias_bound):
        self.weight = _uniform_parameter(weight_shape, weight_bound)
        self.bias = None if bias_shape is None else _uniform_parameter(bias_shape, bias_bound)

    def _create_rearrange_layers(self, pre_reshape_pattern: Optional[str], pre_reshape_lengths: Optional[Dict],
                                 post_reshape_pattern: Optional[str], post_reshape_lengths: Optional[Dict]):
        self.pre_rearrange = None if pre_reshape_pattern is None else Rearrange(pre_reshape_pattern,
                                                                                **pre_reshape_lengths)
        self.post_rearrange = None if post_reshape_pattern is None else Rearrange(post_reshape_pattern,
                                                                                  **post_reshape_lengths)

    def forward(self, input):
        if self.pre_rearrange is not None:
            input = self.pre_rearrange(input)
        result = chainrule.einsum(self.einsum_pattern, input, self.weight)
        if self.bias is not None:
            result += self.bias
        if self.post_rearrange is not None:
            result = self.post_rearrange(result)
        return result
