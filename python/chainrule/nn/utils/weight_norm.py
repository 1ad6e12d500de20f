"""The older torch.nn.utils.weight_norm / remove_weight_norm: w = g * v / ||v|| through a forward pre-hook.

weight_norm(module) replaces the parameter `weight` by `weight_g` (the norms, one per slice along
dim) and `weight_v` (the direction), and recomputes module.weight from them before every forward,
as PyTorch does; state_dict keys are PyTorch's (bias, weight_g, weight_v). It warns, as PyTorch does,
that nn.utils.parametrizations.weight_norm is the newer form. norm_except_dim and _weight_norm are
the two formulas, shared with that newer form.
"""
import warnings

from chainrule.nn.parameter import Parameter

__all__ = ["WeightNorm", "weight_norm", "remove_weight_norm"]


def norm_except_dim(v, pow=2, dim=0):
    """The `pow`-norm of v over every dim but `dim`, kept broadcastable to v; dim=-1: the norm of all of v."""
    if dim == -1:
        return v.norm(pow)
    others = tuple(d for d in range(v.dim()) if d != dim)
    return v.abs().pow(pow).sum(dim=others, keepdim=True).pow(1.0 / pow)


def _weight_norm(v, g, dim=0):
    """v * g / ||v|| with the norm taken over every dim but `dim` (torch._weight_norm)."""
    return v * (g / norm_except_dim(v, 2, dim))


class WeightNorm:
    """The forward pre-hook that recomputes module.<name> from <name>_g and <name>_v."""

    def __init__(self, name, dim):
        self.name = name
        self.dim = -1 if dim is None else dim

    def compute_weight(self, module):
        return _weight_norm(getattr(module, self.name + "_v"), getattr(module, self.name + "_g"), self.dim)

    @staticmethod
    def apply(module, name, dim):
        warnings.warn("`torch.nn.utils.weight_norm` is deprecated in favor of "
                      "`torch.nn.utils.parametrizations.weight_norm`.", FutureWarning, stacklevel=3)
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, WeightNorm) and hook.name == name:
                raise RuntimeError(f"Cannot register two weight_norm hooks on the same parameter {name}")
        fn = WeightNorm(name, dim)
        weight = getattr(module, name)
        del module._parameters[name]
        module.register_parameter(name + "_g", Parameter(norm_except_dim(weight, 2, fn.dim).detach()))
        module.register_parameter(name + "_v", Parameter(weight.detach()))
        setattr(module, name, fn.compute_weight(module))
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module):
        weight = self.compute_weight(module)
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        setattr(module, self.name, Parameter(weight.detach()))

    def __call__(self, module, inputs):
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module, name="weight", dim=0):
    """Reparametrizes module.<name> as g * v / ||v|| (norm over every dim but `dim`; dim=None: all)."""
    WeightNorm.apply(module, name, dim)
    return module


def remove_weight_norm(module, name="weight"):
    """Folds g and v back into one parameter module.<name>."""
    for k, hook in module._forward_pre_hooks.items():
        if isinstance(hook, WeightNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[k]
            return module
    raise ValueError(f"weight_norm of '{name}' not found in {module}")
