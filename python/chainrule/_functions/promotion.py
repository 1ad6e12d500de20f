"""Type promotion as functions: promote_types, result_type and can_cast, with PyTorch's rules over
chainrule's dtypes (the core's promote_types: bool < integers < floats, the wider within a category,
uint8 with int8 giving int16).

result_type follows PyTorch's three tiers: tensors with dims decide the dtype; a 0-d tensor, and
then a Python number, only count when its category (bool, integer, floating) is higher, and a
Python float then gives the default float dtype (or keeps a wider float already there).
"""
import builtins

from chainrule import _C
from chainrule._C import Tensor

def _category(dtype):
    return 2 if dtype.is_floating_point else (0 if dtype == _C.dtype.bool else 1)


def _check_dtype_arguments(op, **arguments):
    """PyTorch's TypeError for an argument that is not a dtype."""
    for name, value in arguments.items():
        if not isinstance(value, _C.dtype):
            raise TypeError(f"{op}(): argument '{name}' must be torch.dtype, not {type(value).__name__}")


def promote_types(type1, type2):
    """The smallest dtype both `type1` and `type2` convert to without losing their category."""
    _check_dtype_arguments("promote_types", type1=type1, type2=type2)
    return _C._promote_types(type1, type2)


def _number_dtype(value):
    if isinstance(value, builtins.bool):
        return _C.dtype.bool
    if isinstance(value, builtins.int):
        return _C.dtype.int64
    if isinstance(value, builtins.float):
        return _C._get_default_dtype()
    raise TypeError(f"result_type: expected a Tensor or a Python number, got {type(value).__name__}")


def _join(current, dtype):
    """current promoted by an operand of a lower tier: only a higher category counts."""
    if current is None:
        return dtype
    return promote_types(current, dtype) if _category(dtype) > _category(current) else current


def result_type(tensor, other):
    """The dtype of an arithmetic op on `tensor` and `other` (tensors or Python numbers)."""
    tiers = {2: None, 1: None, 0: None}
    for operand in (tensor, other):
        if isinstance(operand, Tensor):
            tier, dtype = (2 if operand.ndim > 0 else 1), operand.dtype
        else:
            tier, dtype = 0, _number_dtype(operand)
        tiers[tier] = dtype if tiers[tier] is None else promote_types(tiers[tier], dtype)
    result = None
    for tier in (2, 1, 0):
        if tiers[tier] is not None:
            result = _join(result, tiers[tier])
    return result


def can_cast(from_, to):
    """Whether PyTorch's casting rules allow `from_` to `to`: never to a lower category (float to
    integer or bool, integer to bool)."""
    _check_dtype_arguments("can_cast", from_=from_, to=to)
    return _category(from_) <= _category(to)
