"""IntegratedGradients: the gradient integrated along the straight path from a baseline to the input
(Captum's IntegratedGradients, Sundararajan et al. 2017).

    from chainrule.inspect import IntegratedGradients
    ig = IntegratedGradients(model)
    attributions, delta = ig.attribute(images, target=labels, n_steps=50, return_convergence_delta=True)

    IG_i(x) = (x_i - b_i) * integral_0^1 d f(b + a (x - b)) / d x_i da
            ~ (x_i - b_i) * sum_k w_k d f(b + a_k (x - b)) / d x_i

with the quadrature's nodes a_k and weights w_k ("gausslegendre", Captum's default, or the Riemann
sums "riemann_left", "riemann_right", "riemann_middle", "riemann_trapezoid"). All n_steps points of
all examples go through the model as one batch (or internal_batch_size points at a time). By the
fundamental theorem of calculus for line integrals the attributions add up to f(x) - f(b); the
convergence delta is sum(attributions) - (f(x) - f(b)) per example, which shrinks as n_steps grows.
Step weights are in the gradients' dtype (Captum's are float32 always).
"""
import warnings

import numpy as np

from chainrule import cat, linspace, no_grad, tensor
from chainrule.inspect._attribution_common import (as_output, as_tuple, check_floating, check_target,
                                                    expand_forward_args, expand_target, format_baselines,
                                                    format_forward_args, full_baselines, gradients,
                                                    left_as_it_was, one_value_per_example, run_forward)

RIEMANN_METHODS = ("riemann_left", "riemann_right", "riemann_middle", "riemann_trapezoid")
METHODS = RIEMANN_METHODS + ("gausslegendre",)


def step_sizes_and_alphas(method, n_steps):
    """(weights w_k, nodes a_k in [0, 1]) of the quadrature rule, Captum's lists of floats."""
    if method not in METHODS:
        raise ValueError(f"IntegratedGradients: method must be one of {list(METHODS)}, got {method!r}")
    if method == "gausslegendre":
        if n_steps < 1:
            raise ValueError(f"IntegratedGradients: n_steps must be at least 1, got {n_steps}")
        nodes, weights = np.polynomial.legendre.leggauss(n_steps)
        return (0.5 * weights).tolist(), (0.5 * (1 + nodes)).tolist()
    if n_steps < 2:
        raise ValueError(f"IntegratedGradients: the Riemann methods need n_steps of at least 2, got {n_steps}")
    sizes = [1 / n_steps] * n_steps
    if method == "riemann_trapezoid":
        sizes[0] /= 2
        sizes[-1] /= 2
    first, last = {"riemann_left": (0, 1 - 1 / n_steps), "riemann_right": (1 / n_steps, 1),
                   "riemann_middle": (1 / (2 * n_steps), 1 - 1 / (2 * n_steps)),
                   "riemann_trapezoid": (0, 1)}[method]
    return sizes, linspace(first, last, n_steps).tolist()


def sum_rows(values):
    """Per example, the sum of every element of each tensor in `values`, added over the tensors."""
    return sum(v.reshape(v.shape[0], -1).sum(1) for v in values)


