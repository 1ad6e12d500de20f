"""check_model: a whole model's gradients checked against central differences in float64 (issue 17).

    from chainrule.inspect import check_model
    result = check_model(model, images[:8], nn.CrossEntropyLoss(), targets=labels[:8])
    print(result)            # a row per layer and gradient; result.passed, result.culprits

The model is deep-copied and converted with .double() (the user's model is not touched), floating
inputs and targets too. One backward pass gives the analytic gradients dL/dθ of every trainable
parameter and, for every leaf module called once, dL/dx at its first input and dL/dy at its output
(forward hooks pass them through a clone that autograd.grad can be asked about). Each is compared,
entry by entry, with the central difference

    dL/dv_i ~ (L(v + h e_i) - L(v - h e_i)) / 2h

over all entries of a tensor, or max_entries of them drawn with numpy's RandomState(seed). An entry
passes when |analytic - numeric| <= atol + rtol |numeric|. Where the central difference steps over a
kink (a ReLU's or max-pool's switch between v - h and v + h) the one-sided differences from L(v) are
tried too, and the entry passes if either agrees: on one side of the point there is no kink.

The layer whose backward is wrong is named: the chain rule hands each layer dL/dy and the layer
turns it into dL/dx and dL/dθ, so a wrong layer is one that receives a right dL/dy and gives a wrong
dL/dx or dL/dθ (the layers before it then fail too, only because what they receive is wrong).

Randomness: before every evaluation of the loss chainrule's generators (the CPU's and every GPU's)
are seeded with `seed`, so Dropout in training mode draws the same mask each time and the loss is a
function of the weights alone (the callers' generator states are restored afterwards). BatchNorm in
training mode normalizes with the batch's statistics in every evaluation alike. A loss that still
differs between two evaluations at the same weights (randomness from outside chainrule's
generators) is an error.
"""
import copy

import numpy as np

from chainrule import autograd, cuda, get_rng_state, manual_seed, set_rng_state
from chainrule._C import Tensor
from chainrule.autograd import enable_grad, no_grad
from chainrule.inspect._gradient_check_report import CheckRow, GradientCheckResult, entry_errors
from chainrule.inspect._recording import first_tensor
from chainrule.nn import Module

WHO = "check_model"


def _as_double(value):
    """value with every floating tensor of its (nested) tuples and lists in float64."""
    if isinstance(value, Tensor):
        return value.detach().double() if value.is_floating_point() else value
    if isinstance(value, (list, tuple)):
        return type(value)(_as_double(v) for v in value)
    return value


def _with_first_tensor(value, tensor):
    return tensor if isinstance(value, Tensor) else type(value)((tensor, *value[1:]))


class ActivationProbe:
    """Forward hooks on the modules whose activations are checked (the leaf modules and the model itself).

    With `recording` on, the first input tensor and the first output tensor of each call go on through a
    copy of a clone kept in `seen`, which autograd.grad can be asked about; otherwise, when `nudge` names a
    (path, "input" or "output") key, that tensor's flat entry `index` is moved by `offset`."""

    def __init__(self, named_modules):
        self.seen = {}
        self.recording = False
        self.nudge = None          # (key, flat index, offset)
        self.handles = []
        for path, module in named_modules:
            self.handles.append(module.register_forward_pre_hook(self._input_hook(path)))
            self.handles.append(module.register_forward_hook(self._output_hook(path)))

    def _pass_through(self, key, tensor):
        if tensor is None or not tensor.is_floating_point():
            return None
        if self.recording:
            if not tensor.requires_grad:
                return None
            # the forward goes on with a copy: an in-place op (ReLU(inplace=True)) changes that copy, and the
            # gradient asked for stays the one at the kept value
            kept = tensor.clone()
            self.seen.setdefault(key, []).append(kept)
            return kept.clone()
        if self.nudge is not None and self.nudge[0] == key:
            _, index, offset = self.nudge
            nudged = tensor.clone().contiguous()
            nudged.view(-1)[index] += offset
            return nudged
        return None

    def _input_hook(self, path):
        def hook(module, args):
            tensor = self._pass_through((path, "input"), first_tensor(args))
            return None if tensor is None else _with_first_tensor(tuple(args), tensor)
        return hook

    def _output_hook(self, path):
        def hook(module, args, output):
            tensor = self._pass_through((path, "output"), first_tensor(output))
            return None if tensor is None else _with_first_tensor(output, tensor)
        return hook

    def remove(self):
        for handle in self.handles:
            handle.remove()
        self.handles.clear()


