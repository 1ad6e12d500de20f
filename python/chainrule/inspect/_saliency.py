"""Saliency: the gradient of the explained output with respect to each input feature (Captum's Saliency).

    from chainrule.inspect import Saliency
    maps = Saliency(model).attribute(images, target=labels)          # |d y_target / d x|, images' shape

One backward pass per batch: for example n, attribution[n] = |d f(x_n)_target / d x_n| (abs=True,
Captum's default) or the signed gradient (abs=False).
"""
from chainrule.inspect._attribution_common import (as_output, as_tuple, check_floating, check_target,
                                                    format_forward_args, gradients, left_as_it_was)


class Saliency:
    """Captum's Saliency for a chainrule model or function: forward_func(*inputs, *additional_forward_args)."""

    multiplies_by_inputs = False

    def __init__(self, forward_func):
        self.forward_func = forward_func

    def has_convergence_delta(self):
        return False

    def attribute(self, inputs, target=None, abs=True, additional_forward_args=None):
        """The gradient of the target output w.r.t. `inputs` (a tensor or a tuple of them), its absolute
        value when abs is True; same form and shapes as `inputs`."""
        values, was_tuple = as_tuple(inputs, "Saliency")
        check_floating(values, "Saliency")
        check_target(target, values[0].shape[0], "Saliency")
        with left_as_it_was(self.forward_func, values):
            grads = gradients(self.forward_func, values, target, format_forward_args(additional_forward_args),
                              "Saliency")
        return as_output(was_tuple, [g.abs() if abs else g for g in grads])
