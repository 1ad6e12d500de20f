"""torch._foreach_*: the list-of-tensors ops that EMA helpers and hand-written optimizers call, e.g.

    torch._foreach_lerp_(ema_params, model_params, weight=1 - decay)
    torch._foreach_mul_(grads, clip_coef)

Each applies the tensor op to every tensor of the list, with the second argument a number, a tensor,
or a list (of numbers or tensors) of the same length. PyTorch fuses the list into a few kernels;
chainrule runs one op per tensor, with the same results. In-place forms (trailing _) return the
list; the others return a tuple of new tensors, as PyTorch 2.13 does.
"""
import sys

from chainrule._C import Tensor

_UNARY = ["abs", "acos", "asin", "atan", "ceil", "cos", "cosh", "erf", "erfc", "exp", "expm1", "floor", "frac",
          "lgamma", "log", "log10", "log1p", "log2", "neg", "reciprocal", "round", "rsqrt", "sigmoid", "sign", "sin",
          "sinh", "sqrt", "tan", "tanh", "trunc"]
_BINARY = ["add", "sub", "mul", "div", "maximum", "minimum", "clamp_min", "clamp_max", "pow"]
_TERNARY = ["addcmul", "addcdiv"]


def _per_tensor(tensors, other):
    """other for each tensor: its own entry if other is a list, else other itself."""
    if isinstance(other, (list, tuple)):
        if len(other) != len(tensors):
            raise RuntimeError(f"Tensor lists must have the same number of tensors, got {len(tensors)} and "
                               f"{len(other)}")
        return list(other)
    return [other] * len(tensors)


def _finish(tensors, results, in_place):
    return list(tensors) if in_place else tuple(results)


def _unary(name, in_place):
    method = name + "_" if in_place else name

    def op(self):
        return _finish(self, [getattr(t, method)() for t in self], in_place)
    return op


def _binary(name, in_place):
    method = name + "_" if in_place else name

    def op(self, other, **kwargs):
        if name == "pow" and not isinstance(self, (list, tuple)):  # _foreach_pow(number, tensors)
            return tuple(self ** t for t in other)
        results = [getattr(t, method)(o, **kwargs) for t, o in zip(self, _per_tensor(self, other))]
        return _finish(self, results, in_place)
    return op


def _ternary(name, in_place):
    method = name + "_" if in_place else name

    def op(self, tensor1, tensor2, value=1):
        values = value.tolist() if isinstance(value, Tensor) else value  # a number, or one per tensor
        results = [getattr(t, method)(a, b, value=v) for t, a, b, v in zip(
            self, _per_tensor(self, tensor1), _per_tensor(self, tensor2), _per_tensor(self, values))]
        return _finish(self, results, in_place)
    return op


def _lerp(in_place):
    method = "lerp_" if in_place else "lerp"

    def op(self, tensors1, weight):
        results = [getattr(t, method)(end, w) for t, end, w in zip(
            self, _per_tensor(self, tensors1), _per_tensor(self, weight))]
        return _finish(self, results, in_place)
    return op


def _foreach_zero_(self):
    for t in self:
        t.zero_()
    return list(self)


def _foreach_copy_(self, src, non_blocking=False):
    """Copies src[i] into self[i] (non_blocking is accepted: chainrule's copies complete at once)."""
    for t, s in zip(self, _per_tensor(self, list(src))):
        t.copy_(s)
    return list(self)


def _foreach_clone(self):
    return tuple(t.clone() for t in self)


def _foreach_norm(self, ord=2, dtype=None):
    return tuple(t.norm(p=ord) if dtype is None else t.to(dtype).norm(p=ord) for t in self)


def _foreach_max(self):
    return tuple(t.max() for t in self)


def _define_all():
    module = sys.modules[__name__]
    for names, make in ((_UNARY, _unary), (_BINARY, _binary), (_TERNARY, _ternary),
                        (["lerp"], lambda name, in_place: _lerp(in_place))):
        for name in names:
            for in_place in (False, True):
                full = f"_foreach_{name}{'_' if in_place else ''}"
                setattr(module, full, make(name, in_place))
                __all__.append(full)


__all__ = ["_foreach_zero_", "_foreach_copy_", "_foreach_clone", "_foreach_norm", "_foreach_max"]
_define_all()
