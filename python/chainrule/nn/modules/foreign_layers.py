"""Layers a program builds through a third-party import it keeps unchanged: einops' torch layers.

`from einops.layers.torch import Rearrange, Reduce, EinMix` is not a torch import, so a program moved
to chainrule by editing its torch imports still builds einops' torch.nn.Modules (einops imports torch
itself). Put into a chainrule module (an attribute, add_module, Sequential, ModuleList, ModuleDict),
such a layer becomes its chainrule.einops_layers twin, built from the same pattern, reduction and axis
lengths; an EinMix twin draws its weights from chainrule's generator, as the program's
chainrule.manual_seed expects. Any other foreign module stays a plain value and is refused as a child.
"""
_EINOPS_TORCH_LAYERS = "einops.layers.torch"


def adopted(value):
    """value's chainrule twin when it is one of einops' torch layers, else value itself."""
    if type(value).__module__ != _EINOPS_TORCH_LAYERS:
        return value
    from chainrule import einops_layers
    layer = type(value).__name__
    if layer == "Rearrange":
        return einops_layers.Rearrange(value.pattern, **value.axes_lengths)
    if layer == "Reduce":
        return einops_layers.Reduce(value.pattern, value.reduction, **value.axes_lengths)
    if layer == "EinMix":
        return einops_layers.EinMix(value.pattern, value.weight_shape, value.bias_shape, **value.axes_lengths)
    raise TypeError(f"{_EINOPS_TORCH_LAYERS}.{layer} has no chainrule counterpart; "
                    "import chainrule.einops_layers' layers instead")
