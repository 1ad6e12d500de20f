"""parameters_to_vector / vector_to_parameters: all parameters as one flat vector, and back."""
from chainrule import _C
from chainrule._C import Tensor
from chainrule.autograd import no_grad

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters):
    """One 1-D tensor holding every parameter's values, flattened and concatenated in order."""
    return _C.cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec, parameters):
    """Copies consecutive slices of the 1-D `vec` into each parameter's data (the inverse of the above)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected chainrule.Tensor, but got: {type(vec).__name__}")
    if vec.dim() != 1:
        raise _C.InvalidArgumentError(f"vector_to_parameters: expected a 1-D vector, got shape {tuple(vec.shape)}")
    parameters = list(parameters)
    needed = sum(p.numel() for p in parameters)
    if vec.numel() != needed:
        raise _C.InvalidArgumentError(f"vector_to_parameters: the vector has {vec.numel()} elements but the "
                                      f"parameters need {needed}")
    offset = 0
    with no_grad():
        for p in parameters:
            n = p.numel()
            p.data = vec[offset:offset + n].view_as(p).data
            offset += n
