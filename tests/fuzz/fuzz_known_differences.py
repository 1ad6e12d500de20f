"""The fuzz suite's explicit allow-lists: where chainrule and PyTorch knowingly part ways on an
outcome (one raises, the other returns). Each entry is (predicate, why), kept as narrow as the
difference; the user-facing ones are in docs/from_pytorch.md, "Differences". A new entry needs a
reason a PyTorch program cannot be hurt by it; anything else is a defect to fix or report."""
import numpy as np


# Where chainrule raises and PyTorch returns, by design (docs/from_pytorch.md, "Differences"):
# (predicate on (case, chainrule's error type, message), why). Keep each entry narrow.
ACTIVATIONS_ON_FLOATS = {"relu6", "elu", "selu", "celu", "gelu", "silu", "mish", "softplus", "hardtanh", "hardsigmoid",
                         "hardswish", "logsigmoid", "softsign", "tanhshrink", "leaky_relu", "hardshrink", "softshrink"}
KNOWN_DIFFERENCES = [
    # nn.functional activations take float tensors (DTypeError); PyTorch runs a few on int64 too.
    (lambda case, error, message: case.call == "F" and case.name in ACTIVATIONS_ON_FLOATS
     and error in ("TypeError", "DTypeError"), "activations on int64"),
    # More than one `...` in an index is an IndexError (docs/from_pytorch.md); PyTorch accepts some.
    (lambda case, error, message: case.call in ("getitem", "setitem") and "single ellipsis" in message,
     "several ellipses"),
    # Indices are bounds-checked even when the result is empty; PyTorch skips the check there.
    (lambda case, error, message: case.call in ("getitem", "setitem") and error == "IndexError"
     and "out of bounds" in message and any(0 in a.array.shape for a in tensor_args(case)),
     "out-of-range index into an empty tensor"),
    # roll checks its dim on an empty tensor too; PyTorch returns an empty tensor unchecked.
    (lambda case, error, message: "roll" in message and "out of range" in message, "roll of an empty tensor"),
    # An input with a 0-size dim: PyTorch skips many of its checks there (kernel size 0, dilation 0,
    # bool mm, pools and norms over empty planes) and returns an empty result; chainrule checks
    # its arguments whatever the sizes, with an error that names the op.
    (lambda case, error, message: any(0 in a.array.shape for a in tensor_args(case))
     and case.name.rstrip("_") in message, "checks on empty inputs"),
    # Pool parameters past int32 are refused (PyTorch's 2-d pools refuse them too; max_pool1d takes
    # them); a convolution whose GEMM would pass BLAS's 32-bit sizes is refused, also on an empty batch.
    (lambda case, error, message: "must be at most 2147483647" in message or "32-bit BLAS limit" in message,
     "32-bit limits"),
    # A transposed convolution's output_padding is checked whole; PyTorch reads one past int32 as its low
    # 32 bits (2**32 as 0) and passes it.
    (lambda case, error, message: case.name.startswith("conv_transpose") and "output_padding must be smaller" in message
     and any(abs(v) >= 2**31 for v in _ints(case.kwargs.get("output_padding", 0))), "output_padding past int32"),
    # Backward through a user's as_strided call raises (docs/from_pytorch.md).
    (lambda case, error, message: "backward through as_strided is not supported" in message, "as_strided backward"),
    # Sizes whose product passes int64 (a stride times a dilation) are refused even where PyTorch's
    # result is small enough to compute; so is a sum past int64 (a dilated kernel's extent
    # d * (k - 1) + 1 with d = 2**63 - 1, which PyTorch wraps and then convolves a 1-element input).
    (lambda case, error, message: "integer multiplication overflow" in message
     or "integer addition overflow" in message, "int64 products and sums"),
    # adaptive_avg_pool2d of a 2-d input: PyTorch's output-size-1 shortcut skips its rank check.
    (lambda case, error, message: case.name == "adaptive_avg_pool2d" and "expected a 3-d" in message, "2-d input"),
    # linear's bias is (out_features,) exactly (PyTorch broadcasts a 0-d or (1,) bias too).
    (lambda case, error, message: case.name == "linear" and "bias of shape" in message, "linear bias shape"),
    # linspace/logspace refuse bool (PyTorch raises only where there are 2+ steps to compute).
    (lambda case, error, message: case.name in ("linspace", "logspace") and "dtype bool" in message, "bool linspace"),
    # topk/kthvalue of a 0-d tensor with k=0: PyTorch returns the element itself, chainrule refuses
    # (its message is about a reshape: listed in issue 15's fuzz report).
    (lambda case, error, message: case.name in ("topk", "kthvalue") and case.args[0].array.ndim == 0
     and case.args[1] == 0, "topk of a 0-d tensor with k=0"),
    # take_along_dim checks its indices (PyTorch 2.13 reads [1, 2, 3][[-3, 4, 5]] without a check).
    (lambda case, error, message: case.name == "take_along_dim" and "out of bounds" in message, "take_along_dim"),
    # pow of two bools is a TypeError naming the op (PyTorch computes it in bool).
    (lambda case, error, message: case.name in ("pow", "pow_") and "two bool operands" in message, "bool ** bool"),
    # index_add_ and scatter_add of bools are a DTypeError naming the op (PyTorch ORs).
    (lambda case, error, message: case.name in ("index_add", "scatter_add") and "bool" in message
     and error == "DTypeError", "index_add of bool"),
]

