"""PyTorch's fused arithmetic, composed: addmm, baddbmm, addcmul, addcdiv, lerp (and their in-place
forms). beta=0 ignores `input` (nan and inf in it do not propagate), as in PyTorch. With float16 or
bfloat16 operands the products' sums are computed in float32 and rounded once, as PyTorch's fused
kernels round them."""
import functools
import warnings

from chainrule import _C
from chainrule._C import Tensor
from chainrule._functions.in_place import in_place
from chainrule._functions.shapes import broadcast_shapes
from chainrule.amp import cast_policy as _autocast


def _scaled_sum(input, product, beta, alpha, op):
    """beta * input + alpha * product, where input must broadcast to the product's shape (as
    PyTorch expands it): a larger input is an error, not a larger result."""
    shape = tuple(product.shape)
    try:
        fits = tuple(broadcast_shapes(input.shape, shape)) == shape
    except RuntimeError:
        fits = False
    if not fits:
        raise RuntimeError(f"{op}: input of shape {list(input.shape)} cannot be broadcast to the product's shape "
                           f"{list(shape)}")
    out = product if alpha == 1 else product * alpha
    if beta == 0:
        return out
    return out + (input if beta == 1 else input * beta)


_16_BIT = (_C.dtype.float16, _C.dtype.bfloat16)


def _scaled_product_sum(input, product, a, b, beta, alpha, op):
    """beta * input + alpha * product(a, b); for 16-bit a, in float32 with one rounding at the end."""
    if a.dtype not in _16_BIT:
        return _scaled_sum(input, product(a, b), beta, alpha, op)
    return _scaled_sum(input.float(), product(a.float(), b.float()), beta, alpha, op).to(a.dtype)


@_autocast.lower_precision
def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """beta * input + alpha * (mat1 @ mat2), with input broadcast to the product's shape."""
    if mat1.ndim != 2 or mat2.ndim != 2:
        raise RuntimeError(f"addmm: mat1 and mat2 must be matrices, got shapes {list(mat1.shape)} and "
                           f"{list(mat2.shape)}")
    return _scaled_product_sum(input, _C.mm, mat1, mat2, beta, alpha, "addmm")


@_autocast.lower_precision
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """beta * input + alpha * (batch1 @ batch2) for 3-D batches of matrices."""
    if batch1.ndim != 3 or batch2.ndim != 3:
        raise RuntimeError(f"baddbmm: batch1 and batch2 must be 3-D tensors, got shapes {list(batch1.shape)} "
                           f"and {list(batch2.shape)}")
    return _scaled_product_sum(input, _C.bmm, batch1, batch2, beta, alpha, "baddbmm")


def addmv(input, mat, vec, *, beta=1, alpha=1):
    """beta * input + alpha * (mat @ vec)."""
    return _scaled_product_sum(input, _C.mv, mat, vec, beta, alpha, "addmv")


def _value_first_accepted(fn):
    """fn(input, tensor1, tensor2, *, value) that also takes PyTorch's deprecated fn(input, value, tensor1,
    tensor2) form (older optimizer code's exp_avg_sq.addcmul_(1 - beta2, grad, grad)), warning as PyTorch does.
    The value may be a 0-d tensor, as PyTorch's Number accepts (ikostrikov/pytorch-a3c's SharedAdam passes
    -step_size computed from its tensor step count)."""
    @functools.wraps(fn)
    def accepting(input, *args, **kwargs):
        if len(args) == 3 and (not isinstance(args[0], Tensor) or args[0].dim() == 0):
            name = fn.__name__.lstrip("_")
            warnings.warn(f"This overload of {name} is deprecated:\n\t{name}(Number value, Tensor tensor1, Tensor "
                          f"tensor2)\nConsider using one of the following signatures instead:\n\t{name}(Tensor "
                          "tensor1, Tensor tensor2, *, Number value = 1)", UserWarning, stacklevel=2)
            value, tensor1, tensor2 = args
            value = value.item() if isinstance(value, Tensor) else value
            return fn(input, tensor1, tensor2, value=value, **kwargs)
        return fn(input, *args, **kwargs)
    return accepting


@_value_first_accepted
def addcmul(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 * tensor2, broadcast."""
    return _C.add(input, tensor1 * tensor2, alpha=value)


def _checked_quotient(tensor1, tensor2):
    """tensor1 / tensor2 for addcdiv, which refuses two integer tensors, as in PyTorch."""
    if not (tensor1.is_floating_point() or tensor2.is_floating_point()):
        raise RuntimeError("addcdiv: integer division with addcdiv is no longer supported; use "
                           "torch.addcmul(input, tensor1, 1 / tensor2) or floor division explicitly "
                           f"(got {tensor1.dtype} and {tensor2.dtype})")
    return tensor1 / tensor2


@_value_first_accepted
def addcdiv(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 / tensor2, broadcast (integer tensors are refused, as in PyTorch)."""
    return _C.add(input, _checked_quotient(tensor1, tensor2), alpha=value)


def lerp(input, end, weight):
    """input + weight * (end - input), computed as PyTorch does for accuracy: from `end` when weight >= 0.5."""
    diff = end - input
    if isinstance(weight, Tensor):
        near_start = weight.abs() < 0.5
        return _C.where(near_start, input + weight * diff, end - diff * (1 - weight))
    return input + weight * diff if abs(weight) < 0.5 else end - diff * (1 - weight)


@_value_first_accepted
def _addcmul_(self, tensor1, tensor2, *, value=1):
    return self.add_(tensor1 * tensor2, alpha=value)


@_value_first_accepted
def _addcdiv_(self, tensor1, tensor2, *, value=1):
    return self.add_(_checked_quotient(tensor1, tensor2), alpha=value)


for _fn in (addmm, baddbmm, addmv, addcmul, addcdiv, lerp):
    setattr(Tensor, _fn.__name__, _fn)
for _fn in (addmm, baddbmm, addmv, lerp):
    setattr(Tensor, _fn.__name__ + "_", in_place(_fn))
# Optimizer-style updates (p.addcdiv_(m, denom, value=-lr)) add in place, with one temporary.
Tensor.addcmul_ = _addcmul_
Tensor.addcdiv_ = _addcdiv_
