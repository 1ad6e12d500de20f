"""nn layers honour their device= and dtype= constructor arguments, as PyTorch's factory_kwargs do.

Every chainrule.nn layer whose constructor takes `device` is found by introspection (a new layer is then
covered, or fails here until it has example arguments in LAYER_ARGS). For each: dtype=float64 gives the
dtypes PyTorch gives for the same call (floating parameters and buffers float64, integer buffers such as
num_batches_tracked int64), device="cpu" / cr.device("cpu") / None build on the CPU, and device="cuda"
raises the core's RuntimeError where no CUDA device is there.
"""
import inspect

import pytest

import chainrule as cr
from conftest import requires_torch, torch

# The smallest arguments that build each layer, the same for chainrule and torch.nn.
LAYER_ARGS = {
    "AdaptiveLogSoftmaxWithLoss": ((8, 10, [4]), {}),
    "BatchNorm1d": ((3,), {}),
    "BatchNorm2d": ((3,), {}),
    "BatchNorm3d": ((3,), {}),
    "Bilinear": ((2, 3, 4), {}),
    "Conv1d": ((2, 4, 3), {}),
    "Conv2d": ((2, 4, 3), {}),
    "Conv3d": ((2, 4, 3), {}),
    "ConvTranspose1d": ((2, 4, 3), {}),
    "ConvTranspose2d": ((2, 4, 3), {}),
    "ConvTranspose3d": ((2, 4, 3), {}),
    "Embedding": ((5, 3), {"padding_idx": 0}),
    "EmbeddingBag": ((5, 3), {}),
    "GRU": ((3, 4), {"num_layers": 2, "bidirectional": True}),
    "GRUCell": ((3, 4), {}),
    "GroupNorm": ((2, 4), {}),
    "InstanceNorm1d": ((3,), {"affine": True, "track_running_stats": True}),
    "InstanceNorm2d": ((3,), {"affine": True, "track_running_stats": True}),
    "InstanceNorm3d": ((3,), {"affine": True, "track_running_stats": True}),
    "LSTM": ((3, 4), {}),
    "LSTMCell": ((3, 4), {}),
    "LayerNorm": ((4,), {}),
    "LazyBatchNorm1d": ((), {}),
    "LazyBatchNorm2d": ((), {}),
    "LazyBatchNorm3d": ((), {}),
    "LazyConv1d": ((4, 3), {}),
    "LazyConv2d": ((4, 3), {}),
    "LazyConv3d": ((4, 3), {}),
    "LazyConvTranspose1d": ((4, 3), {}),
    "LazyConvTranspose2d": ((4, 3), {}),
    "LazyConvTranspose3d": ((4, 3), {}),
    "LazyInstanceNorm1d": ((), {}),
    "LazyInstanceNorm2d": ((), {}),
    "LazyInstanceNorm3d": ((), {}),
    "LazyLinear": ((4,), {}),
    "Linear": ((3, 4), {}),
    "MultiheadAttention": ((4, 2), {"add_bias_kv": True, "kdim": 3, "vdim": 5}),
    "PReLU": ((3,), {}),
    "RMSNorm": ((4,), {}),
    "RNN": ((3, 4), {}),
    "RNNBase": (("LSTM", 3, 4), {}),
    "RNNCell": ((3, 4), {}),
    "RNNCellBase": (("LSTM", 3, 4, True), {}),
    "SyncBatchNorm": ((3,), {}),
    "Transformer": ((), {"d_model": 4, "nhead": 2, "num_encoder_layers": 1, "num_decoder_layers": 1,
                         "dim_feedforward": 8}),
    "TransformerDecoderLayer": ((4, 2), {"dim_feedforward": 8}),
    "TransformerEncoderLayer": ((4, 2), {"dim_feedforward": 8}),
}
# torch.nn.RNNCellBase takes (input_size, hidden_size, bias, num_chunks) where chainrule's takes the mode
TORCH_ARGS = {"RNNCellBase": ((3, 4, True, 4), {})}
EXPECTED_LAYER_COUNT = 47


