"""What the attribution methods of chainrule.inspect share, with Captum 0.9's conventions.

- inputs: a tensor, or a tuple of tensors for a forward of several arguments; dimension 0 is the
  batch. The attributions come back in the same form (a tensor, or a tuple of them).
- baselines: None (zeros), a number, or a tensor per input of the input's shape or with a batch
  of 1 (broadcast over the examples); a tuple of them for a tuple of inputs.
- target: which output is explained, per example: None (the model gives one number per example),
  an int class (or a 1-element tensor), a tuple of indices for outputs of more dimensions, or a list
  or 1-d tensor with one class per example.
- additional_forward_args: further arguments of the forward, after the inputs, not attributed.
Unlike Captum, a bad target, input or baseline raises a ValueError/IndexError/TypeError that says
what is wrong (Captum asserts), and a forward that fails is named with the shapes it was given.
The model is left as it was: its modes, buffers and parameters' .grad (gradients are taken with
autograd.grad, which fills no .grad and computes no parameter's gradient, only the inputs').
"""
from contextlib import contextmanager

from chainrule import autograd, cat, full_like, stack, tensor, zeros_like
from chainrule._C import Tensor
from chainrule.autograd import enable_grad
from chainrule.inspect._recording import model_kept_as_it_was
from chainrule.nn import Module


def as_tuple(inputs, who):
    """(inputs as a tuple of tensors, whether they came as a tuple); checks each has a batch dimension."""
    was_tuple = isinstance(inputs, tuple)
    values = inputs if was_tuple else (inputs,)
    if not values:
        raise ValueError(f"{who}: inputs is an empty tuple; give a tensor with the batch as its first dimension")
    for i, value in enumerate(values):
        if not isinstance(value, Tensor):
            raise TypeError(f"{who}: inputs must be a tensor or a tuple of tensors, got {type(value).__name__} "
                            f"at position {i}")
        if value.dim() == 0:
            raise ValueError(f"{who}: input {i} is a 0-d tensor; its first dimension must be the batch")
    batch = values[0].shape[0]
    if any(value.shape[0] != batch for value in values):
        raise ValueError(f"{who}: the inputs disagree on the batch size: shapes {shapes_of(values)}")
    return values, was_tuple


def as_output(was_tuple, values):
    return tuple(values) if was_tuple else values[0]


def shapes_of(values):
    return [tuple(v.shape) for v in values]


def check_floating(inputs, who):
    for i, value in enumerate(inputs):
        if not value.is_floating_point():
            raise TypeError(f"{who}: input {i} has dtype {value.dtype}; gradients need floating-point inputs")


def format_baselines(baselines, inputs, who, draw_from_distribution=False):
    """One baseline per input (a number or a tensor), checked against the inputs' shapes as Captum does."""
    if baselines is None:
        return tuple(0 for _ in inputs)
    baselines = baselines if isinstance(baselines, tuple) else (baselines,)
    if len(baselines) != len(inputs):
        raise ValueError(f"{who}: {len(baselines)} baselines for {len(inputs)} inputs; give one per input")
    for i, (baseline, value) in enumerate(zip(baselines, inputs)):
        if isinstance(baseline, (int, float)):
            continue
        if not isinstance(baseline, Tensor):
            raise TypeError(f"{who}: baseline {i} must be a tensor or a number, got {type(baseline).__name__}")
        fits = (baseline.dim() == value.dim() and baseline.shape[1:] == value.shape[1:] if draw_from_distribution
                else baseline.shape == value.shape or (baseline.dim() == value.dim() and baseline.shape[0] == 1
                                                       and baseline.shape[1:] == value.shape[1:]))
        if not fits:
            wanted = ("(any number of samples, *input shape[1:])" if draw_from_distribution
                      else "the input's shape, or that shape with a batch of 1")
            raise ValueError(f"{who}: baseline {i} has shape {tuple(baseline.shape)} but input {i} has shape "
                             f"{tuple(value.shape)}; a baseline must be a number or a tensor of {wanted}")
    return baselines


def full_baselines(inputs, baselines):
    """Each baseline as a tensor of its input's full shape."""
    return tuple(full_like(value, baseline) if isinstance(baseline, (int, float))
                 else cat([baseline] * value.shape[0]) if baseline.shape[0] == 1 < value.shape[0] else baseline
                 for value, baseline in zip(inputs, baselines))


def format_forward_args(additional_forward_args):
    if additional_forward_args is None:
        return None
    return additional_forward_args if isinstance(additional_forward_args, tuple) else (additional_forward_args,)


def repeat_batch(value, times, interleave=False):
    """A tensor of batch B as one of batch B*times: [v, v, ...] (Captum's 'repeat') or each example
    `times` times in a row ('repeat_interleave'). Anything else, or a 0-d tensor, is returned as is."""
    if not isinstance(value, Tensor) or value.dim() == 0 or times == 1:
        return value
    return value.repeat_interleave(times, dim=0) if interleave else cat([value] * times)


def expand_forward_args(args, times, interleave=False):
    return None if args is None else tuple(repeat_batch(a, times, interleave) for a in args)


def expand_target(target, times, interleave=False):
    """The target for a batch repeated `times` times: a per-example list or tensor is repeated with it."""
    if isinstance(target, list):
        return [t for t in target for _ in range(times)] if interleave else target * times
    if isinstance(target, Tensor) and target.numel() > 1:
        return repeat_batch(target, times, interleave)
    return target


