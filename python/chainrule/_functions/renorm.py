"""renorm: each slice of input along dim whose p-norm exceeds maxnorm is scaled down to it, as in
PyTorch (scale maxnorm / (norm + 1e-7)); composed from norm and where, so the gradient includes the
scale's dependence on the slice, as PyTorch's does."""
from chainrule import _C
from chainrule._C import Tensor
from chainrule._functions.dim_wrap import wrap_dim
from chainrule._functions.in_place import in_place


def renorm(input, p, dim, maxnorm):
    """input with the sub-tensors input.select(dim, i) of p-norm above maxnorm rescaled to maxnorm."""
    if not input.is_floating_point():
        raise RuntimeError(f"renorm: expected a floating point tensor, got {input.dtype}")
    if input.ndim < 2:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {input.ndim} dimensions")
    dim = wrap_dim(dim, input.ndim)
    if p <= 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    others = tuple(d for d in range(input.ndim) if d != dim)
    norms = input.norm(p, dim=others, keepdim=True)
    scale = _C.where(norms > maxnorm, maxnorm / (norms + 1e-7), _C.ones_like(norms))
    return input * scale


Tensor.renorm = renorm
Tensor.renorm_ = in_place(renorm)
