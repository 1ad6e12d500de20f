"""torch.func.functional_call and stack_module_state: a module as a function of its parameters,
for per-sample gradients, MAML-style inner loops and model ensembles (vmap over stacked weights)."""
import chainrule as _cr
from chainrule.nn.utils.stateless import _call_with


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *, tie_weights=True, strict=False):
    """module(*args, **kwargs) with the given tensors (by dotted name) in place of its parameters and
    buffers; the module's own tensors are back in place afterwards, also when forward raises.

    parameter_and_buffer_dicts: a dict, or a tuple/list of dicts with distinct keys. tie_weights: a
    tensor given for one of several tied names is used for all of them. strict: every parameter and
    buffer must be given, and nothing else.
    """
    if isinstance(parameter_and_buffer_dicts, dict):
        tensors = parameter_and_buffer_dicts
    elif isinstance(parameter_and_buffer_dicts, (list, tuple)):
        if not all(isinstance(d, dict) for d in parameter_and_buffer_dicts):
            raise ValueError("Expected all elements of parameter_and_buffer_dicts to be dictionaries")
        all_keys = [k for d in parameter_and_buffer_dicts for k in d]
        repeated = sorted({k for k in all_keys if all_keys.count(k) > 1})
        if repeated:
            raise ValueError(f"{repeated} appeared in multiple dictionaries; behavior of functional call is ambiguous")
        tensors = {k: v for d in parameter_and_buffer_dicts for k, v in d.items()}
    else:
        raise ValueError(f"Expected parameter_and_buffer_dicts to be a dict, or a list/tuple of dicts, but got "
                         f"{type(parameter_and_buffer_dicts)}")
    return _call_with(module, tensors, args, kwargs, tie_weights, strict)


def _stacked_leaf(tensors, name):
    requires = [t.requires_grad for t in tensors]
    if any(requires) and not all(requires):
        raise RuntimeError(f"Expected {name} from each model to have the same .requires_grad")
    result = _cr.stack(list(tensors))
    return result.detach().requires_grad_() if all(requires) else result


def stack_module_state(models):
    """(params, buffers): each model's tensors stacked along a new first dimension, by name; stacked
    parameters are new leaves (the models' own tensors are not linked to them)."""
    if len(models) == 0:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if not (all(m.training for m in models) or all(not m.training for m in models)):
        raise RuntimeError("stack_module_state: Expected all models to have the same training/eval mode.")
    if not all(type(m) is type(models[0]) for m in models):
        raise RuntimeError("stack_module_state: Expected all models to be of the same class.")

    def stack_all(named):
        per_model = [dict(named(m)) for m in models]
        return {k: _stacked_leaf(tuple(d[k] for d in per_model), k) for k in per_model[0]}

    return stack_all(lambda m: m.named_parameters()), stack_all(lambda m: m.named_buffers())
