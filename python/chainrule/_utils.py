"""torch._utils' helpers that programs import directly: _flatten_dense_tensors packs tensors into one
contiguous 1-D buffer and _unflatten_dense_tensors views such a buffer as tensors of the given shapes
(guided-diffusion's fp16_util builds its float32 master parameters with them)."""
import chainrule


def _flatten_dense_tensors(tensors):
    """One contiguous 1-D tensor holding the elements of `tensors` in order (differentiable, as cat)."""
    flat_pieces = [tensor.contiguous().view(-1) for tensor in tensors]
    if len(flat_pieces) == 1:
        return flat_pieces[0]
    return chainrule.cat(flat_pieces)


def _unflatten_dense_tensors(flat, tensors):
    """A tuple of views of `flat`, one per tensor of `tensors`, each with that tensor's shape."""
    views = []
    offset = 0
    for tensor in tensors:
        numel = tensor.numel()
        views.append(flat.narrow(0, offset, numel).view_as(tensor))
        offset += numel
    return tuple(views)
