"""ONNX converters for ops that move data without arithmetic: reshapes, transposes, joins and splits,
indexing with ints/slices/None/..., dtype casts and copies, and reductions (sum, mean, max, min).
"""
import numbers

import numpy as np

from chainrule._C import Tensor
from chainrule.onnx._graph import UnsupportedOperatorError
from chainrule.onnx._registry import converts

_INT64_MAX = np.iinfo(np.int64).max


def _sizes(args):
    """view(2, 3) and view((2, 3)) both give [2, 3]."""
    return list(args[0]) if len(args) == 1 and isinstance(args[0], (tuple, list)) else list(args)


def reshape(g, x, input, out, requested=()):
    """Reshape value x (of tensor input) to out's shape. Leading dims that keep their size are written
    as 0 (ONNX: copy the input's dim), and a -1 the caller asked for stays -1, so that
    x.view(x.size(0), -1) also runs for another batch size under dynamic_axes."""
    target = list(out.shape)
    leading = 0
    while leading < min(len(target), input.dim()) and target[leading] == input.shape[leading]:
        target[leading] = 0
        leading += 1
    requested = list(requested)
    if -1 in requested and requested.index(-1) >= leading:
        target[requested.index(-1)] = -1
    return g.node("Reshape", [x, g.ints(target)])


@converts("view", "reshape")
def _view(g, out, input, *shape):
    return reshape(g, g.value(input), input, out, _sizes(shape))


@converts("view_as", "reshape_as")
def _view_as(g, out, input, other):
    return g.node("Reshape", [g.value(input), g.node("Shape", [g.value(other)])])


@converts("flatten")
def _flatten(g, out, input, start_dim=0, end_dim=-1):
    if input.dim() == 0:
        return g.node("Reshape", [g.value(input), g.ints([1])])
    start = start_dim % input.dim()
    return g.node("Reshape", [g.value(input), g.ints([0] * start + [-1] + list(out.shape[start + 1:]))])


@converts("unflatten")
def _unflatten(g, out, input, dim, sizes):
    return reshape(g, g.value(input), input, out)


@converts("transpose", "swapaxes", "swapdims", "transpose_")
def _transpose(g, out, input, dim0, dim1):
    perm = list(range(input.dim()))
    perm[dim0], perm[dim1] = perm[dim1], perm[dim0]
    return g.node("Transpose", [g.value(input)], perm=perm)


@converts("t")
def _t(g, out, input):
    return g.node("Transpose", [g.value(input)], perm=list(range(input.dim()))[::-1])


@converts("permute")
def _permute(g, out, input, *dims):
    return g.node("Transpose", [g.value(input)], perm=[d % input.dim() for d in _sizes(dims)])


@converts("unsqueeze", "unsqueeze_")
def _unsqueeze(g, out, input, dim):
    return g.node("Unsqueeze", [g.value(input), g.ints([dim % out.dim()], "axes")])


@converts("squeeze", "squeeze_")
def _squeeze(g, out, input, dim=None):
    if dim is None:
        dims = range(input.dim())
    else:
        dims = dim if isinstance(dim, (tuple, list)) else [dim]
    axes = sorted({d % input.dim() for d in dims if input.shape[d] == 1})
    return g.node("Squeeze", [g.value(input), g.ints(axes, "axes")]) if axes else g.value(input)


@converts("expand")
def _expand(g, out, input, *sizes):
    return g.node("Expand", [g.value(input), g.ints([1 if s == -1 else s for s in _sizes(sizes)])])


@converts("expand_as")
def _expand_as(g, out, input, other):
    return g.node("Expand", [g.value(input), g.node("Shape", [g.value(other)])])


@converts("cat", "concat", "concatenate")
def _cat(g, out, tensors, dim=0):
    return g.node("Concat", [g.value(t) for t in tensors], axis=dim % out.dim())


@converts("stack")
def _stack(g, out, tensors, dim=0):
    axis = g.ints([dim % out.dim()], "axes")
    return g.node("Concat", [g.node("Unsqueeze", [g.value(t), axis]) for t in tensors], axis=dim % out.dim())


@converts("split", "chunk")
def _split(g, out, input, size_or_sections, dim=0):
    axis = dim % input.dim()
    if len(out) == 1:
        return [g.value(input)]
    return g.node("Split", [g.value(input), g.ints([t.shape[axis] for t in out], "split")],
                  outputs=len(out), axis=axis)


@converts("unbind")
def _unbind(g, out, input, dim=0):
    axis = dim % input.dim()
    return [g.node("Gather", [g.value(input), g.constant(np.array(i, dtype=np.int64), "index")], axis=axis)
            for i in range(len(out))]