class LossOfWeights:
    """L(θ, activations) of the float64 copy: every evaluation starts from the same generator seed."""

    def __init__(self, model, inputs, loss_fn, targets, seed):
        self.model, self.inputs, self.loss_fn, self.targets, self.seed = model, inputs, loss_fn, targets, seed

    def __call__(self):
        manual_seed(self.seed)
        try:
            output = self.model(*self.inputs)
        except Exception as error:
            shapes = [tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__ for x in self.inputs]
            raise RuntimeError(f"{WHO}: the model failed on inputs of shape {shapes} (converted to float64): "
                               f"{type(error).__name__}: {error}") from error
        loss = self.loss_fn(output) if self.targets is None else self.loss_fn(output, self.targets)
        if not isinstance(loss, Tensor) or loss.numel() != 1:
            got = f"a tensor of shape {tuple(loss.shape)}" if isinstance(loss, Tensor) else type(loss).__name__
            raise ValueError(f"{WHO}: loss_fn must return one number (a 0-d tensor), got {got}; reduce it, "
                             "e.g. with reduction='mean'")
        return loss.reshape(())

    def value(self):
        with no_grad():
            return self().item()


def _checked_entries(numel, max_entries, rng):
    return np.arange(numel) if numel <= max_entries else np.sort(rng.choice(numel, max_entries, replace=False))


def _numeric_derivatives(loss, base, indices, step, displace):
    """(central, forward, backward) differences of the loss for each flat index; displace(i, offset)
    puts entry i at its value + offset (offset 0: back where it was)."""
    central, forward, backward = [], [], []
    for i in indices:
        displace(i, step)
        up = loss.value()
        displace(i, -step)
        down = loss.value()
        displace(i, 0.0)
        central.append((up - down) / (2 * step))
        forward.append((up - base) / step)
        backward.append((base - down) / step)
    return np.array(central), np.array(forward), np.array(backward)


def _parameter_displacer(parameter):
    flat = parameter.detach().view(-1)
    original = flat.numpy().copy()

    def displace(i, offset):
        with no_grad():
            flat[int(i)] = float(original[i] + offset)
    return displace


def _activation_displacer(probe, key):
    def displace(i, offset):
        probe.nudge = (key, int(i), offset) if offset else None
    return displace


def _check_arguments(model, inputs, loss_fn, max_entries, eps):
    if not isinstance(model, Module):
        raise TypeError(f"{WHO}: model must be a chainrule.nn.Module, got {type(model).__name__}")
    values = inputs if isinstance(inputs, tuple) else (inputs,)
    if not values or not all(isinstance(v, Tensor) for v in values):
        raise TypeError(f"{WHO}: inputs must be a tensor or a tuple of tensors (the forward's arguments), got "
                        f"{type(inputs).__name__}")
    if not callable(loss_fn):
        raise TypeError(f"{WHO}: loss_fn must be callable, loss_fn(output) or loss_fn(output, targets), got "
                        f"{type(loss_fn).__name__}")
    if not (isinstance(max_entries, int) and max_entries >= 1):
        raise ValueError(f"{WHO}: max_entries must be a positive int, got {max_entries!r}")
    if not eps > 0:
        raise ValueError(f"{WHO}: eps must be positive, got {eps!r}")
    return values


