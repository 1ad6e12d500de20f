"""CPU autocast against PyTorch's: which ops cast (the dtype each op returns inside a region), the
values and gradients of a small conv net trained through a region, gradients computed inside a
region, the cache of cast weights, the region's state, and torch.cpu's spellings."""
import warnings

import numpy as np
import pytest

import chainrule as cr
from conftest import requires_torch, torch

pytestmark = requires_torch


def _f32(lib, *shape, seed=0, low=None):
    values = np.random.default_rng(seed + len(shape)).standard_normal(shape).astype(np.float32)
    return lib.tensor(np.abs(values) % 1 if low == "unit" else values)


def _bf16(lib, *shape, **kw):
    return _f32(lib, *shape, **kw).bfloat16()


def _idx(lib, *values):
    return lib.tensor(list(values))


# Each case builds its inputs with the library it is given; float32 inputs show whether an op casts
# down, bfloat16 inputs whether it casts up to float32.
CASES = {
    # lower precision: matrix products and convolutions
    "linear": lambda t, F: F.linear(_f32(t, 2, 3), _f32(t, 4, 3), _f32(t, 4)),
    "matmul": lambda t, F: _f32(t, 2, 3) @ _f32(t, 3, 4),
    "matmul_float64": lambda t, F: _f32(t, 2, 3).double() @ _f32(t, 3, 4).double(),
    "mm": lambda t, F: t.mm(_f32(t, 2, 3), _f32(t, 3, 4)),
    "bmm": lambda t, F: t.bmm(_f32(t, 2, 2, 3), _f32(t, 2, 3, 4)),
    "addmm": lambda t, F: t.addmm(_f32(t, 4), _f32(t, 2, 3), _f32(t, 3, 4)),
    "baddbmm": lambda t, F: t.baddbmm(_f32(t, 2, 2, 4), _f32(t, 2, 2, 3), _f32(t, 2, 3, 4)),
    "addbmm": lambda t, F: t.addbmm(_f32(t, 2, 4), _f32(t, 3, 2, 3), _f32(t, 3, 3, 4)),
    "einsum": lambda t, F: t.einsum("ij,jk->ik", _f32(t, 2, 3), _f32(t, 3, 4)),
    "tensordot": lambda t, F: t.tensordot(_f32(t, 2, 3), _f32(t, 3, 4), 1),
    "multi_dot": lambda t, F: t.linalg.multi_dot([_f32(t, 2, 3), _f32(t, 3, 4), _f32(t, 4, 2)]),
    "vecdot": lambda t, F: t.linalg.vecdot(_f32(t, 2, 3), _f32(t, 2, 3)),
    "conv1d": lambda t, F: F.conv1d(_f32(t, 2, 3, 8), _f32(t, 4, 3, 3)),
    "conv2d": lambda t, F: F.conv2d(_f32(t, 2, 3, 8, 8), _f32(t, 4, 3, 3, 3)),
    "conv3d": lambda t, F: F.conv3d(_f32(t, 1, 2, 4, 4, 4), _f32(t, 3, 2, 2, 2, 2)),
    "conv_transpose1d": lambda t, F: F.conv_transpose1d(_f32(t, 2, 3, 8), _f32(t, 3, 4, 3)),
    "conv_transpose2d": lambda t, F: F.conv_transpose2d(_f32(t, 2, 3, 8, 8), _f32(t, 3, 4, 3, 3)),
    "prelu": lambda t, F: F.prelu(_f32(t, 2, 3, 4, 4), _f32(t, 1)),
    "sdpa": lambda t, F: F.scaled_dot_product_attention(_f32(t, 2, 2, 4, 8), _f32(t, 2, 2, 4, 8, seed=1),
                                                        _f32(t, 2, 2, 4, 8, seed=2)),
    "linear_of_float16": lambda t, F: F.linear(_f32(t, 2, 3).half(), _f32(t, 4, 3)),
    "multihead_attention": lambda t, F: t.nn.MultiheadAttention(8, 2, batch_first=True)(
        _f32(t, 2, 4, 8), _f32(t, 2, 4, 8), _f32(t, 2, 4, 8))[0],
    "transformer_encoder_layer": lambda t, F: t.nn.TransformerEncoderLayer(8, 2, 16, batch_first=True)(
        _f32(t, 2, 4, 8)),
    # not listed: these run in their inputs' dtype
    "mv": lambda t, F: t.mv(_f32(t, 2, 3), _f32(t, 3)),
    "dot": lambda t, F: t.dot(_f32(t, 3), _f32(t, 3)),
    "outer": lambda t, F: t.outer(_f32(t, 2), _f32(t, 3)),
    "addmv": lambda t, F: t.addmv(_f32(t, 2), _f32(t, 2, 3), _f32(t, 3)),
    "bilinear": lambda t, F: F.bilinear(_f32(t, 2, 3), _f32(t, 2, 4), _f32(t, 5, 3, 4)),
    "cosine_similarity": lambda t, F: F.cosine_similarity(_f32(t, 2, 3), _f32(t, 2, 3, seed=1)),
    "softmax": lambda t, F: F.softmax(_bf16(t, 2, 3), -1),
    "log_softmax": lambda t, F: F.log_softmax(_bf16(t, 2, 3), -1),
    "layer_norm": lambda t, F: F.layer_norm(_bf16(t, 2, 3), (3,)),
    "group_norm": lambda t, F: F.group_norm(_bf16(t, 2, 4, 3), 2),
    "max_pool2d": lambda t, F: F.max_pool2d(_bf16(t, 1, 1, 4, 4), 2),
    "sum": lambda t, F: _bf16(t, 3).sum(),
    "exp": lambda t, F: _bf16(t, 3).exp(),
    "gaussian_nll_loss": lambda t, F: F.gaussian_nll_loss(_bf16(t, 2, 3), _bf16(t, 2, 3, seed=1),
                                                          _bf16(t, 2, 3, low="unit") + 0.5),
    "circular_pad": lambda t, F: F.pad(_bf16(t, 1, 2, 4, 4), (1, 1, 1, 1), mode="circular"),
    "reflect_pad3d": lambda t, F: F.pad(_bf16(t, 1, 2, 4, 4, 4), (1,) * 6, mode="reflect"),
    "embedding": lambda t, F: F.embedding(_idx(t, 0, 1), _f32(t, 3, 4)),
    "cat_mixed": lambda t, F: t.cat([_f32(t, 2), _bf16(t, 2)]),
    "gru": lambda t, F: t.nn.GRU(3, 4)(_f32(t, 5, 2, 3))[0],
    "lstm_cell": lambda t, F: t.nn.LSTMCell(3, 4)(_f32(t, 2, 3))[0],
    "gru_cell": lambda t, F: t.nn.GRUCell(3, 4)(_f32(t, 2, 3)),
    # float32: losses and the like
    "mse_loss": lambda t, F: F.mse_loss(_bf16(t, 2, 3), _bf16(t, 2, 3, seed=1)),
    "l1_loss": lambda t, F: F.l1_loss(_bf16(t, 2, 3), _bf16(t, 2, 3, seed=1)),
    "smooth_l1_loss": lambda t, F: F.smooth_l1_loss(_bf16(t, 2, 3), _bf16(t, 2, 3, seed=1)),
    "huber_loss": lambda t, F: F.huber_loss(_bf16(t, 2, 3), _bf16(t, 2, 3, seed=1)),
    "cross_entropy": lambda t, F: F.cross_entropy(_bf16(t, 2, 3), _idx(t, 0, 2)),
    "nll_loss": lambda t, F: F.nll_loss(_bf16(t, 2, 3), _idx(t, 0, 2)),
    "binary_cross_entropy": lambda t, F: F.binary_cross_entropy(_bf16(t, 2, 3, low="unit"), _bf16(t, 2, 3, low="unit")),
    "binary_cross_entropy_with_logits": lambda t, F: F.binary_cross_entropy_with_logits(_bf16(t, 2, 3),
                                                                                         _bf16(t, 2, 3, low="unit")),
    "kl_div": lambda t, F: F.kl_div(_bf16(t, 2, 3), _bf16(t, 2, 3, low="unit"), reduction="batchmean"),
    "soft_margin_loss": lambda t, F: F.soft_margin_loss(_bf16(t, 2, 3), _bf16(t, 2, 3, seed=1)),
    "multi_margin_loss": lambda t, F: F.multi_margin_loss(_bf16(t, 2, 3), _idx(t, 0, 2)),
    "multilabel_margin_loss": lambda t, F: F.multilabel_margin_loss(_bf16(t, 2, 3), t.tensor([[0, 1, -1], [2, -1, 0]])),
    "margin_ranking_loss": lambda t, F: F.margin_ranking_loss(_bf16(t, 3), _bf16(t, 3, seed=1), _bf16(t, 3).sign()),
    "hinge_embedding_loss": lambda t, F: F.hinge_embedding_loss(_bf16(t, 3), _bf16(t, 3).sign()),
    "cosine_embedding_loss": lambda t, F: F.cosine_embedding_loss(_bf16(t, 2, 3), _bf16(t, 2, 3, seed=1),
                                                                  t.tensor([1.0, -1.0])),
    "triplet_margin_loss": lambda t, F: F.triplet_margin_loss(_bf16(t, 2, 3), _bf16(t, 2, 3, seed=1),
                                                              _bf16(t, 2, 3, seed=2)),
    "poisson_nll_loss": lambda t, F: F.poisson_nll_loss(_bf16(t, 2, 3), _bf16(t, 2, 3, low="unit")),
    "ctc_loss": lambda t, F: F.ctc_loss(_f32(t, 5, 2, 4).log_softmax(2).bfloat16(), t.tensor([[1, 2], [1, 1]]),
                                        t.tensor([5, 5]), t.tensor([2, 2])),
    "prod": lambda t, F: _bf16(t, 2, 3).prod(),
    "prod_dim": lambda t, F: _bf16(t, 2, 3).prod(1),
    "cdist": lambda t, F: t.cdist(_bf16(t, 2, 3), _bf16(t, 4, 3)),
    "trace": lambda t, F: t.trace(_bf16(t, 3, 3)),
    "quantile": lambda t, F: t.quantile(_f32(t, 5), 0.5),
    "max_pool3d": lambda t, F: F.max_pool3d(_bf16(t, 1, 1, 4, 4, 4), 2),
    "avg_pool3d": lambda t, F: F.avg_pool3d(_bf16(t, 1, 1, 4, 4, 4), 2),
    "adaptive_avg_pool3d": lambda t, F: F.adaptive_avg_pool3d(_bf16(t, 1, 1, 4, 4, 4), 2),
    "reflect_pad1d": lambda t, F: F.pad(_bf16(t, 1, 2, 4), (1, 1), mode="reflect"),
    "reflect_pad2d": lambda t, F: F.pad(_bf16(t, 1, 2, 4, 4), (1, 1, 1, 1), mode="reflect"),
    "replicate_pad1d": lambda t, F: F.pad(_bf16(t, 1, 2, 4), (1, 1), mode="replicate"),
    "replicate_pad2d": lambda t, F: F.pad(_bf16(t, 1, 2, 4, 4), (1, 1, 1, 1), mode="replicate"),
    "replicate_pad3d": lambda t, F: F.pad(_bf16(t, 1, 2, 4, 4, 4), (1,) * 6, mode="replicate"),
    "grid_sample": lambda t, F: F.grid_sample(_bf16(t, 1, 1, 4, 4), _bf16(t, 1, 2, 2, 2).tanh(), align_corners=False),
    "inverse": lambda t, F: t.inverse(_bf16(t, 3, 3) + 3 * t.eye(3, dtype=t.bfloat16)),
    # promote
    "index_copy": lambda t, F: _bf16(t, 3).index_copy(0, _idx(t, 0), _f32(t, 1)),
}


