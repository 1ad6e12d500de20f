"""Identity, Linear and Bilinear layers, initialized as in PyTorch."""
import math

from chainrule import _C
from chainrule.nn import functional as F
from chainrule.nn import init
from chainrule.nn.modules.module import Module
from chainrule.nn.parameter import Parameter

__all__ = ["Identity", "Linear", "Bilinear"]


def _new_weight(*shape, device=None, dtype=None):
    """A parameter of `shape` for a layer to initialize; a negative size is the constructor's error, in
    PyTorch's words, not one from the factory it calls."""
    for size in shape:
        if size < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {size}: [{', '.join(map(str, shape))}]")
    return Parameter(_C.zeros(shape, device=device, dtype=dtype))


class Identity(Module):
    """Returns its input; accepts (and ignores) any constructor arguments."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Linear(Module):
    """y = x W^T + b, with W of shape (out_features, in_features).

    Init: W ~ kaiming_uniform_(a=sqrt(5)) (= U(-1/sqrt(in), 1/sqrt(in))), b ~ U(-1/sqrt(in), 1/sqrt(in)).
    """

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = _new_weight(out_features, in_features, device=device, dtype=dtype)
        if bias:
            self.bias = _new_weight(out_features, device=device, dtype=dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class NonDynamicallyQuantizableLinear(Linear):
    """A Linear under torch's name and module (torch.nn.modules.linear) for MultiheadAttention.out_proj, so
    that the two reprs agree and a pickled MultiheadAttention names a class both can load."""


class Bilinear(Module):
    """y[..., o] = x1[..., i] W[o, i, j] x2[..., j] + b[o]; init U(-1/sqrt(in1), 1/sqrt(in1)) for both."""

    def __init__(self, in1_features, in2_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        self.weight = _new_weight(out_features, in1_features, in2_features, device=device, dtype=dtype)
        if bias:
            self.bias = _new_weight(out_features, device=device, dtype=dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1, input2):
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self):
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