def check_model(model, inputs, loss_fn, targets=None, max_entries=16, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0):
    """Checks every trainable parameter's gradient dL/dθ, and dL/dx and dL/dy at every leaf layer called
    once, against central differences of the loss L = loss_fn(model(*inputs)[, targets]) in float64.
    Returns a GradientCheckResult (prints as a table; .passed, .rows, .culprits). The model keeps its
    mode, weights, .grad and hooks; the generator's state is restored."""
    values = _check_arguments(model, inputs, loss_fn, max_entries, eps)
    double = copy.deepcopy(model).double()
    loss_double = copy.deepcopy(loss_fn).double() if isinstance(loss_fn, Module) else loss_fn
    floats = tuple(v.detach().double().requires_grad_() if v.is_floating_point() else v for v in values)
    named_modules = [(path, m) for path, m in double.named_modules() if path == "" or not m._modules]
    rng_state = get_rng_state(), cuda.get_rng_state_all()  # the CPU's generator and every GPU's
    probe = ActivationProbe(named_modules)
    try:
        loss = LossOfWeights(double, floats, loss_double, _as_double(targets), seed)
        return _check(double, loss, probe, max_entries, eps, atol, rtol, np.random.RandomState(seed))
    finally:
        probe.remove()
        set_rng_state(rng_state[0])
        cuda.set_rng_state_all(rng_state[1])


def _analytic_gradients(double, loss, probe):
    """{(path, kind): gradient}, kind a parameter name, "input" or "output"; notes on what was not checked."""
    parameters, seen_parameters = {}, set()
    for path, module in double.named_modules():
        for name, p in module.named_parameters(recurse=False):
            if p.requires_grad and id(p) not in seen_parameters:
                seen_parameters.add(id(p))
                parameters[(path, name)] = p
    probe.recording = True
    try:
        with enable_grad():
            value = loss()
    finally:
        probe.recording = False
    repeated = {path: len(calls) for (path, _), calls in probe.seen.items() if len(calls) > 1}
    notes = [f"'{path}' was called {times} times in one forward: its parameters are checked, not its input and "
             "output gradients" for path, times in repeated.items()]
    activations = {key: calls[0] for key, calls in probe.seen.items() if len(calls) == 1}
    tensors = {**parameters, **activations}
    if not value.requires_grad or not tensors:
        raise ValueError(f"{WHO}: the loss does not depend on any trainable parameter or floating input, so "
                         "there is no gradient to check")
    grads = autograd.grad(value, list(tensors.values()), allow_unused=True)
    return value.item(), parameters, activations, dict(zip(tensors, grads)), notes


def _check(double, loss, probe, max_entries, eps, atol, rtol, rng):
    base, parameters, activations, grads, notes = _analytic_gradients(double, loss, probe)
    again = loss.value()
    if abs(again - base) > 1e-12 * max(1.0, abs(base)):
        raise RuntimeError(f"{WHO}: the loss is {base!r} in one evaluation and {again!r} in the next at the same "
                           "weights: the model draws random numbers outside chainrule's generator (or keeps "
                           "state between calls), so finite differences cannot be taken; call model.eval() first")
    modules = dict(double.named_modules())
    place = {path: i for i, path in enumerate(modules)}
    rows = []
    # a layer's rows in the chain rule's order: what it receives (output), then what it gives
    for key in sorted(grads, key=lambda k: (place[k[0]], {"output": 0, "input": 2}.get(k[1], 1))):
        path, kind = key
        gradient = grads[key]
        tensor = parameters.get(key, activations.get(key))
        indices = _checked_entries(tensor.numel(), max_entries, rng)
        displace = _parameter_displacer(tensor) if key in parameters else _activation_displacer(probe, key)
        analytic = (np.zeros(len(indices)) if gradient is None
                    else gradient.detach().reshape(-1).numpy()[indices])
        numeric = _numeric_derivatives(loss, base, indices, eps, displace)
        rows.append(CheckRow(path, type(modules[path]).__name__, kind, len(indices), tensor.numel(),
                             *entry_errors(analytic, numeric, atol, rtol)))
    return GradientCheckResult(rows, notes, eps, atol, rtol)