# (PyTorch refuses to promote a bfloat16 operand inside a float16 region: "Unexpected floating ScalarType")
@pytest.mark.parametrize("case, region_dtype", [(case, dtype) for case in sorted(CASES) for dtype in ("bfloat16", "float16")
                                                if (case, dtype) != ("index_copy", "float16")])
def test_each_op_returns_pytorchs_dtype_inside_a_cpu_region(case, region_dtype):
    def dtype_in_region(lib):
        with lib.autocast("cpu", dtype=getattr(lib, region_dtype)):
            return str(CASES[case](lib, lib.nn.functional).dtype).split(".")[1]

    assert dtype_in_region(cr) == dtype_in_region(torch)


def _train_step(lib, region_dtype, backward_in_region, enabled=True):
    """One step of a conv + MLP classifier run in a region: output and loss dtypes, loss, gradients."""
    nn, F = lib.nn, lib.nn.functional
    rng = np.random.default_rng(0)
    layers = [nn.Conv2d(3, 8, 3, padding=1), nn.Linear(8 * 8 * 8, 32), nn.Linear(32, 10)]
    params = [p for layer in layers for p in layer.parameters()]
    with lib.no_grad():
        for p in params:
            p.copy_(lib.tensor(rng.standard_normal(tuple(p.shape)).astype(np.float32) * 0.1))
    x = lib.tensor(rng.standard_normal((4, 3, 8, 8)).astype(np.float32))
    target = lib.tensor(rng.integers(0, 10, 4))
    with lib.autocast("cpu", dtype=getattr(lib, region_dtype), enabled=enabled):
        hidden = F.relu(layers[1](F.relu(layers[0](x)).flatten(1)))
        out = layers[2](hidden)
        loss = F.cross_entropy(out, target)
        if backward_in_region:
            loss.backward()
    if not backward_in_region:
        loss.backward()
    names = [str(out.dtype), str(loss.dtype)] + [str(p.grad.dtype) for p in params]
    return [n.split(".")[1] for n in names], loss.item(), [p.grad.double().numpy() for p in params]


