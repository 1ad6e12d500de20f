"""The meta device as PyTorch programs use it: tensors with shapes, strides and dtypes but no memory,
for deferred initialization (`with torch.device("meta"): model = Big()`, then `to_empty` or
`load_state_dict(..., assign=True)`), `Module.to("meta")` (the ensembling tutorial's base model),
and skip_init. Factories, views, conversions, in-place fills and nn.init work on them and store
nothing; every op that needs values is a clear exception, never a read of memory that is not there.
Each behaviour is checked against PyTorch's where it prints or raises something."""
import copy
import warnings

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from conftest import assert_same_error, requires_torch, torch


def test_factories_on_meta_have_shapes_dtypes_and_strides_but_no_memory():
    x = cr.empty(2, 3, device="meta")
    assert (x.device, x.is_meta, x.is_cpu, x.is_cuda) == (cr.device("meta"), True, False, False)
    assert (tuple(x.shape), x.stride(), x.dtype, x.data_ptr()) == ((2, 3), (3, 1), cr.float32, 0)
    assert (x.numel(), x.element_size(), x.nbytes) == (6, 4, 24)
    for made in (cr.zeros(4, device="meta", dtype=cr.int64), cr.ones(2, 2, device="meta"), cr.full((3,), 2.0, device="meta"),
                 cr.rand(5, device="meta"), cr.randn(5, device="meta"), cr.randint(0, 9, (4,), device="meta"),
                 cr.arange(7, device="meta"), cr.linspace(0, 1, 5, device="meta"), cr.eye(3, device="meta"),
                 cr.randperm(6, device="meta"), cr.tensor([1.0, 2.0], device="meta")):
        assert made.is_meta
    assert cr.arange(7, device="meta").shape == (7,) and cr.eye(2, 3, device="meta").shape == (2, 3)
    # a huge meta tensor allocates nothing
    assert cr.randn(1 << 20, 1 << 20, device="meta").shape == (1 << 20, 1 << 20)


def test_a_device_block_puts_factories_and_layers_on_meta():
    with cr.device("meta"):
        model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
        t = cr.zeros(2)
    assert t.is_meta and cr.zeros(2).is_cpu
    assert all(p.is_meta for p in model.parameters()) and all(b.is_meta for b in model.buffers())
    assert isinstance(model[0].weight, nn.Parameter) and model[0].weight.requires_grad
    assert model[1].num_batches_tracked.dtype == cr.int64


def test_views_conversions_and_likes_of_meta_tensors_stay_on_meta():
    x = cr.empty(2, 3, device="meta")
    y = x.t()
    assert (tuple(y.shape), y.stride(), y.is_meta) == ((3, 2), (1, 3), True)
    assert x.view(3, 2).unsqueeze(0).expand(5, 3, 2).shape == (5, 3, 2)
    assert x[1].shape == (3,) and x[:, 1:].shape == (2, 2) and x.reshape(-1).shape == (6,)
    assert [c.shape for c in x.chunk(3, dim=1)] == [(2, 1)] * 3
    for converted in (x.detach(), x.data, x.float(), x.double(), x.to(cr.float16), x.clone(), copy.deepcopy(x),
                      cr.empty_like(x), cr.zeros_like(x), cr.ones_like(x), cr.rand_like(x), cr.full_like(x, 3.0),
                      x.new_empty(2), x.new_zeros(2, 2), cr.ones(2, 3).to("meta")):
        assert converted.is_meta
    assert x.to(cr.float64).dtype == cr.float64
    assert cr.zeros_like(x, device="cpu").is_cpu


def test_in_place_fills_and_nn_init_leave_meta_tensors_as_they_are():
    w = cr.empty(4, 3, device="meta")
    w.uniform_(); w.normal_(); w.fill_(1.0); w.zero_(); w.copy_(cr.ones(4, 3))
    for init in (nn.init.kaiming_uniform_, nn.init.kaiming_normal_, nn.init.xavier_uniform_, nn.init.xavier_normal_,
                 nn.init.trunc_normal_, nn.init.orthogonal_, nn.init.eye_, nn.init.zeros_, nn.init.ones_):
        assert init(w) is w
    assert nn.init.constant_(w, 0.5) is w and nn.init.sparse_(w, 0.5) is w
    assert nn.init.dirac_(cr.empty(2, 2, 3, 3, device="meta")).is_meta


def test_module_to_meta_then_to_empty_gives_uninitialized_memory_of_the_same_shapes():
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2))
    model.to("meta")
    assert all(t.is_meta for t in model.state_dict().values())
    model.to_empty(device="cpu")
    state = model.state_dict()
    assert all(t.is_cpu for t in state.values())
    assert state["0.weight"].shape == (2, 1, 3, 3) and isinstance(model[0].weight, nn.Parameter)
    model(cr.randn(1, 1, 5, 5))  # runs once its memory exists


