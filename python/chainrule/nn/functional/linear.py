"""F.linear (one C++ op, _C._nn.linear, for floating 2-D weights) and F.bilinear (composed from matmul and
broadcasting products, which carry their own backward)."""
from chainrule import _C

__all__ = ["linear", "bilinear"]


def linear(input, weight, bias=None):
    """input @ weight.T + bias: (*, in_features) x (out_features, in_features) -> (*, out_features)."""
    if weight.dim() not in (1, 2):
        raise _C.InvalidArgumentError(f"linear: weight must be 1-D or 2-D, got shape {tuple(weight.shape)}")
    if input.dim() == 0 or input.shape[-1] != weight.shape[-1]:
        raise _C.InvalidArgumentError(f"linear: input of shape {tuple(input.shape)} does not end in "
                                      f"in_features={weight.shape[-1]} of weight {tuple(weight.shape)}")
    if weight.dim() == 2 and input.dtype.is_floating_point:
        return _C._nn.linear(input, weight, bias)  # one GEMM with the bias preloaded; gradients in place
    if input.dtype != weight.dtype:
        raise _C.DTypeError(f"linear: mat1 and mat2 must have the same dtype, but got {input.dtype.name} input of "
                            f"shape {tuple(input.shape)} and {weight.dtype.name} weight of shape "
                            f"{tuple(weight.shape)}; expected the input in the weight's dtype (convert it with "
                            f".to({weight.dtype}))")
    output = input.matmul(weight.t() if weight.dim() == 2 else weight)
    return output if bias is None else output + bias


def bilinear(input1, input2, weight, bias=None):
    """y[..., o] = sum_ij input1[..., i] weight[o, i, j] input2[..., j] + bias[o]."""
    if weight.dim() != 3:  # PyTorch reads weight.size(2) first: an IndexError below 3 dims
        error = IndexError if weight.dim() < 3 else _C.InvalidArgumentError
        raise error(f"bilinear: weight must be 3-D (out, in1, in2), got shape {tuple(weight.shape)}")
    out_features, in1, in2 = weight.shape
    if input1.shape[:-1] != input2.shape[:-1]:
        raise _C.InvalidArgumentError(f"bilinear: input1 {tuple(input1.shape)} and input2 {tuple(input2.shape)} must "
                                      "agree on every dimension but the last")
    if input1.dim() == 0 or input1.shape[-1] != in1 or input2.shape[-1] != in2:
        raise _C.InvalidArgumentError(f"bilinear: expected inputs ending in {in1} and {in2} for weight "
                                      f"{tuple(weight.shape)}, got {tuple(input1.shape)} and {tuple(input2.shape)}")
    batch = tuple(input1.shape[:-1])
    x1 = input1.reshape(-1, in1)  # (N, in1)
    x2 = input2.reshape(-1, in2)  # (N, in2)
    # weight as (in1, out * in2): x1 @ it is (N, out, in2) once reshaped, then contracted with x2
    projected = x1.matmul(weight.permute(1, 0, 2).reshape(in1, out_features * in2)).reshape(-1, out_features, in2)
    output = (projected * x2.unsqueeze(1)).sum(-1)  # (N, out)
    if bias is not None:
        output = output + bias
    return output.reshape(*batch, out_features)