@pytest.mark.parametrize("backward_in_region", [False, True])
@pytest.mark.parametrize("region_dtype", ["bfloat16", "float16"])
def test_a_training_step_in_a_region_matches_pytorchs(region_dtype, backward_in_region):
    ours, theirs = _train_step(cr, region_dtype, backward_in_region), _train_step(torch, region_dtype, backward_in_region)
    assert ours[0] == theirs[0] == [region_dtype, "float32"] + ["float32"] * 6
    assert ours[1] == pytest.approx(theirs[1], rel=1e-6)
    ulp = 2.0 ** (-8 if region_dtype == "bfloat16" else -11)
    for got, want in zip(ours[2], theirs[2]):  # products rounded to the region's dtype: within one of its ulps
        np.testing.assert_allclose(got, want, rtol=ulp, atol=ulp * np.abs(want).max())
    full = _train_step(cr, region_dtype, backward_in_region, enabled=False)  # the region did round
    assert full[0][0] == "float32" and abs(full[1] - ours[1]) > 1e-6


def test_gradients_computed_inside_a_region_are_cast_as_pytorchs():
    """backward() inside a region runs the backward's products in the region's dtype, as PyTorch's
    does; the float32 input still gets a float32 gradient."""
    def grads(lib):
        rng = np.random.default_rng(0)
        a = lib.tensor(rng.standard_normal((8, 8)).astype(np.float32), requires_grad=True)
        b = lib.tensor(rng.standard_normal((8, 8)).astype(np.float32))
        y = (a @ b).sum()
        with lib.autocast("cpu"):
            y.backward()
        return a.grad.dtype, a.grad.numpy()

    (our_dtype, ours), (their_dtype, theirs) = grads(cr), grads(torch)
    assert str(our_dtype) == "chainrule.float32" and str(their_dtype) == "torch.float32"
    np.testing.assert_array_equal(ours, theirs)


