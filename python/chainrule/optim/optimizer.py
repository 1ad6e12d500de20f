"""The Optimizer base class: parameter groups, per-parameter state, zero_grad and state dicts in
torch.optim's format. Subclasses gather each group's parameters that have a gradient and hand them
to one fused C++ step (chainrule._C._optim)."""
import copy
import functools
from collections import OrderedDict, defaultdict
from itertools import chain

import numpy as _np

import chainrule
from chainrule._C import Tensor
from chainrule.nn.modules.hooks import add_hook

__all__ = ["Optimizer", "required", "register_optimizer_step_pre_hook", "register_optimizer_step_post_hook"]

_global_optimizer_pre_hooks = OrderedDict()
_global_optimizer_post_hooks = OrderedDict()


def register_optimizer_step_pre_hook(hook):
    """hook(optimizer, args, kwargs) runs before every optimizer's step; it may return (args, kwargs)."""
    return add_hook(_global_optimizer_pre_hooks, hook)


def register_optimizer_step_post_hook(hook):
    """hook(optimizer, args, kwargs) runs after every optimizer's step."""
    return add_hook(_global_optimizer_post_hooks, hook)


def _replaced(state_dict, hook_result):
    """A state-dict hook's result: the dict it returned, or the one it was given when it returned None."""
    return state_dict if hook_result is None else hook_result


