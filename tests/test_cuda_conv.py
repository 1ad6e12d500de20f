"""Convolutions on the GPU (cpp/cuda/conv.cu: im2col + cuBLAS) against chainrule's CPU results and,
where the machine has a CUDA build of PyTorch, PyTorch's GPU: conv1d/conv2d/conv_transpose2d with
strides, paddings (also 'same'), dilations, groups, pointwise kernels, with and without bias, the
gradients of input, weight and bias, a second derivative, and nn.Conv2d moved with .cuda(). Needs a
GPU and says so."""
import pytest

import chainrule as cr
from cuda_support import assert_same, check_on_gpu, requires_gpu

pytestmark = requires_gpu

CONV2D = [  # (input shape, weight shape, keyword arguments)
    ((2, 3, 7, 6), (4, 3, 3, 3), dict()),
    ((2, 3, 7, 6), (4, 3, 3, 3), dict(stride=2, padding=1)),
    ((1, 4, 9, 8), (6, 2, 3, 2), dict(groups=2, dilation=(2, 1), padding=(2, 0))),
    ((3, 5, 4, 4), (7, 5, 1, 1), dict()),                  # pointwise: the input is the column matrix
    ((2, 2, 5, 5), (3, 2, 2, 2), dict(padding="same")),    # asymmetric padding
    ((2, 6, 5, 5), (6, 1, 3, 3), dict(groups=6, padding=1)),  # depthwise
    ((0, 3, 5, 5), (2, 3, 3, 3), dict()),                  # an empty batch
]


@pytest.mark.parametrize("dtype", [cr.float32, cr.float64], ids=str)
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no_bias"])
@pytest.mark.parametrize("x_shape, w_shape, kwargs", CONV2D, ids=str)
def test_conv2d_and_its_gradients_match_the_cpu(x_shape, w_shape, kwargs, bias, dtype):
    shapes = [x_shape, w_shape] + ([(w_shape[0],)] if bias else [])
    check_on_gpu(lambda lib, x, w, *b: lib.nn.functional.conv2d(x, w, *b, **kwargs), shapes, dtype)


@pytest.mark.parametrize("kwargs", [dict(), dict(stride=2, padding=1, output_padding=1), dict(groups=2)], ids=str)
def test_conv_transpose2d_matches_the_cpu(kwargs):
    check_on_gpu(lambda lib, x, w, b: lib.nn.functional.conv_transpose2d(x, w, b, **kwargs),
                 [(2, 4, 5, 5), (4, 3, 3, 3), (3 * kwargs.get("groups", 1),)])


def test_conv1d_matches_the_cpu():
    check_on_gpu(lambda lib, x, w, b: lib.nn.functional.conv1d(x, w, b, stride=2, padding=2, dilation=2),
                 [(3, 4, 11), (5, 4, 3), (5,)])


def test_second_derivative_matches_the_cpu():
    def grad_of_input(lib, x, w):
        y = lib.nn.functional.conv2d(x, w, padding=1)
        (gx,) = lib.autograd.grad((y * y).sum(), x, create_graph=True)
        return gx
    check_on_gpu(grad_of_input, [(2, 3, 5, 5), (4, 3, 3, 3)], cr.float64)


def test_conv2d_module_on_the_gpu_matches_the_cpu():
    cr.manual_seed(0)
    layer = cr.nn.Conv2d(3, 8, 3, padding=1)
    gpu_layer = cr.nn.Conv2d(3, 8, 3, padding=1).cuda()
    gpu_layer.load_state_dict(layer.state_dict())
    x = cr.randn(4, 3, 9, 9)
    assert_same(gpu_layer(x.cuda()), layer(x), cr.float32)


def test_mixing_devices_is_pytorchs_error():
    with pytest.raises(RuntimeError, match="cpu.*cuda|cuda.*cpu"):
        cr.nn.functional.conv2d(cr.randn(1, 2, 4, 4).cuda(), cr.randn(3, 2, 3, 3))