# Where chainrule returns and PyTorch raises, by design: chainrule is more lenient there and a
# PyTorch program cannot tell. (predicate on the case and PyTorch's message, why.)
KNOWN_LENIENCIES = [
    # logical_and/or/xor take a Python scalar as `other` (PyTorch: TypeError, tensors only).
    (lambda case, message: case.name.startswith("logical_") and "must be Tensor, not" in message,
     "logical ops with a scalar"),
    # Kernels PyTorch lacks for bool or integers (argmax of bool, addcmul of bool, lerp of int64 or
    # uint8, ...): chainrule computes them in the promoted dtype.
    (lambda case, message: "not implemented for 'Bool'" in message or "does not support bool" in message
     or any(f"not implemented for '{name}'" in message for name in ("Long", "Int", "Short", "Byte", "Char")),
     "bool/integer kernels PyTorch lacks"),
    # ones()/zeros() without a size give a 0-d tensor (PyTorch: TypeError, a size is required);
    # adaptive pools take a bare None output size as "keep every size" (PyTorch: TypeError; it takes
    # None only inside a tuple, and not at all in adaptive_max_pool2d).
    (lambda case, message: "missing 1 required positional arguments" in message or
     (case.name.startswith("adaptive_") and "'NoneType' has no len()" in message), "optional sizes"),
    # batch_norm/instance_norm of an empty batch is an empty result (PyTorch: an IndexError from inside).
    (lambda case, message: case.name in ("batch_norm", "instance_norm") and "select(): index 0 out of range" in message,
     "norms of an empty batch"),
    # flatten, roll and unflatten of a 0-d tensor take dims 0 and -1 without a range check, like
    # other ops on 0-d tensors (PyTorch: IndexError or RuntimeError).
    (lambda case, message: {case.name, *(step for step, _ in case.then)} & {"flatten", "roll", "unflatten"}
     and case.args[0].array.ndim == 0, "dims of 0-d tensors"),
    # conv of an input with a 0-length signal is an empty result (PyTorch: only an empty batch or
    # channel dim is supported).
    (lambda case, message: "Only zero batch or zero channel inputs are supported" in message, "empty conv signal"),
    # A stride or dilation past int32 that cannot matter (one output position, a kernel of size 1):
    # PyTorch wraps it to 0 or less and raises.
    (lambda case, message: any(f"{name} should be greater than zero" in message
                               and any(abs(v) >= 2**31 for v in np.ravel(case.kwargs.get(name) or 0))
                               for name in ("stride", "dilation")), "huge unused stride or dilation"),
    # unflatten into () sizes of a dim of size 1 drops it (PyTorch: "sizes must be non-empty").
    (lambda case, message: case.name == "unflatten" and "sizes must be non-empty" in message, "unflatten ()"),
    # setitem with an index tensor writes values of another dtype, cast as basic indexing does
    # (PyTorch: "Index put requires the source and destination dtypes match").
    (lambda case, message: case.call == "setitem" and "Index put requires the source and destination dtypes" in message,
     "setitem casts"),
    # Backward cases make every float input require grad, running statistics included: chainrule
    # updates those under no_grad (PyTorch: not differentiable / in-place on a leaf view).
    (lambda case, message: "not differentiable with respect to argument 'running_" in message
     or "a view of a leaf Variable that requires grad is being used in an in-place" in message, "running stats"),
    # group_norm backward of an empty input (PyTorch: "tensor does not have a device", from inside).
    (lambda case, message: "tensor does not have a device" in message, "empty group_norm backward"),
    # The backward of nll_loss over 0 classes is zeros (PyTorch's raises "size mismatch" from inside).
    (lambda case, message: case.name in ("nll_loss", "cross_entropy") and "size mismatch" in message,
     "nll_loss backward over 0 classes"),
    # The backward of an adaptive pool to a 0-size output is zeros (PyTorch refuses it).
    (lambda case, message: "Expected grad_output to have non-zero size" in message, "empty adaptive backward"),
    # take_along_dim of a 0-d tensor with dim=0 takes its one element, as gather does (PyTorch: IndexError).
    (lambda case, message: case.name == "take_along_dim" and "has no dimensions" in message, "take_along_dim 0-d"),
]

