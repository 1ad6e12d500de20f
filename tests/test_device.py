"""Devices as a PyTorch program meets them: where tensors and layers are made, how a request for
a device that cannot be used fails (one RuntimeError from the core, whoever asks: factories,
Tensor.to, Module.to, nn constructors, chainrule.cuda), and that results stay beside their inputs.
On a machine with a GPU the `device` fixture runs the placement tests on CUDA too."""
import pickle

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


DEVICE_SPELLINGS = ["cpu", "cpu:0", "cuda", "cuda:1", ("cuda", 2), ("cpu", 0), 0, 3]


def _args(spelling, for_torch=False):
    """The constructor arguments of a spelling; a bare int means CUDA device n (PyTorch's CPU build
    refuses torch.device(n) since it has no accelerator, so its oracle is told the type)."""
    if isinstance(spelling, int):
        return ("cuda", spelling) if for_torch else (spelling,)
    return spelling if isinstance(spelling, tuple) else (spelling,)


@pytest.mark.parametrize("spelling", DEVICE_SPELLINGS)
def test_device_objects_print_compare_and_index_as_pytorchs(spelling):
    torch = pytest.importorskip("torch", reason="PyTorch is the oracle of device spellings")
    ours, theirs = cr.device(*_args(spelling)), torch.device(*_args(spelling, for_torch=True))
    assert (repr(ours), str(ours), ours.type, ours.index) == (repr(theirs), str(theirs), theirs.type, theirs.index)
    assert cr.device(ours) == ours and cr.device(str(ours)) == ours
    for other in DEVICE_SPELLINGS:
        assert (ours == cr.device(*_args(other))) == (theirs == torch.device(*_args(other, for_torch=True))), other
    assert (ours == str(ours)) == (theirs == str(theirs))  # a device never equals a string
    assert pickle.loads(pickle.dumps(ours)) == ours


@pytest.mark.parametrize("bad", ["gpu", "cuda:x", "cuda:-1", "cuda:", "CPU"])
def test_bad_device_strings_raise_runtime_error_as_pytorch(bad):
    with pytest.raises(RuntimeError, match="device string"):
        cr.device(bad)
    with pytest.raises(RuntimeError, match="Device index must not be negative"):
        cr.device("cuda", -1)


def test_tensors_record_a_resolved_device():
    """A CPU tensor's device has no index whatever the spelling, as in PyTorch."""
    for spelling in ["cpu", "cpu:0", cr.device("cpu", 0)]:
        assert repr(cr.zeros(1, device=spelling).device) == "device(type='cpu')"


def test_default_device_is_the_cpu_and_can_be_set_and_scoped():
    assert cr.get_default_device() == cr.device("cpu")
    cr.set_default_device("cpu:0")
    try:
        assert cr.zeros(1).device == cr.device("cpu")
    finally:
        cr.set_default_device(None)
    with cr.device("cpu") as d:
        assert d == cr.device("cpu") and cr.nn.Linear(2, 2).weight.device == d
    assert cr.get_default_device() == cr.device("cpu")


def test_an_unavailable_default_device_is_refused_and_the_old_one_kept():
    with pytest.raises(RuntimeError, match="set_default_device: device 'cuda:0' is not available"):
        cr.set_default_device("cuda")
    with pytest.raises(RuntimeError, match="is not available"):
        with cr.device("cuda"):
            pass
    assert cr.get_default_device() == cr.device("cpu") and cr.zeros(1).device == cr.device("cpu")


def test_an_int_names_a_cuda_device_as_in_pytorch():
    with pytest.raises(RuntimeError, match="device 'cuda:0' is not available"):
        cr.ones(2).to(0)


def test_tensor_cuda_takes_pytorchs_arguments():
    t = cr.ones(2)
    for call in (lambda: t.cuda(), lambda: t.cuda(0), lambda: t.cuda("cuda:0", non_blocking=True),
                 lambda: nn.Linear(2, 2).cuda(0)):
        if UNAVAILABLE_CUDA:
            with pytest.raises(RuntimeError, match="device 'cuda:0' is not available"):
                call()
        else:
            call()
    with pytest.raises(RuntimeError, match="Invalid device, must be cuda device"):
        t.cuda("cpu")
    assert t.cpu(memory_format=cr.contiguous_format) is t