def test_a_weight_used_twice_in_a_region_is_cast_once():
    lin = cr.nn.Linear(3, 3)
    x = cr.randn(2, 3)
    with cr.autocast("cpu"):
        first, second = lin(x), lin(x)
        cast_node = first.grad_fn.next_functions[1][0]
        assert cast_node.name() == "ToCopyBackward0" and second.grad_fn.next_functions[1][0] is cast_node
        with cr.no_grad():  # casts under no_grad are not cached (they carry no graph)
            assert lin(x).grad_fn is None
        assert lin(x).grad_fn.next_functions[1][0] is cast_node
    with cr.autocast("cpu"):  # the cache lasts for the outermost region
        assert lin(x).grad_fn.next_functions[1][0] is not cast_node
    with cr.autocast("cpu", cache_enabled=False):
        assert lin(x).grad_fn.next_functions[1][0] is not lin(x).grad_fn.next_functions[1][0]
    (first.sum() + second.sum()).backward()
    expected = 2 * x.bfloat16().float().sum(0).bfloat16().float()
    np.testing.assert_allclose(lin.weight.grad.numpy(), expected.expand(3, 3).numpy(), rtol=1e-2)


def test_the_regions_state_nests_and_answers_as_pytorchs():
    assert cr.get_autocast_dtype("cpu") == cr.bfloat16 and not cr.is_autocast_enabled("cpu")
    with cr.autocast("cpu", dtype=cr.float16):
        assert cr.is_autocast_enabled("cpu") and not cr.is_autocast_enabled()
        assert cr.get_autocast_dtype("cpu") == cr.float16
        assert (cr.ones(2, 2) @ cr.ones(2, 2)).dtype == cr.float16
        with cr.autocast("cpu", enabled=False):
            assert not cr.is_autocast_enabled("cpu") and (cr.ones(2, 2) @ cr.ones(2, 2)).dtype == cr.float32
        with cr.autocast("cpu"):  # an inner region without dtype keeps the outer one's
            assert (cr.ones(2, 2) @ cr.ones(2, 2)).dtype == cr.float16
    assert cr.get_autocast_dtype("cpu") == cr.bfloat16 and not cr.is_autocast_enabled("cpu")

    @cr.autocast("cpu")
    def inside():
        return (cr.ones(2, 2) @ cr.ones(2, 2)).dtype

    assert inside() == cr.bfloat16 and not cr.is_autocast_enabled("cpu")
    with pytest.raises(RuntimeError, match="unsupported autocast device_type 'tpu'"):
        cr.autocast("tpu")
    assert cr.amp.is_autocast_available("cpu") and not cr.amp.is_autocast_available("tpu")