def test_load_state_dict_assigns_real_tensors_into_a_meta_model():
    with cr.device("meta"):
        model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    source = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    model.load_state_dict(source.state_dict(), assign=True)
    assert all(t.is_cpu for t in model.state_dict().values())
    assert type(model[0].weight) is nn.Parameter and model[0].weight.requires_grad
    x = cr.randn(5, 3)
    model.eval(), source.eval()
    np.testing.assert_array_equal(model(x).detach().numpy(), source(x).detach().numpy())


def test_copying_a_checkpoint_into_meta_parameters_warns_that_it_does_nothing():
    model = nn.Linear(2, 2, device="meta")
    with pytest.warns(UserWarning, match="copying from a non-meta parameter in the checkpoint to a meta parameter"):
        model.load_state_dict(nn.Linear(2, 2).state_dict())
    assert model.weight.is_meta


def test_skip_init_builds_on_meta_and_allocates_on_the_device():
    layer = nn.utils.skip_init(nn.Linear, 5, 3)
    assert layer.weight.is_cpu and layer.weight.shape == (3, 5) and isinstance(layer.weight, nn.Parameter)
    assert nn.utils.skip_init(nn.Linear, 5, 3, device="meta").weight.is_meta


def test_functional_call_runs_a_meta_module_on_real_parameters():
    """The model-ensembling tutorial: a meta copy of the model gives the structure, the stacked
    real parameters the values."""
    from chainrule.func import functional_call, stack_module_state, vmap
    models = [nn.Linear(3, 2) for _ in range(4)]
    params, buffers = stack_module_state(models)
    base = copy.deepcopy(models[0]).to("meta")
    x = cr.randn(6, 3)
    out = vmap(lambda p, b: functional_call(base, (p, b), (x,)))(params, buffers)
    for i, m in enumerate(models):
        np.testing.assert_allclose(out[i].detach().numpy(), m(x).detach().numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("compute", [
    lambda x: x + 1, lambda x: x.sum(), lambda x: x.exp(), lambda x: x @ x.t(), lambda x: x.mul_(2),
    lambda x: nn.functional.relu(x), lambda x: nn.Linear(3, 2, device="meta")(x), lambda x: cr.cat([x, x]),
    lambda x: x.erfinv_(), lambda x: x.softmax(-1), lambda x: x[cr.tensor([0], device="meta")],
])
def test_ops_that_need_values_raise_not_implemented_on_meta_tensors(compute):
    with pytest.raises(NotImplementedError, match="meta"):
        compute(cr.empty(2, 3, device="meta"))


def test_mixing_meta_and_cpu_tensors_is_a_runtime_error_naming_both_devices():
    with pytest.raises(RuntimeError, match="meta and cpu"):
        cr.empty(2, 3, device="meta") + cr.ones(2, 3)


@requires_torch
@pytest.mark.parametrize("make", [
    lambda lib: lib.empty(2, 3, device="meta"),
    lambda lib: lib.zeros(4, device="meta", dtype=lib.int64),
    lambda lib: lib.empty((), device="meta"),
    lambda lib: lib.empty(2, device="meta", requires_grad=True),
    lambda lib: lib.nn.Linear(3, 4, device="meta").weight,
    lambda lib: lib.nn.Linear(3, 4, device="meta").bias.double(),
])
def test_meta_tensors_print_as_pytorchs(make):
    assert repr(make(cr)).replace("chainrule", "torch") == repr(make(torch))
    assert str(make(cr)).replace("chainrule", "torch") == str(make(torch))


@requires_torch
def test_meta_devices_print_and_compare_as_pytorchs():
    assert (repr(cr.device("meta")), str(cr.device("meta")), cr.device("meta").type, cr.device("meta").index) == (
        repr(torch.device("meta")), str(torch.device("meta")), "meta", None)
    assert cr.device("meta") != cr.device("cpu")


@requires_torch
@pytest.mark.parametrize("read", [
    lambda lib, x: x.to("cpu"), lambda lib, x: x.cpu(), lambda lib, x: x.tolist(),
    lambda lib, x: lib.ones(2, 3).copy_(x), lambda lib, x: x.numpy(), lambda lib, x: x[0, 0].item(),
    lambda lib, x: lib.nn.Linear(3, 2, device="meta").to("cpu"),
])
def test_reading_values_out_of_meta_tensors_fails_as_pytorchs(read):
    assert_same_error(lambda: read(cr, cr.empty(2, 3, device="meta")), lambda: read(torch, torch.empty(2, 3, device="meta")),
                      prefix=25, renamed=True)


@requires_torch
def test_a_tensor_with_memory_and_a_meta_tensor_do_not_trade_data_as_in_pytorch():
    def assign(lib):
        p = lib.nn.Parameter(lib.ones(2))
        p.data = lib.empty(2, device="meta")
    assert_same_error(lambda: assign(cr), lambda: assign(torch))