def check_target(target, num_examples, who):
    """Checks the target's type and, for one target per example, its length (classes are checked by select_target)."""
    if target is None or isinstance(target, (int, tuple)):
        return
    if isinstance(target, Tensor):
        if target.is_floating_point():
            raise TypeError(f"{who}: target must hold integer class indices, got a tensor of {target.dtype}")
        if target.numel() == 1 or (target.dim() == 1 and target.numel() == num_examples):
            return
        raise ValueError(f"{who}: a target tensor must hold one class or one per example ({num_examples}), "
                         f"got shape {tuple(target.shape)}")
    if isinstance(target, list):
        if len(target) != num_examples:
            raise ValueError(f"{who}: the target list has {len(target)} entries for {num_examples} examples; "
                             "give one per example")
        if not all(isinstance(t, (int, tuple)) for t in target):
            raise TypeError(f"{who}: a target list must hold ints (classes) or tuples (indices)")
        return
    raise TypeError(f"{who}: target must be None, an int, a tuple, a list or a tensor, got {type(target).__name__}")


def _check_index(index, size, output_shape, who, allow_negative=True):
    if not (-size if allow_negative else 0) <= index < size:
        raise IndexError(f"{who}: target {index} is out of range for the model's output of shape "
                         f"{tuple(output_shape[1:])} per example: there are {size} classes, 0 to {size - 1}")


def _select_column(output, index, who):
    index = (index,) if isinstance(index, int) else index
    if len(index) > output.dim() - 1:
        raise IndexError(f"{who}: target {index} has {len(index)} indices but the model's output of shape "
                         f"{tuple(output.shape[1:])} per example has only {output.dim() - 1} dimension(s)")
    for position, i in enumerate(index):
        _check_index(i, output.shape[1 + position], output.shape, who)
    return output[(slice(None), *index)]


def select_target(output, target, who):
    """The output that the target names: one value per example for a classifier's (N, classes) output."""
    if not isinstance(output, Tensor):
        raise TypeError(f"{who}: the forward function must return a tensor, got {type(output).__name__}")
    if target is None:
        return output
    if output.dim() < 2:
        raise ValueError(f"{who}: the model gives one number per example (output shape {tuple(output.shape)}); "
                         "leave target=None")
    if isinstance(target, (int, tuple)):
        return _select_column(output, target, who)
    if isinstance(target, Tensor) and target.numel() == 1:
        return _select_column(output, int(target.item()), who)
    classes = target.tolist() if isinstance(target, Tensor) else target
    if isinstance(classes[0], tuple):
        return stack([_select_column(output[i:i + 1], index, who)[0] for i, index in enumerate(classes)])
    if output.dim() != 2:
        raise ValueError(f"{who}: one class per example needs an output of shape (N, classes), got "
                         f"{tuple(output.shape)}; give tuples of indices instead")
    for c in classes:
        _check_index(c, output.shape[1], output.shape, who, allow_negative=False)
    index = target.reshape(-1, 1) if isinstance(target, Tensor) else tensor(classes).reshape(-1, 1)
    return output.gather(1, index.to(output.device)).squeeze(-1)


def run_forward(forward_func, inputs, target, forward_args, who):
    """forward_func(*inputs, *forward_args) with the target's output selected; a failing forward is named."""
    arguments = tuple(inputs) + (forward_args or ())
    try:
        output = forward_func(*arguments)
    except Exception as error:
        raise RuntimeError(f"{who}: the forward function failed on inputs of shape {shapes_of(inputs)}: "
                           f"{type(error).__name__}: {error}") from error
    return select_target(output, target, who)


def one_value_per_example(selected, who):
    if selected.dim() > 1 and selected[0].numel() != 1:
        raise ValueError(f"{who}: the model's output has shape {tuple(selected.shape)}, more than one number "
                         "per example; give target= to say which output to explain")


def gradients(forward_func, inputs, target, forward_args, who):
    """d(selected output)/d(input) for each input, each example's output differentiated on its own
    (their sum's gradient: examples do not mix); zeros for an input the output does not use. No
    tensor's .grad is touched."""
    with enable_grad():
        leaves = tuple(value.detach().requires_grad_() for value in inputs)
        selected = run_forward(forward_func, leaves, target, forward_args, who)
        one_value_per_example(selected, who)
        if not selected.requires_grad:
            raise ValueError(f"{who}: the selected output does not depend on the inputs through any "
                             "differentiable operation, so it has no gradient")
        grads = autograd.grad(selected.sum(), leaves, allow_unused=True)
    return tuple(zeros_like(leaf) if grad is None else grad for leaf, grad in zip(leaves, grads))


def model_of(forward_func):
    """The Module behind forward_func: itself, or the module of a bound method such as model.forward."""
    if isinstance(forward_func, Module):
        return forward_func
    owner = getattr(forward_func, "__self__", None)
    return owner if isinstance(owner, Module) else None


@contextmanager
def left_as_it_was(forward_func, inputs):
    """A context that leaves forward_func's model as it was (modes, buffers, parameters' .grad) when
    forward_func is a Module or one's bound method; nothing to guard otherwise. The parameters stay
    trainable: autograd.grad computes only the gradients on a path to the tensors it is asked for."""
    model = model_of(forward_func)
    if model is None:
        yield
        return
    with model_kept_as_it_was(model, None, list(inputs)):
        yield