# Where PyTorch's own answer is wrong (an integer overflow inside it, a kernel that ignores
# strides), whatever it returns or raises is accepted; chainrule must still answer cleanly, and
# its right answer is pinned in test_fuzz_found.py. (predicate on the case and PyTorch's outcome, why.)
INT64_MAX = 2**63 - 1


def slice_length_overflows(case, torch_outcome):
    """x[::step] with a step within x's largest dim of int64's end: PyTorch's slice length
    (stop - start + step - 1) // step wraps (x[::2**63 - 1] of 4 elements is empty there, of 2 an
    error); chainrule gives Python's x[:1]."""
    if case.call not in ("getitem", "setitem"):
        return False
    items = case.args[1] if isinstance(case.args[1], tuple) else (case.args[1],)
    longest = max(case.args[0].array.shape, default=1)
    return any(isinstance(i, slice) and isinstance(i.step, int) and i.step + longest - 1 > INT64_MAX for i in items)


def _per_dim(value, nd):
    """A conv parameter (an int, a 1-tuple or an nd-tuple) as nd ints; None for any other length."""
    values = (value,) if isinstance(value, int) else tuple(value)
    return values * nd if len(values) == 1 else values if len(values) == nd else None


def conv_output_size_overflows(case, torch_outcome):
    """conv1d/conv2d with a stride or padding past int32, where PyTorch's output size is not its
    documented (L + 2p - d(k-1) - 1) // s + 1, which chainrule follows: conv1d of 1 element by a
    kernel of 2, dilation 2, stride 2**32 is empty there for padding 2**31 (the formula: 1 position)
    and 1 position long for padding 2**32 (the formula: 2); other sizes raise "Output size is too small"."""
    if case.call != "F" or case.name not in ("conv1d", "conv2d") or isinstance(case.kwargs.get("padding"), str):
        return False
    x, w = case.args[0].array, case.args[1].array
    nd = 1 if case.name == "conv1d" else 2
    params = [_per_dim(case.kwargs.get(k, default), nd) for k, default in (("stride", 1), ("padding", 0),
                                                                           ("dilation", 1))]
    if x.ndim < nd or w.ndim != nd + 2 or None in params or max(map(max, params[:2])) < 2**31:
        return False
    if min(map(min, params)) < 0 or min(params[0]) == 0:
        return False
    formula = tuple((x.shape[x.ndim - nd + i] + 2 * p - d * (w.shape[2 + i] - 1) - 1) // s + 1
                    for i, (s, p, d) in enumerate(zip(*params)))
    if min(formula) < 1:
        return False
    if torch_outcome[0] == "error":
        return "Output size is too small" in torch_outcome[2]
    result = torch_outcome[1]
    return result[0] in ("tensor", "big tensor") and tuple(result[2][-nd:]) != formula