class IntegratedGradients:
    """Captum's IntegratedGradients for a chainrule model or function; multiply_by_inputs=False leaves
    out the factor (x - b) (the path-averaged gradient alone)."""

    def __init__(self, forward_func, multiply_by_inputs=True):
        self.forward_func = forward_func
        self._multiply_by_inputs = multiply_by_inputs

    @property
    def multiplies_by_inputs(self):
        return self._multiply_by_inputs

    def has_convergence_delta(self):
        return True

    def attribute(self, inputs, baselines=None, target=None, additional_forward_args=None, n_steps=50,
                  method="gausslegendre", internal_batch_size=None, return_convergence_delta=False):
        """Integrated gradients of the target output for `inputs` (a tensor or a tuple of them), relative to
        `baselines` (zeros by default); with return_convergence_delta, (attributions, delta per example)."""
        values, was_tuple = as_tuple(inputs, "IntegratedGradients")
        check_floating(values, "IntegratedGradients")
        check_target(target, values[0].shape[0], "IntegratedGradients")
        baselines = format_baselines(baselines, values, "IntegratedGradients")
        forward_args = format_forward_args(additional_forward_args)
        step_sizes, alphas = step_sizes_and_alphas(method, n_steps)
        with left_as_it_was(self.forward_func, values):
            attributions = self._attribute_in_chunks(values, baselines, target, forward_args, step_sizes, alphas,
                                                     internal_batch_size)
            if not return_convergence_delta:
                return as_output(was_tuple, attributions)
            delta = self._delta(attributions, values, baselines, target, forward_args)
        return as_output(was_tuple, attributions), delta

    def compute_convergence_delta(self, attributions, start_point, end_point, target=None,
                                  additional_forward_args=None):
        """sum(attributions) - (f(end_point) - f(start_point)) per example, as Captum computes it."""
        values, _ = as_tuple(end_point, "IntegratedGradients")
        attributions, _ = as_tuple(attributions, "IntegratedGradients")
        baselines = format_baselines(start_point, values, "IntegratedGradients")
        check_target(target, values[0].shape[0], "IntegratedGradients")
        with left_as_it_was(self.forward_func, values):
            return self._delta(attributions, values, baselines, target, format_forward_args(additional_forward_args))

    def _attribute_in_chunks(self, inputs, baselines, target, forward_args, step_sizes, alphas, internal_batch_size):
        """Captum's batching: internal_batch_size // N steps per pass (at least 1), the passes added up."""
        num_examples = inputs[0].shape[0]
        if internal_batch_size is None:
            return self._attribute(inputs, baselines, target, forward_args, step_sizes, alphas)
        if internal_batch_size < num_examples:
            warnings.warn(f"IntegratedGradients: internal_batch_size {internal_batch_size} is less than the "
                          f"{num_examples} examples; each pass takes one step of all of them", stacklevel=3)
        steps_per_pass = max(1, internal_batch_size // num_examples)
        total = None
        for start in range(0, len(alphas), steps_per_pass):
            part = self._attribute(inputs, baselines, target, forward_args, step_sizes[start:start + steps_per_pass],
                                   alphas[start:start + steps_per_pass])
            total = part if total is None else tuple(t + p for t, p in zip(total, part))
        return total

    def _attribute(self, inputs, baselines, target, forward_args, step_sizes, alphas):
        n_steps, num_examples = len(alphas), inputs[0].shape[0]
        with no_grad():
            path_points = tuple(cat([baseline + alpha * (value - baseline) for alpha in alphas])
                                for value, baseline in zip(inputs, baselines))
        grads = gradients(self.forward_func, path_points, expand_target(target, n_steps),
                          expand_forward_args(forward_args, n_steps), "IntegratedGradients")
        with no_grad():
            attributions = []
            for grad, value, baseline in zip(grads, inputs, baselines):
                weights = tensor(step_sizes, dtype=grad.dtype, device=grad.device).reshape(n_steps, 1)
                path_integral = (grad.reshape(n_steps, -1) * weights).reshape(
                    (n_steps, num_examples) + tuple(grad.shape[1:])).sum(0)
                attributions.append(path_integral * (value - baseline) if self._multiply_by_inputs else path_integral)
        return tuple(attributions)

    def _delta(self, attributions, inputs, baselines, target, forward_args):
        for attribution, value in zip(attributions, inputs):
            if attribution.shape[0] != value.shape[0]:
                raise ValueError(f"IntegratedGradients: attributions of batch {attribution.shape[0]} for inputs "
                                 f"of batch {value.shape[0]}")
        with no_grad():
            starts = run_forward(self.forward_func, full_baselines(inputs, baselines), target, forward_args,
                                 "IntegratedGradients")
            ends = run_forward(self.forward_func, inputs, target, forward_args, "IntegratedGradients")
            one_value_per_example(ends, "IntegratedGradients")
            return sum_rows(attributions) - (sum_rows([ends]) - sum_rows([starts]))