def _layers_taking_device():
    """The names of chainrule.nn's Module classes whose constructor has a `device` parameter."""
    return sorted(name for name, cls in vars(cr.nn).items()
                  if inspect.isclass(cls) and issubclass(cls, cr.nn.Module)
                  and "device" in inspect.signature(cls.__init__).parameters)


FACTORY_LAYERS = _layers_taking_device()


def _build(nn, name, **factory_kwargs):
    args, kwargs = (TORCH_ARGS if nn is not cr.nn else {}).get(name, LAYER_ARGS[name])
    return getattr(nn, name)(*args, **kwargs, **factory_kwargs)


def _tensors(module):
    """Every parameter and buffer of `module` by name (state_dict: parameters and persistent buffers)."""
    return module.state_dict()


def _dtype_names(module):
    return {name: str(t.dtype).rsplit(".", 1)[-1] for name, t in _tensors(module).items()}


def test_every_layer_taking_device_has_example_arguments():
    assert FACTORY_LAYERS == sorted(LAYER_ARGS)
    assert len(FACTORY_LAYERS) == EXPECTED_LAYER_COUNT


@requires_torch
@pytest.mark.parametrize("dtype", ["float64", "float32", None])
@pytest.mark.parametrize("name", FACTORY_LAYERS)
def test_dtype_gives_torchs_parameter_and_buffer_dtypes(name, dtype):
    ours = _build(cr.nn, name, dtype=dtype and getattr(cr, dtype))
    theirs = _build(torch.nn, name, dtype=dtype and getattr(torch, dtype))
    dtypes = _dtype_names(ours)
    assert dtypes == _dtype_names(theirs)
    floating = {d for d in dtypes.values() if d.startswith("float")}
    assert floating == {dtype or "float32"}


@pytest.fixture
def float64_by_default():
    """chainrule's and torch's default dtype float64 for one test, restored after it."""
    ours, theirs = cr.get_default_dtype(), torch.get_default_dtype()
    cr.set_default_dtype(cr.float64)
    torch.set_default_dtype(torch.float64)
    yield
    cr.set_default_dtype(ours)
    torch.set_default_dtype(theirs)


@requires_torch
@pytest.mark.parametrize("name", FACTORY_LAYERS)
def test_no_dtype_gives_the_default_dtype(name, float64_by_default):
    dtypes = _dtype_names(_build(cr.nn, name))
    assert dtypes == _dtype_names(_build(torch.nn, name))
    assert {d for d in dtypes.values() if d.startswith("float")} == {"float64"}


@pytest.mark.parametrize("device", ["cpu", cr.device("cpu"), None], ids=repr)
@pytest.mark.parametrize("name", FACTORY_LAYERS)
def test_device_cpu_builds_on_the_cpu(name, device):
    module = _build(cr.nn, name, device=device, dtype=cr.float64)
    assert _tensors(module)
    for tensor_name, tensor in _tensors(module).items():
        assert tensor.device == cr.device("cpu"), tensor_name


@pytest.mark.skipif(cr.cuda.is_available(), reason="a CUDA device is here, so device='cuda' is not an error")
@pytest.mark.parametrize("name", FACTORY_LAYERS)
def test_device_cuda_raises_the_cores_error(name):
    with pytest.raises(RuntimeError, match="cuda"):
        _build(cr.nn, name, device="cuda")


@requires_torch
@pytest.mark.parametrize("name, input_shape", [("LazyLinear", (2, 3)), ("LazyBatchNorm1d", (2, 3)),
                                               ("LazyConv1d", (2, 3, 5))])
def test_lazy_layer_materializes_with_its_dtype_and_device(name, input_shape):
    ours = _build(cr.nn, name, device="cpu", dtype=cr.float64)
    theirs = _build(torch.nn, name, device="cpu", dtype=torch.float64)
    ours(cr.zeros(*input_shape, dtype=cr.float64))
    theirs(torch.zeros(*input_shape, dtype=torch.float64))
    assert _dtype_names(ours) == _dtype_names(theirs)
    assert {tuple(t.shape) for t in _tensors(ours).values()} == {tuple(t.shape) for t in _tensors(theirs).values()}
    assert all(t.device == cr.device("cpu") for t in _tensors(ours).values())