def batch_norm_backward_reads_a_strided_weight(case, torch_outcome):
    """The backward of batch_norm with a non-contiguous weight (the fuzz's "strided" layout, every
    other element of its storage) over planes of one element ((N, C) or (N, C, 1)): PyTorch 2.13's
    CPU kernel reads the weight's storage as if contiguous (an input gradient of [[1.5, 0.5]]
    scaled by weights 1.5 and 1.5, not 1.5 and 0.5); with a contiguous copy it agrees with chainrule."""
    if case.name != "batch_norm" or ("backward with fixed weights", ()) not in case.then or len(case.args) < 4:
        return False
    x, weight = case.args[0].array, case.args[3]
    return type(weight).__name__ == "T" and weight.layout == "strided" and weight.array.size > 1 \
        and int(np.prod(x.shape[2:])) == 1


def arange_length_overflows(case, torch_outcome):
    """arange of integers whose end - start + step passes int64 (step near 2**63): PyTorch's length
    wraps (arange(-4, 2**63 - 1, 2**63 - 1) is empty there); chainrule counts in 128 bits ([-4, 2**63 - 5])."""
    if case.name != "arange" or not all(isinstance(a, int) for a in case.args) or len(case.args) != 3:
        return False
    start, end, step = case.args
    return not -(2**63) <= end - start + step < 2**63


def _ints(value):
    """An int parameter or a tuple of them, as a tuple."""
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


PYTORCH_WRONG = [
    (slice_length_overflows, "slice length past int64"),
    (arange_length_overflows, "arange length past int64"),
    (conv_output_size_overflows, "conv output size with parameters past int32"),
    (batch_norm_backward_reads_a_strided_weight, "batch_norm backward with a strided weight"),
]


def tensor_args(case):
    """The T placeholders among the case's arguments (top level and in lists)."""
    flat = [v for a in case.args for v in (a if isinstance(a, list) else [a])]
    return [a for a in flat if type(a).__name__ == "T"]


def is_known_difference(case, error_type, message, torch_result):
    """Whether chainrule raising (error_type, message) on `case` where PyTorch returns torch_result
    (fuzz_worker.normalize's form) is by design."""
    # Indices are bounds-checked even where the indexing selects nothing (a slice past the end
    # beside an index tensor); PyTorch returns its empty result (or writes nothing) unchecked.
    if case.call in ("getitem", "setitem") and error_type == "IndexError" and "out of bounds" in message:
        if case.call == "getitem" and torch_result[0] in ("tensor", "big tensor") and 0 in torch_result[2]:
            return True
        # The same ending in a backward: PyTorch's gradients of an empty selection are all zeros.
        if case.call == "getitem" and torch_result[0] == "seq" and all(
                grad[0] == "tensor" and not grad[3].any() for grad in torch_result[1]):
            return True
        if case.call == "setitem" and np.array_equal(torch_result[3], case.args[0].array, equal_nan=True):
            return True
    return any(applies(case, error_type, message) for applies, _ in KNOWN_DIFFERENCES)


def is_known_leniency(case, torch_message):
    """Whether chainrule returning on `case` where PyTorch raises torch_message is by design."""
    return any(applies(case, torch_message) for applies, _ in KNOWN_LENIENCIES)


def is_pytorch_wrong(case, torch_outcome):
    """Whether PyTorch's outcome on `case` (fuzz_worker.outcome's form) is wrong (PYTORCH_WRONG)."""
    return any(applies(case, torch_outcome) for applies, _ in PYTORCH_WRONG)
