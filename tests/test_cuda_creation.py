"""Factories and the ops that used to read or build on the host, on the GPU: numbers,
zeros/ones/full, arange/linspace/eye made on the device itself (cpp/cuda/creation.cu),
masked_fill/tril/triu, the gradients of prod and max(dim), one_hot and searchsorted, which must
give the CPU's results with their gradients. Random GPU tensors (randperm and multinomial included)
are tests/test_cuda_random.py's; sort and what is read off it, tests/test_cuda_sort.py's; cumsum,
tests/test_cuda_reduce.py's. Needs a GPU and says so."""
import re

import numpy as np
import pytest

import chainrule as cr
from cuda_support import check_on_gpu, requires_gpu

pytestmark = requires_gpu


def same_values(gpu, cpu):
    assert gpu.device.type == "cuda", f"expected a GPU tensor, got {gpu.device}"
    assert gpu.dtype == cpu.dtype and tuple(gpu.shape) == tuple(cpu.shape)
    np.testing.assert_array_equal(gpu.cpu().numpy(), cpu.numpy())


@pytest.mark.parametrize("make", [
    lambda d: cr.full((2, 3), 2.5, device=d), lambda d: cr.zeros(4, dtype=cr.int64, device=d),
    lambda d: cr.ones(2, 2, dtype=cr.bool, device=d), lambda d: cr.arange(7, device=d),
    lambda d: cr.arange(1.0, 2.0, 0.125, device=d), lambda d: cr.arange(10, 0, -3, dtype=cr.float64, device=d),
    lambda d: cr.linspace(-1, 1, 9, device=d), lambda d: cr.linspace(0, 10, 4, dtype=cr.int64, device=d),
    lambda d: cr.eye(3, 5, device=d), lambda d: cr.eye(4, dtype=cr.bool, device=d),
    lambda d: cr.tensor(3.0, device=d) * 2 + 1,
], ids=range(11))
def test_factories_on_the_gpu_equal_the_cpus(make):
    same_values(make("cuda"), make("cpu"))


@pytest.mark.parametrize("make", [lambda d: cr.arange(5, dtype=cr.bool, device=d),
                                  lambda d: cr.linspace(0, 1, 5, dtype=cr.bool, device=d)], ids=["arange", "linspace"])
def test_a_bool_range_is_the_cpus_dtype_error_not_an_unwritten_tensor(make):
    with pytest.raises(cr.DTypeError) as on_cpu:
        make("cpu")
    with pytest.raises(cr.DTypeError, match=re.escape(str(on_cpu.value))):
        make("cuda")


HOST_OPS = {  # name: (fn(lib, x), input shape)
    "masked_fill": (lambda lib, x: x.masked_fill(x > 0.3, -1.0), (4, 5)),
    "tril": (lambda lib, x: lib.tril(x, -1), (2, 4, 5)),
    "triu": (lambda lib, x: lib.triu(x, 1), (5, 3)),
    "prod_dim": (lambda lib, x: x.prod(1), (3, 4)),
    "prod_with_zero": (lambda lib, x: (x * (x > -0.5)).prod(), (2, 3)),
    "max_dim": (lambda lib, x: x.max(1).values, (3, 5)),
}


@pytest.mark.parametrize("name", sorted(HOST_OPS))
def test_ops_and_gradients_match_the_cpu(name):
    fn, shape = HOST_OPS[name]
    check_on_gpu(fn, [shape], cr.float64)


def test_one_hot_is_built_on_the_gpu_and_checks_its_classes_there():
    labels = cr.tensor([[2, 0], [3, 3]])
    for num_classes in (5, -1):
        same_values(cr.nn.functional.one_hot(labels.cuda(), num_classes), cr.nn.functional.one_hot(labels, num_classes))
    same_values(cr.nn.functional.one_hot(cr.tensor([], dtype=cr.int64).cuda(), 3),
                cr.nn.functional.one_hot(cr.tensor([], dtype=cr.int64), 3))
    # a class out of range is caught on the GPU, the CPU's ValueError raised at the next wait
    for bad in ([1, 4], [-1, 0]):
        with pytest.raises(ValueError, match="one_hot: class value"):
            cr.nn.functional.one_hot(cr.tensor(bad).cuda(), 3).cpu()


def test_integer_results_match_the_cpu():
    edges = cr.tensor([0.0, 1.0, 2.5])
    same_values(cr.searchsorted(edges.cuda(), cr.tensor([0.5, 3.0]).cuda()), cr.searchsorted(edges, cr.tensor([0.5, 3.0])))
    x = cr.arange(12.0).reshape(3, 4)
    same_values(x.cuda()[cr.tensor(1).cuda()], x[cr.tensor(1)])


def test_a_number_on_the_cpu_and_its_gradient_join_gpu_tensors():
    scale = cr.tensor(2.0, requires_grad=True)  # a 0-d CPU tensor used with GPU tensors, as in PyTorch
    (cr.ones(3, device="cuda") * scale).sum().backward()
    assert scale.grad.device.type == "cpu" and scale.grad.item() == 3.0
