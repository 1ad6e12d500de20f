"""Devices as a PyTorch program meets them: where tensors and layers are made, how a request for
a device that cannot be used fails (one RuntimeError from the core, whoever asks: factories,
Tensor.to, Module.to, nn constructors, chainrule.cuda), and that results stay beside their inputs.
On a machine with a GPU the `device` fixture runs the placement tests on CUDA too."""
import pytest

import chainrule as cr
from chainrule import nn

UNAVAILABLE_CUDA = not cr.cuda.is_available()
needs_no_gpu = pytest.mark.skipif(not UNAVAILABLE_CUDA, reason="this machine has a CUDA device")


@pytest.mark.parametrize("spec", ["cpu", "cpu:0", cr.device("cpu"), None])
def test_factories_layers_and_to_accept_every_spelling_of_the_cpu(spec):
    assert cr.zeros(2, device=spec).device == cr.device("cpu")
    assert cr.randn(2, 3, device=spec).device.type == "cpu"
    assert nn.Linear(2, 3, device=spec).weight.device.type == "cpu"
    assert cr.ones(2).to(spec if spec is not None else "cpu").device.type == "cpu"


def test_results_and_gradients_stay_beside_their_inputs(device):
    x = cr.randn(4, 3, device=device, requires_grad=True)
    layer = nn.Linear(3, 2, device=device)
    loss = layer(x).relu().sum()
    loss.backward()
    for t in (loss, x.grad, layer.weight.grad, layer.bias.grad):
        assert t.device == device


UNAVAILABLE_REQUESTS = {
    "factory": lambda: cr.zeros(2, device="cuda"),
    "random factory": lambda: cr.randn(2, device="cuda:0"),
    "tensor()": lambda: cr.tensor([1.0], device="cuda"),
    "Tensor.to": lambda: cr.ones(2).to("cuda"),
    "Tensor.cuda": lambda: cr.ones(2).cuda(),
    "Module.to": lambda: nn.Linear(2, 3).to("cuda"),
    "Module.cuda": lambda: nn.Linear(2, 3).cuda(),
    "nn constructor": lambda: nn.Conv2d(1, 2, 3, device="cuda"),
    "chainrule.cuda.synchronize": lambda: cr.cuda.synchronize(),
}


@needs_no_gpu
@pytest.mark.parametrize("request_", UNAVAILABLE_REQUESTS.values(), ids=UNAVAILABLE_REQUESTS.keys())
def test_every_request_for_an_unavailable_device_fails_with_the_same_error(request_):
    with pytest.raises(RuntimeError, match=r"device 'cuda:0' is not available: (chainrule was built without CUDA"
                                           r"|this machine has 0 CUDA device)"):
        request_()


@needs_no_gpu
def test_a_cpu_only_build_says_so_and_a_cuda_build_counts_the_gpus():
    with pytest.raises(RuntimeError) as error:
        cr.zeros(1, device="cuda")
    built_with_cuda = cr.backends.cuda.is_built()
    assert ("this machine has 0 CUDA device(s)" in str(error.value)) == built_with_cuda
    assert ("chainrule was built without CUDA" in str(error.value)) == (not built_with_cuda)


def test_device_objects_behave_as_pytorchs():
    assert cr.device("cpu") == cr.device("cpu:0")
    assert repr(cr.device("cpu")) == "device(type='cpu')" and str(cr.device("cpu")) == "cpu"
    assert cr.device("cuda:1").type == "cuda" and cr.device("cuda:1").index == 1
    with pytest.raises(ValueError, match="device: expected 'cpu', 'cuda' or 'cuda:N', got 'gpu'"):
        cr.device("gpu")
