"""LayerGradCam: a convolutional layer's feature maps weighted by how much the explained output depends
on each of them (Captum's LayerGradCam and LayerAttribution.interpolate; Selvaraju et al. 2017).

    from chainrule.inspect import LayerAttribution, LayerGradCam
    cam = LayerGradCam(model, model.features[6]).attribute(images, target=labels)    # (N, 1, h, w)
    heat = LayerAttribution.interpolate(cam, images.shape[-2:], "bilinear")           # (N, 1, H, W)

A forward hook on the layer catches its output A (N, C, h, w) (a forward pre-hook its input, with
attribute_to_layer_input=True) and hands the rest of the network a leaf copy of it, so that the
backward pass from the target output y stops at the layer with dy/dA. Then
    alpha_c = mean over (h, w) of dy/dA_c,   Grad-CAM = sum_c alpha_c A_c     (ReLU'd with relu_attributions)
(attr_dim_summation=False keeps the C weighted maps apart). The layer may be given as a module of
the model or by its name ("features.6"). Every hook is removed when attribute returns or raises.
"""
from chainrule import autograd, enable_grad
from chainrule._C import Tensor
from chainrule.inspect._attribution_common import (as_tuple, check_target, format_forward_args, left_as_it_was,
                                                    model_of, one_value_per_example, run_forward)
from chainrule.nn import functional as F

WHO = "LayerGradCam"


def layer_names(model):
    """'name (Type)' of every module of `model` with parameters of its own, e.g. 'features.0 (Conv2d)'."""
    return [f"{name} ({type(m).__name__})" for name, m in model.named_modules()
            if name and next(m.parameters(recurse=False), None) is not None]


def resolve_layer(forward_func, layer):
    """The layer as a module: looked up by name in forward_func's model, or checked to be one of its modules."""
    model = model_of(forward_func)
    if isinstance(layer, str):
        if model is None:
            raise TypeError(f"{WHO}: a layer given by name ({layer!r}) needs forward_func to be a Module; "
                            "pass the layer's module instead")
        found = dict(model.named_modules()).get(layer)
        if found is None or not layer:
            raise ValueError(f"{WHO}: the model {type(model).__name__} has no layer named {layer!r}; its layers "
                             f"with parameters are: {', '.join(layer_names(model))}")
        return found
    if model is not None and all(m is not layer for m in model.modules()):
        raise ValueError(f"{WHO}: the layer {layer!r} is not a module of the model {type(model).__name__}; its "
                         f"layers with parameters are: {', '.join(layer_names(model))}")
    return layer


class LayerAttribution:
    """Captum's base of layer attributions: holds forward_func and the layer; interpolate() resizes a map."""

    def __init__(self, forward_func, layer):
        self.forward_func = forward_func
        self.layer = resolve_layer(forward_func, layer)

    @staticmethod
    def interpolate(layer_attribution, interpolate_dims, interpolate_mode="nearest"):
        """The (N, C, h, w) map resized to interpolate_dims (e.g. the input's (H, W)) by F.interpolate."""
        return F.interpolate(layer_attribution, interpolate_dims, mode=interpolate_mode)


class LayerGradCam(LayerAttribution):
    """Captum's LayerGradCam for a convolutional layer of a chainrule model."""

    multiplies_by_inputs = False

    def has_convergence_delta(self):
        return False

    def attribute(self, inputs, target=None, additional_forward_args=None, attribute_to_layer_input=False,
                  relu_attributions=False, attr_dim_summation=True):
        """The Grad-CAM map of the target output at the layer: (N, 1, h, w), or (N, C, h, w) with
        attr_dim_summation=False."""
        values, _ = as_tuple(inputs, WHO)
        check_target(target, values[0].shape[0], WHO)
        with left_as_it_was(self.forward_func, values), enable_grad():
            activation, selected = self._activation_and_output(values, target, additional_forward_args,
                                                               attribute_to_layer_input)
            one_value_per_example(selected, WHO)
            gradient, = autograd.grad(selected.sum(), activation, allow_unused=True)
        if gradient is None:
            raise ValueError(f"{WHO}: the selected output does not depend on the layer {self._name()}")
        weights = gradient.mean(dim=(2, 3), keepdim=True)
        maps = (weights * activation).detach()
        maps = maps.sum(1, keepdim=True) if attr_dim_summation else maps
        return F.relu(maps) if relu_attributions else maps

    def _activation_and_output(self, inputs, target, additional_forward_args, attribute_to_layer_input):
        """(the layer's 4-d activation as a leaf the forward went on from, the target output)."""
        caught = []

        def leaf_copy(value):
            if not isinstance(value, Tensor):
                return value
            caught.append(value.detach().requires_grad_())
            return caught[-1]

        def catch_input(module, args):
            caught.clear()    # a layer called twice: the last call counts, as in Captum
            return tuple(leaf_copy(a) for a in args)

        def catch_output(module, args, output):
            caught.clear()
            return leaf_copy(output)

        handle = (self.layer.register_forward_pre_hook(catch_input) if attribute_to_layer_input
                  else self.layer.register_forward_hook(catch_output))
        try:
            selected = run_forward(self.forward_func, inputs, target, format_forward_args(additional_forward_args), WHO)
        finally:
            handle.remove()
        where = "input" if attribute_to_layer_input else "output"
        if not caught:
            raise ValueError(f"{WHO}: the layer {self._name()} was not called by the forward pass, or its {where} "
                             "holds no tensor")
        if len(caught) > 1 or caught[0].dim() != 4:
            raise ValueError(f"{WHO}: the layer {self._name()} gives an {where} of shape(s) "
                             f"{[tuple(c.shape) for c in caught]}, not one 4-d (N, C, H, W) feature map; Grad-CAM "
                             "needs a convolutional layer" + self._conv_layers_hint())
        return caught[0], selected

    def _name(self):
        model = model_of(self.forward_func)
        names = {id(m): name for name, m in model.named_modules()} if model is not None else {}
        name = names.get(id(self.layer))
        return f"'{name}' ({type(self.layer).__name__})" if name else type(self.layer).__name__

    def _conv_layers_hint(self):
        model = model_of(self.forward_func)
        convs = [name for name, m in model.named_modules() if type(m).__name__ in ("Conv2d", "ConvTranspose2d")
                 ] if model is not None else []
        return f", e.g. one of {convs}" if convs else ""