def _step_with_hooks(step):
    """step wrapped to run the global and the optimizer's own step hooks around it, as torch does."""
    @functools.wraps(step)
    def wrapper(*args, **kwargs):
        self = args[0]
        for pre_hook in chain(_global_optimizer_pre_hooks.values(), self._hooks("step_pre").values()):
            result = pre_hook(self, args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise RuntimeError(f"{step} must return None or a tuple of (new_args, new_kwargs), but got "
                                       f"{result}.")
                args, kwargs = result
        out = step(*args, **kwargs)
        for post_hook in chain(self._hooks("step_post").values(), _global_optimizer_post_hooks.values()):
            post_hook(self, args, kwargs)
        return out
    wrapper.hooked = True
    return wrapper


class _RequiredParameter:
    """Marks a hyperparameter that has no default (torch.optim.optimizer.required)."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


def check_hyperparameter(ok, message):
    """Raises ValueError(message) unless ok: the bad-hyperparameter errors of torch.optim."""
    if not ok:
        raise ValueError(message)


def _as_chainrule(value):
    """A state value loaded from a state dict as a fresh copy: chainrule tensors are cloned, torch
    tensors converted, lists and tuples (LBFGS's histories) converted element by element, anything
    else deep-copied."""
    if isinstance(value, Tensor):
        return value.detach().clone()
    if hasattr(value, "detach") and hasattr(value, "numpy"):  # a torch tensor
        return chainrule.tensor(_np.array(value.detach().cpu().numpy()))
    if isinstance(value, (list, tuple)):
        return type(value)(_as_chainrule(v) for v in value)
    return copy.deepcopy(value)


def _cast_like(value, param):
    """A loaded state value (other than 'step') on param's device and, for a floating param, in its
    dtype, as torch's load_state_dict casts it: tensors, also inside lists and tuples."""
    if isinstance(value, Tensor):
        return value.to(device=param.device, dtype=param.dtype if param.is_floating_point() else value.dtype)
    if isinstance(value, (list, tuple)):
        return type(value)(_cast_like(v, param) for v in value)
    return value


def check_implementation_options(optimizer_name, options):
    """Validates torch's implementation switches in a parameter group's options. chainrule's step is
    always one fused C++ call on the CPU, so `foreach` and `fused` (True/False/None) and `capturable`
    (CUDA graphs) are accepted and change nothing; `differentiable=True` cannot be honoured (autograd
    does not record the fused call) and raises. Combinations torch rejects raise torch's errors."""
    if options.get("fused"):
        if options.get("differentiable"):
            raise RuntimeError("`fused` does not support `differentiable`")
        if options.get("foreach"):
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
    if options.get("differentiable"):
        raise NotImplementedError(
            f"{optimizer_name}: differentiable=True is not supported: chainrule's optimizer step is one fused C++ "
            "call that autograd does not record, so no gradient can flow through it; use differentiable=False")


def _split_names(params):
    """(tensors, names) from a group's params: names is None for plain tensors, the names for
    (name, tensor) pairs as from named_parameters() (all or none must be named, as in torch)."""
    names = [p[0] for p in params if isinstance(p, tuple)]
    if not names:
        return params, None
    if len(names) != len(params):
        raise ValueError("all optimizer params should be with/without names. Some param names are missing")
    return [p[1] for p in params], names


_SET_OF_PARAMS = ("optimizer parameters need to be organized in ordered collections, but the ordering of tensors "
                  "in sets will change between runs. Please use a list instead.")


class Optimizer:
    """Base class of all optimizers (torch.optim.Optimizer).

    params: an iterable of tensors, of (name, tensor) pairs (named_parameters(); the groups then hold
    'param_names'), or of dicts defining parameter groups ({'params': [...], 'lr': ...});
    defaults: the hyperparameters a group takes when it does not set them.
    """

    def __init__(self, params, defaults):
        self.defaults = defaults
        self.state = defaultdict(dict)  # parameter tensor (hashed by identity) -> its state
        self.param_groups = []
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            "but got " + type(params).__name__)
        if isinstance(params, set):
            raise TypeError(_SET_OF_PARAMS)
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)
        if not getattr(type(self).step, "hooked", False):  # once per class, user subclasses included
            type(self).step = _step_with_hooks(type(self).step)

    def _hooks(self, kind):
        """The optimizer's own hooks of one kind ("step_pre", "state_dict_post", ...), kept out of
        pickles and deep copies' state, in torch's attribute names (_optimizer_step_pre_hooks, ...)."""
        return self.__dict__.setdefault(f"_optimizer_{kind}_hooks", OrderedDict())

    def register_step_pre_hook(self, hook):
        """hook(optimizer, args, kwargs) runs before this optimizer's step; it may return (args, kwargs)."""
        return add_hook(self._hooks("step_pre"), hook)

    def register_step_post_hook(self, hook):
        """hook(optimizer, args, kwargs) runs after this optimizer's step."""
        return add_hook(self._hooks("step_post"), hook)

    def register_state_dict_pre_hook(self, hook, prepend=False):
        """hook(optimizer) runs before state_dict() builds its dict."""
        return add_hook(self._hooks("state_dict_pre"), hook, prepend)

    def register_state_dict_post_hook(self, hook, prepend=False):
        """hook(optimizer, state_dict) runs on state_dict()'s result; a dict it returns is returned instead."""
        return add_hook(self._hooks("state_dict_post"), hook, prepend)

    def register_load_state_dict_pre_hook(self, hook, prepend=False):
        """hook(optimizer, state_dict) runs on (a shallow copy of) load_state_dict()'s argument; a dict it
        returns is loaded instead."""
        return add_hook(self._hooks("load_state_dict_pre"), hook, prepend)

    def register_load_state_dict_post_hook(self, hook, prepend=False):
        """hook(optimizer) runs after load_state_dict() has loaded."""
        return add_hook(self._hooks("load_state_dict_post"), hook, prepend)

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)

    def __repr__(self):
        text = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"

    def add_param_group(self, param_group):
        """Adds a group of parameters (a dict with 'params' and optional per-group hyperparameters)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError(_SET_OF_PARAMS)
        else:
            param_group["params"] = list(params)
        param_group["params"], names = _split_names(param_group["params"])
        if names is not None:
            param_group["param_names"] = names
        check_implementation_options(type(self).__name__, {**self.defaults, **param_group})
        for param in param_group["params"]:
            if not isinstance(param, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is " + type(param).__name__)
            if not param.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            param_group.setdefault(name, default)
        ids = [id(p) for p in param_group["params"]]
        if len(set(ids)) != len(ids):
            raise ValueError("optimizer contains a parameter group with duplicate parameters")
        named = "param_names" in param_group
        if any(("param_names" in group) != named for group in self.param_groups):
            raise ValueError("all optimizer param groups should be with/without names. cannot add param group "
                             f"{'with' if named else 'without'} names to the optimizer")
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        if seen & set(ids):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none=True):
        """Resets the gradients of all parameters: to None (the default), or to zeros in place."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                    continue
                if p.grad.grad_fn is not None:  # a gradient from create_graph=True: cut it from its graph
                    p.grad = p.grad.detach()
                with chainrule.no_grad():
                    p.grad.zero_()

    def step(self, closure=None):
        """Performs one optimization step over every group (one fused call per group with gradients);
        closure re-evaluates the model and returns the loss, which step returns."""
        loss = None
        if closure is not None:
            with chainrule.enable_grad():
                loss = closure()
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]  # the others are skipped, as in torch
            if params:
                self._step_group(group, params)
        return loss

    def _step_group(self, group, params):
        """Updates `params` (the group's parameters that have a gradient) in place."""
        raise NotImplementedError

    def _state_for(self, param, init):
        """param's state dict, filled by init(param) the first time the parameter is stepped."""
        state = self.state[param]
        if len(state) == 0:
            state.update(init(param))
        return state

    @staticmethod
    def _buffer(state, key, param):
        """state[key], created as zeros like param when missing (e.g. amsgrad turned on later)."""
        if key not in state:
            state[key] = chainrule.zeros_like(param)
        return state[key]

    def state_dict(self):
        """{'state': {index: {...}}, 'param_groups': [{..., 'params': [indices]}]}, torch's layout:
        parameters are numbered in order across the groups; state holds references to the buffers.
        The state-dict hooks run before and after, as in torch."""
        for pre_hook in self._hooks("state_dict_pre").values():
            pre_hook(self)
        index_of = {}
        groups = []
        for group in self.param_groups:
            for p in group["params"]:
                index_of.setdefault(id(p), len(index_of))
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = [index_of[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {(index_of[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        state_dict = {"state": state, "param_groups": groups}
        for post_hook in self._hooks("state_dict_post").values():
            state_dict = _replaced(state_dict, post_hook(self, state_dict))
        return state_dict

    def load_state_dict(self, state_dict):
        """Loads a state dict from state_dict() (or from a torch optimizer with the same groups); the
        saved groups' options and 'param_names' replace ours. The load-state-dict hooks run before
        (on a shallow copy of state_dict) and after, as in torch."""
        state_dict = state_dict.copy()
        for pre_hook in self._hooks("load_state_dict_pre").values():
            state_dict = _replaced(state_dict, pre_hook(self, state_dict))
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(self.param_groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                             "optimizer's group")
        param_of = dict(zip(chain.from_iterable(s["params"] for s in saved_groups),
                            chain.from_iterable(g["params"] for g in self.param_groups)))
        state = defaultdict(dict)
        for key, values in state_dict["state"].items():
            param = param_of.get(key)
            converted = {name: _as_chainrule(v) for name, v in values.items()}
            if param is not None:
                for name, v in converted.items():
                    if name != "step":
                        converted[name] = _cast_like(v, param)
                    elif not isinstance(v, Tensor):
                        converted[name] = chainrule.tensor(float(v))
                state[param] = converted
            else:
                state[key] = converted
        groups = []
        for group, saved in zip(self.param_groups, saved_groups):
            loaded = copy.deepcopy({k: v for k, v in saved.items() if k != "params"})
            check_implementation_options(type(self).__name__, loaded)
            loaded["params"] = group["params"]
            if "param_names" in group:  # the saved names win; without any, ours are kept (as torch)
                loaded.setdefault("param_names", group["param_names"])
            groups.append(loaded)
        self.state = state
        self.param_groups = groups
        for post_hook in self._hooks("load_state_dict_post").values():
            post_hook(self)
