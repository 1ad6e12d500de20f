"""The memory layout PyTorch suggests for an op's output from its input's strides
(Tensor.suggest_memory_format): a 4-d input whose strides run channels-last (NHWC in memory, e.g. a
permute(0, 3, 1, 2) of an NHWC tensor) gets a channels-last output, a 5-d one channels_last_3d, any other
a contiguous one. laid_out_like lays a result out so, as code relying on the layout needs: DINO's ViT
(and its many copies) interpolates its position embeddings from such a permuted tensor and then calls
.permute(0, 2, 3, 1).view(...), which needs the NHWC memory."""

# the dims from innermost to outermost in memory, as PyTorch's is_channels_last_strides_2d/_3d read them
_CHANNELS_LAST_ORDER = {4: (1, 3, 2, 0), 5: (1, 4, 3, 2, 0)}


def strides_like_channels_last(sizes, strides):
    """PyTorch's is_channels_last_strides_2d_s4 / _3d_s5: the strides grow through the channels-last order
    (ambiguous cases, such as size-1 dims with equal strides, count as the default layout)."""
    order = _CHANNELS_LAST_ORDER.get(len(sizes))
    if order is None or strides[1] == 0:
        return False
    smallest = 0
    for dim in order:
        if sizes[dim] == 0 or strides[dim] < smallest:
            return False
        if dim == 0 and smallest == strides[1]:
            return False
        smallest = strides[dim] * (sizes[dim] if sizes[dim] > 1 else 1)
    return True


def laid_out_like(input, output):
    """`output` (same rank as `input`) laid out channels-last when `input`'s strides suggest it, else contiguous."""
    if not strides_like_channels_last(tuple(input.shape), input.stride()):
        return output.contiguous()
    to_channels_last = (0,) + tuple(range(2, output.dim())) + (1,)
    back = (0, output.dim() - 1) + tuple(range(1, output.dim() - 1))
    return output.permute(*to_channels_last).contiguous().permute(*back)