@converts("select")
def _select(g, out, input, dim, index):
    return g.node("Gather", [g.value(input), g.constant(np.array(index, dtype=np.int64), "index")],
                  axis=dim % input.dim())


@converts("narrow")
def _narrow(g, out, input, dim, start, length):
    return g.node("Slice", [g.value(input), g.ints([start]), g.ints([start + length]), g.ints([dim], "axes")])


@converts("__getitem__")
def _getitem(g, out, input, index):
    """x[1], x[:, -1], x[..., ::2], x[:, None]: one Slice for the slices, a Gather per int, one Unsqueeze."""
    items = index if isinstance(index, tuple) else (index,)
    if any(not (item is None or item is Ellipsis or isinstance(item, slice)
                or (isinstance(item, numbers.Integral) and not isinstance(item, bool))) for item in items):
        raise UnsupportedOperatorError(f"chainrule.onnx.export: indexing with {index!r} {g.where()} is not supported "
                                       "(only ints, slices, None and ...)")
    if any(item is Ellipsis for item in items):
        at = next(i for i, item in enumerate(items) if item is Ellipsis)
        indexed = sum(1 for item in items if item is not None and item is not Ellipsis)
        items = items[:at] + (slice(None),) * (input.dim() - indexed) + items[at + 1:]
    slices, gathers, new_axes = [], [], []
    in_axis = out_axis = 0
    for item in items:
        if item is None:
            new_axes.append(out_axis)
            out_axis += 1
        elif isinstance(item, slice):
            if item != slice(None):
                slices.append((0 if item.start is None else item.start,
                               _INT64_MAX if item.stop is None else item.stop, in_axis,
                               1 if item.step is None else item.step))
            in_axis += 1
            out_axis += 1
        else:
            gathers.append((in_axis, int(item)))
            in_axis += 1
    x = g.value(input)
    if slices:
        x = g.node("Slice", [x] + [g.ints(column) for column in zip(*slices)])
    for axis, position in reversed(gathers):  # from the last axis, so the earlier axes keep their numbers
        x = g.node("Gather", [x, g.constant(np.array(position, dtype=np.int64), "index")], axis=axis)
    if new_axes:
        x = g.node("Unsqueeze", [x, g.ints(new_axes, "axes")])
    return x


@converts("contiguous", "clone", "detach", "cpu", "requires_grad_", "to", "type_as", "float", "double", "long",
          "bool", "type", "__pos__")
def _copy_or_cast(g, out, input, *args, **kwargs):
    """Copies and device moves are the same value; a change of dtype is a Cast."""
    return g.value(input) if out.dtype == input.dtype else g.cast(g.value(input), out.dtype)


def _axes(dim):
    if dim is None:
        return None
    return list(dim) if isinstance(dim, (tuple, list)) else [dim]


def _reduction(op_type):
    def convert(g, out, input, dim=None, keepdim=False, *, dtype=None):
        x = g.value(input)
        if out.dtype != input.dtype:  # dtype=..., or the sum of bools (int64)
            x = g.cast(x, out.dtype)
        return g.reduce(op_type, x, _axes(dim), keepdim)
    return convert


converts("sum")(_reduction("ReduceSum"))
converts("mean")(_reduction("ReduceMean"))
converts("amax")(_reduction("ReduceMax"))
converts("amin")(_reduction("ReduceMin"))


def _max_or_min(reduce_op, arg_op, binary_op):
    """max(x) -> a scalar; max(x, dim, keepdim) -> (values, indices); max(x, y) -> elementwise."""
    def convert(g, out, input, dim=None, keepdim=False):
        if isinstance(dim, Tensor):
            return g.node(binary_op, [g.value(input), g.value(dim)])
        x = g.value(input)
        if dim is None:
            return g.reduce(reduce_op, x, None, False)
        return [g.reduce(reduce_op, x, [dim], keepdim), g.node(arg_op, [x], axis=dim, keepdims=int(keepdim))]
    return convert


converts("max")(_max_or_min("ReduceMax", "ArgMax", "Max"))
converts("min")(_max_or_min("ReduceMin", "ArgMin", "Min"))


def _arg_reduction(op_type):
    def convert(g, out, input, dim=None, keepdim=False):
        x = g.value(input)
        if dim is None:  # over all elements, as one flat axis
            x, dim, keepdim = g.node("Reshape", [x, g.ints([-1])]), 0, False
        return g.node(op_type, [x], axis=dim, keepdims=int(keepdim))
    return convert


converts("argmax")(_arg_reduction("ArgMax"))
converts("argmin")(_arg_reduction("ArgMin"))
