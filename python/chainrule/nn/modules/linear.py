"""Identity, Linear and Bilinear layers, initialized as in PyTorch."""
import math

from chainrule import _C
from chainrule.nn import init
from chainrule.nn.modules.module import Module
from chainrule.nn.parameter import Parameter

__all__ = ["Identity", "Linear", "Bilinear"]


def _new_weight(*shape, dtype=None):
    return Parameter(_C.zeros(*shape, dtype=dtype or _C.dtype.float32))


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
        self.weight = _new_weight(out_features, in_features, dtype=dtype)
        if bias:
            self.bias = _new_weight(out_features, dtype=dtype)
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
        # input is (*, in_features), output (*, out_features)
        output = input.matmul(self.weight.t())
        return output if self.bias is None else output + self.bias

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Bilinear(Module):
    """y[..., o] = x1[..., i] W[o, i, j] x2[..., j] + b[o]; init U(-1/sqrt(in1), 1/sqrt(in1)) for both."""

    def __init__(self, in1_features, in2_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        self.weight = _new_weight(out_features, in1_features, in2_features, dtype=dtype)
        if bias:
            self.bias = _new_weight(out_features, dtype=dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1, input2):
        if input1.shape[:-1] != input2.shape[:-1]:
            raise ValueError(f"Bilinear: input1 {tuple(input1.shape)} and input2 {tuple(input2.shape)} must agree "
                             "on every dimension but the last")
        if input1.shape[-1] != self.in1_features or input2.shape[-1] != self.in2_features:
            raise ValueError(f"Bilinear: expected inputs of last sizes {self.in1_features} and {self.in2_features}, "
                             f"got {tuple(input1.shape)} and {tuple(input2.shape)}")
        batch = tuple(input1.shape[:-1])
        x1 = input1.reshape(-1, self.in1_features)  # (N, in1)
        x2 = input2.reshape(-1, self.in2_features)  # (N, in2)
        # W as (in1, out * in2): x1 @ it is (N, out, in2) once reshaped, then contracted with x2
        w = self.weight.permute(1, 0, 2).reshape(self.in1_features, self.out_features * self.in2_features)
        projected = x1.matmul(w).reshape(-1, self.out_features, self.in2_features)
        output = (projected * x2.unsqueeze(1)).sum(-1)  # (N, out)
        if self.bias is not None:
            output = output + self.bias
        return output.reshape(*batch, self.out_features)

    def extra_repr(self):
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
