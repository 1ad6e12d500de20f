"""Memory an optimizer keeps per parameter, for chainrule.inspect.summary's totals.

Measured, not looked up in a table: a fresh optimizer of the same class and hyperparameters takes
one step on zero-filled stand-ins of the parameters (zero gradients), and the bytes of the tensors
it then holds in its state are counted (Adam: exp_avg and exp_avg_sq, twice the parameters, plus a
scalar step per parameter; SGD with momentum: one buffer; plain SGD: nothing). LBFGS builds its
state over many steps, so it is counted at its largest: its direction and last flat gradient plus
history_size pairs of flat vectors, (2 history_size + 2) times the parameters.
"""
from chainrule._C import Tensor, zeros_like
from chainrule.optim import LBFGS, Optimizer


def _groups(optimizer, model):
    """(optimizer class, [(parameters, hyperparameters)]) for an optimizer class or instance."""
    if isinstance(optimizer, Optimizer):
        return type(optimizer), [([p for p in group["params"] if p.requires_grad],
                                  {k: v for k, v in group.items() if k not in ("params", "param_names")})
                                 for group in optimizer.param_groups]
    if isinstance(optimizer, type) and issubclass(optimizer, Optimizer):
        return optimizer, [([p for p in model.parameters() if p.requires_grad], {})]
    raise TypeError(f"summary: optimizer must be a chainrule.optim optimizer class (e.g. chainrule.optim.Adam) "
                    f"or instance, got {optimizer!r}")


def _state_bytes(value):
    if isinstance(value, Tensor):
        return value.nbytes
    if isinstance(value, (list, tuple)):
        return sum(_state_bytes(v) for v in value)
    return 0


def optimizer_state_bytes(optimizer, model):
    """(the optimizer's class name, bytes of its state for the model's trainable parameters)."""
    cls, groups = _groups(optimizer, model)
    groups = [(params, hyper) for params, hyper in groups if params]
    if not groups:
        return cls.__name__, 0
    if issubclass(cls, LBFGS):
        history = [hyper.get("history_size", 100) for _, hyper in groups][0]
        return cls.__name__, (2 * history + 2) * sum(p.nbytes for params, _ in groups for p in params)
    probes = []
    for params, _ in groups:
        probes.append([zeros_like(p).requires_grad_() for p in params])
        for probe in probes[-1]:
            probe.grad = zeros_like(probe)
    probe_optimizer = cls([{"params": group_probes, **hyper} for group_probes, (_, hyper) in zip(probes, groups)])
    probe_optimizer.step()
    return cls.__name__, sum(_state_bytes(v) for state in probe_optimizer.state.values() for v in state.values())