def _warnings_of(lib, action):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = action(lib)
    return result, [(w.category.__name__, str(w.message).replace("torch.", "chainrule.")) for w in caught]


def test_a_float32_region_is_disabled_with_pytorchs_warning():
    def float32_region(lib):
        with lib.autocast("cpu", dtype=lib.float32):
            return lib.is_autocast_enabled("cpu")

    ours, theirs = _warnings_of(cr, float32_region), _warnings_of(torch, float32_region)
    assert ours == theirs and ours[0] is False and len(ours[1]) == 1


def test_the_deprecated_spellings_warn_as_pytorchs():
    def deprecated(lib):
        with lib.cpu.amp.autocast():
            on = lib.is_autocast_cpu_enabled(), str(lib.get_autocast_cpu_dtype())
        lib.cpu.amp.GradScaler()
        return on[0], on[1].split(".")[1]

    ours, theirs = _warnings_of(cr, deprecated), _warnings_of(torch, deprecated)
    assert ours[0] == theirs[0] == (True, "bfloat16")
    assert [c for c, _ in ours[1]] == [c for c, _ in theirs[1]]
    assert [m for _, m in ours[1] if "amp" in m] == [m for _, m in theirs[1] if "amp" in m]


def test_torch_cpu_answers_device_agnostic_code_as_pytorchs():
    for lib in (cr, torch):
        module = getattr(lib, "cpu")
        assert (module.is_available(), module.device_count(), module.current_device()) == (True, 1, "cpu")
        module.synchronize()
        stream = module.Stream()
        with module.stream(stream):
            assert module.current_stream() is stream
        assert module.current_stream() is not stream and module.Event().query()


def test_index_copy_wants_one_dtype_outside_regions():
    def mixed(lib):
        return lib.zeros(3, dtype=lib.bfloat16).index_copy(0, lib.tensor([0]), lib.ones(1))

    from conftest import assert_same_error
    assert_same_error(lambda: mixed(cr), lambda: mixed(torch))
