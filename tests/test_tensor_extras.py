"""Functions and Tensor methods PyTorch programs use, composed in chainrule/_functions: nan/inf tests,
isclose/allclose/equal, nan_to_num, count_nonzero, broadcasting helpers, meshgrid, axis aliases,
clone/numel, default dtype, finfo/iinfo, missing-dtype casts, random draws (and chainrule.random) and
compile (and chainrule.compiler)."""
import warnings

import numpy as np
import pytest

import chainrule as cr
from conftest import assert_close, check_op, requires_torch, torch

SPECIAL = [1.0, float("nan"), float("inf"), -float("inf"), 0.0, -2.5]


@requires_torch
@pytest.mark.parametrize("name", ["isnan", "isinf", "isfinite", "isposinf", "isneginf"])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool"])
def test_value_tests_match_pytorch(name, dtype):
    values = SPECIAL if dtype.startswith("float") else [0, 1, 1, 0]
    ours = cr.tensor(values).to(getattr(cr, dtype))
    theirs = torch.tensor(values).to(getattr(torch, dtype))
    got, want = getattr(cr, name)(ours), getattr(torch, name)(theirs)
    assert got.dtype == cr.bool and got.tolist() == want.tolist()
    assert getattr(ours, name)().tolist() == want.tolist()


@requires_torch
@pytest.mark.parametrize("equal_nan", [False, True])
def test_isclose_allclose_equal(equal_nan):
    a = [1.0, 1.0 + 1e-9, 2.0, float("inf"), float("nan"), 0.0]
    b = [1.0, 1.0, 2.1, float("inf"), float("nan"), 1e-9]
    got = cr.isclose(cr.tensor(a), cr.tensor(b), equal_nan=equal_nan)
    assert got.tolist() == torch.isclose(torch.tensor(a), torch.tensor(b), equal_nan=equal_nan).tolist()
    assert cr.tensor(a).isclose(cr.tensor(b), rtol=0.1, atol=0).tolist() == \
        torch.isclose(torch.tensor(a), torch.tensor(b), rtol=0.1, atol=0).tolist()
    assert cr.allclose(cr.tensor([1.0, 2.0]), cr.tensor([1.0, 2.0 + 1e-7])) is True
    assert cr.allclose(cr.tensor([1.0]), cr.tensor([1.0, 2.0])) is False  # broadcasts, as in PyTorch
    assert cr.isclose(cr.tensor([1, 2]), cr.tensor([1, 3])).tolist() == [True, False]
    with pytest.raises(RuntimeError, match="did not match"):
        cr.isclose(cr.tensor([1, 2]), cr.tensor([1.0, 2.0]))
    assert cr.equal(cr.tensor([1, 2]), cr.tensor([1.0, 2.0])) is True
    assert cr.equal(cr.ones(2), cr.ones(3)) is False and cr.ones(2).equal(cr.zeros(2)) is False


@requires_torch
def test_nan_to_num_values_gradient_and_in_place():
    for dtype, tdtype in ((cr.float32, torch.float32), (cr.float64, torch.float64)):
        x = cr.tensor(SPECIAL, dtype=dtype)
        assert_close(cr.nan_to_num(x), torch.nan_to_num(torch.tensor(SPECIAL, dtype=tdtype)).numpy(), rtol=0)
        assert_close(x.nan_to_num(nan=1.5, posinf=9.0, neginf=-9.0),
                     torch.tensor(SPECIAL, dtype=tdtype).nan_to_num(1.5, 9.0, -9.0).numpy(), rtol=0)
    x = cr.tensor(SPECIAL, requires_grad=True)
    cr.nan_to_num(x).sum().backward()
    assert x.grad.tolist() == [1, 0, 0, 0, 1, 1]
    y = cr.tensor(SPECIAL)
    assert y.nan_to_num_() is y and cr.isfinite(y).all().item()
    assert cr.nan_to_num(cr.tensor([1, 2])).tolist() == [1, 2]
    check_op(cr.nan_to_num, [(3, 4)], torch_fn=torch.nan_to_num)


@requires_torch
def test_count_nonzero():
    x = [[0, 1, 2], [0, 0, 3]]
    assert cr.count_nonzero(cr.tensor(x)).item() == 3
    for dim in (0, 1, (0, 1)):
        assert cr.tensor(x).count_nonzero(dim=dim).tolist() == torch.tensor(x).count_nonzero(dim=dim).tolist()
    assert cr.count_nonzero(cr.tensor(x)).dtype == cr.int64


@requires_torch
def test_broadcast_helpers():
    assert cr.broadcast_shapes((3, 1), (4,), (1, 1, 1)) == torch.broadcast_shapes((3, 1), (4,), (1, 1, 1))
    with pytest.raises(RuntimeError, match="broadcast"):
        cr.broadcast_shapes((2, 3), (3, 3))
    check_op(lambda x: cr.broadcast_to(x, (2, 3, 4)), [(3, 1)], torch_fn=lambda x: torch.broadcast_to(x, (2, 3, 4)))
    check_op(lambda a, b: cr.broadcast_tensors(a, b), [(3, 1), (4,)], torch_fn=torch.broadcast_tensors)
    assert cr.ones(3, 1).broadcast_to((-1, 2)).shape == (3, 2)


@requires_torch
@pytest.mark.parametrize("indexing", ["ij", "xy"])
def test_meshgrid(indexing):
    ours = cr.meshgrid(cr.arange(3), cr.arange(2), cr.arange(4), indexing=indexing)
    theirs = torch.meshgrid(torch.arange(3), torch.arange(2), torch.arange(4), indexing=indexing)
    assert [o.tolist() for o in ours] == [t.tolist() for t in theirs]
    check_op(lambda a, b: cr.meshgrid(a, b, indexing=indexing), [(3,), (2,)],
             torch_fn=lambda a, b: torch.meshgrid(a, b, indexing=indexing))
    with pytest.raises(RuntimeError, match="0D or 1D"):
        cr.meshgrid(cr.ones(2, 2), indexing=indexing)


def test_meshgrid_without_indexing_warns_and_uses_ij():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        x, _ = cr.meshgrid([cr.arange(2), cr.arange(3)])
    assert x.shape == (2, 3) and any("indexing" in str(w.message) for w in caught)


@requires_torch
def test_axis_aliases_clone_numel():
    a = np.arange(24.0).reshape(2, 3, 4)
    for ours, theirs in ((cr.swapaxes(cr.tensor(a), 0, 2), torch.swapaxes(torch.tensor(a), 0, 2)),
                         (cr.tensor(a).swapdims(1, 2), torch.tensor(a).swapdims(1, 2)),
                         (cr.moveaxis(cr.tensor(a), (0, 1), (2, 0)), torch.moveaxis(torch.tensor(a), (0, 1), (2, 0))),
                         (cr.tensor(a).movedim(0, -1), torch.tensor(a).movedim(0, -1))):
        assert_close(ours, theirs.numpy())
    check_op(lambda x: x.moveaxis((0, 2), (1, 0)), [(2, 3, 4)], torch_fn=lambda x: x.moveaxis((0, 2), (1, 0)))
    check_op(cr.clone, [(2, 3)], torch_fn=torch.clone)
    assert cr.numel(cr.ones(2, 3)) == 6


def test_default_dtype_reaches_factories_and_tensor():
    assert cr.get_default_dtype() == cr.float32
    try:
        cr.set_default_dtype(cr.float64)
        assert cr.get_default_dtype() == cr.float64
        for t in (cr.zeros(2), cr.ones(2), cr.empty(2), cr.rand(2), cr.randn(2), cr.full((2,), 1.5),
                  cr.arange(0.0, 2.0), cr.linspace(0, 1, 3), cr.eye(2), cr.tensor([1.5]), cr.tensor(2.0),
                  cr.logspace(0, 1, 2), cr.normal(0.0, 1.0, (2,))):
            assert t.dtype == cr.float64
        assert cr.full((2,), 1).dtype == cr.int64 and cr.arange(3).dtype == cr.int64
        assert cr.tensor(np.ones(2, np.float32)).dtype == cr.float32  # NumPy arrays keep their width
        # Python floats and integer-to-float ops promote to the default, as in PyTorch
        ints = cr.tensor([1, 2])
        for t in (ints * 0.5, ints / 2, ints.exp(), cr.logsumexp(ints, 0), cr.where(ints > 1, 1.5, 2.5)):
            assert t.dtype == cr.float64
        assert (cr.ones(2, dtype=cr.float32) * 0.5).dtype == cr.float32  # a float tensor keeps its dtype
    finally:
        cr.set_default_dtype(cr.float32)
    assert cr.zeros(1).dtype == cr.float32 and cr.tensor([1.5]).dtype == cr.float32
    with pytest.raises(TypeError, match="floating-point"):
        cr.set_default_dtype(cr.int64)


def test_default_dtype_reaches_nn_parameters_and_buffers():
    nn = cr.nn
    try:
        cr.set_default_dtype(cr.float64)
        modules = [nn.Linear(2, 3), nn.Bilinear(2, 2, 3), nn.Conv2d(1, 2, 3), nn.ConvTranspose2d(1, 2, 3),
                   nn.LSTM(2, 3), nn.GRU(2, 3), nn.Embedding(4, 2), nn.BatchNorm1d(3), nn.LayerNorm(3),
                   nn.GroupNorm(1, 2), nn.PReLU(), nn.MultiheadAttention(4, 2)]
        for module in modules:
            tensors = list(module.parameters()) + [b for b in module.buffers() if b.is_floating_point()]
            assert {t.dtype for t in tensors} == {cr.float64}, type(module).__name__
        assert nn.Linear(2, 3)(cr.randn(4, 2)).dtype == cr.float64
    finally:
        cr.set_default_dtype(cr.float32)
    assert nn.Linear(2, 3).weight.dtype == cr.float32


@requires_torch
@pytest.mark.parametrize("name", ["float32", "float64"])
def test_finfo_matches_pytorch(name):
    ours, theirs = cr.finfo(getattr(cr, name)), torch.finfo(getattr(torch, name))
    for field in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution"):
        assert getattr(ours, field) == getattr(theirs, field), field
    assert cr.finfo().eps == torch.finfo().eps
    with pytest.raises(TypeError, match="iinfo"):
        cr.finfo(cr.int64)


@requires_torch
def test_iinfo_matches_pytorch():
    ours, theirs = cr.iinfo(cr.int64), torch.iinfo(torch.int64)
    assert (ours.bits, ours.max, ours.min) == (theirs.bits, theirs.max, theirs.min)
    with pytest.raises(TypeError, match="finfo"):
        cr.iinfo(cr.float32)


@pytest.mark.parametrize("method, name", [("half", "float16"), ("bfloat16", "bfloat16")])
def test_16_bit_casts_and_factories(method, name):
    x = getattr(cr.tensor([1.5, -2.0]), method)()
    assert x.dtype == getattr(cr, name) != cr.float32 and x.tolist() == [1.5, -2.0]
    assert cr.zeros(2, dtype=getattr(cr, name)).dtype == getattr(cr, name)


def test_normal_variants():
    assert cr.normal(cr.zeros(2, 1), cr.ones(3)).shape == (2, 3)
    assert cr.normal(cr.zeros(4), 1.0).shape == (4,) and cr.normal(0.0, cr.ones(5)).shape == (5,)
    big = cr.normal(3.0, 2.0, size=(20000,), dtype=cr.float64)
    assert abs(big.mean().item() - 3) < 0.1 and abs(big.std().item() - 2) < 0.1
    g1, g2 = cr.Generator().manual_seed(7), cr.Generator().manual_seed(7)
    assert cr.normal(0.0, 1.0, (3,), generator=g1).tolist() == cr.normal(0.0, 1.0, (3,), generator=g2).tolist()
    cr.manual_seed(5)
    first = cr.normal(cr.zeros(3), 1.0)
    cr.manual_seed(5)
    assert first.tolist() == cr.normal(cr.zeros(3), 1.0).tolist()
    with pytest.raises(RuntimeError, match="std >= 0"):
        cr.normal(cr.zeros(2), -1.0)
    with pytest.raises(TypeError, match="size"):
        cr.normal(0.0, 1.0)


def test_bernoulli_and_in_place_draws():
    p = cr.tensor([0.0, 1.0] * 50)
    assert cr.bernoulli(p).tolist() == p.tolist()
    assert abs(cr.bernoulli(cr.full((20000,), 0.3)).mean().item() - 0.3) < 0.02
    assert cr.zeros(3).bernoulli_(cr.tensor([0.0, 1.0, 1.0])).tolist() == [0, 1, 1]
    assert set(cr.zeros(100, dtype=cr.int64).bernoulli_(0.5).tolist()) == {0, 1}
    with pytest.raises(RuntimeError, match=r"\[0, 1\]"):
        cr.bernoulli(cr.tensor([1.5]))
    e = cr.empty(20000, dtype=cr.float64).exponential_(2.0)
    assert e.min().item() >= 0 and abs(e.mean().item() - 0.5) < 0.02
    r = cr.empty(1000).random_(2, 5)
    assert set(r.tolist()) == {2.0, 3.0, 4.0}
    assert set(cr.zeros(1000, dtype=cr.int64).random_(3).tolist()) == {0, 1, 2}
    assert cr.zeros(100, dtype=cr.int64).random_().min().item() >= 0


def test_seed_reseeds_the_global_generator():
    s = cr.seed()
    assert cr.initial_seed() == s
    first = cr.rand(3)
    cr.manual_seed(s)
    assert cr.rand(3).tolist() == first.tolist()


def test_compile_returns_its_argument():
    model = cr.nn.Linear(2, 3)
    assert cr.compile(model) is model
    assert cr.compile(model, mode="max-autotune", dynamic=True) is model

    @cr.compile(fullgraph=True)
    def f(x):
        return x * 2

    assert f(cr.ones(1)).item() == 2
    with pytest.raises(RuntimeError, match="mode"):
        cr.compile(model, mode="fastest")


@pytest.mark.parametrize("lib", ["chainrule", "torch"])
def test_compiler_helpers_libraries_call_around_compile(lib):
    """torch.compiler.disable as a decorator with and without arguments, and the is_compiling guards
    code checks outside a compiled region (False, in both libraries)."""
    if lib == "torch" and torch is None:
        pytest.skip("PyTorch is not installed")
    m = cr if lib == "chainrule" else torch

    @m.compiler.disable
    def plus_one(x):
        return x + 1

    @m.compiler.disable(recursive=False)
    def twice(x):
        return 2 * x

    assert plus_one(1) == 2 and twice(3) == 6
    assert not m.compiler.is_compiling() and not m.compiler.is_dynamo_compiling() and not m.compiler.is_exporting()
    assert m.compiler.reset() is None
    assert m.compiler.allow_in_graph(plus_one)(1) == 2 and m.compiler.assume_constant_result(twice)(1) == 2
    with pytest.raises(AssertionError, match="fn must be callable"):
        m.compiler.disable(3)

def test_rng_state_round_trip_reproduces_the_stream():
    cr.manual_seed(3)
    cr.randn(3)  # an odd count leaves a cached Box-Muller normal in the state
    state = cr.get_rng_state()
    assert state.dtype == cr.uint8 and state.ndim == 1  # as PyTorch's
    after = (cr.randn(5).tolist(), cr.rand(2).tolist(), cr.randint(0, 100, (4,)).tolist())
    cr.manual_seed(99)
    cr.set_rng_state(state)
    assert (cr.randn(5).tolist(), cr.rand(2).tolist(), cr.randint(0, 100, (4,)).tolist()) == after
    assert cr.initial_seed() == 3
    with pytest.raises(TypeError, match="get_rng_state"):
        cr.set_rng_state(cr.ones(3))
    with pytest.raises(ValueError, match="words"):
        cr.set_rng_state(cr.zeros(3, dtype=cr.int64))
    with pytest.raises(ValueError, match="words"):
        cr.set_rng_state(state[:-1])
    cr.set_rng_state(cr.from_numpy(state.numpy().view(np.int64)))  # the int64 form of older versions
    assert cr.randn(5).tolist() == after[0]


@pytest.mark.parametrize("lib", ["chainrule", "torch"])
def test_random_module_fork_rng_restores_the_stream_like_torch(lib):
    """torch.random's functions; draws inside fork_rng() leave the global stream where it was."""
    if lib == "torch" and torch is None:
        pytest.skip("PyTorch is not installed")
    m = cr if lib == "chainrule" else torch
    assert m.random.manual_seed is not None and m.random.get_rng_state().ndim == 1
    m.random.manual_seed(11)
    assert m.random.initial_seed() == 11
    expected = m.randn(4).tolist()
    m.random.manual_seed(11)
    with m.random.fork_rng():
        m.manual_seed(0)
        m.randn(7)
    with m.random.fork_rng(devices=[]):
        m.randn(3)
    with m.random.fork_rng(enabled=False):
        pass
    assert m.randn(4).tolist() == expected
    with pytest.raises(ValueError):  # the state comes back even when the block raises
        with m.random.fork_rng():
            m.randn(5)
            raise ValueError
    state = m.random.get_rng_state()
    first = m.rand(2).tolist()
    m.random.set_rng_state(state)
    assert m.rand(2).tolist() == first


def test_detach_in_place():
    x = cr.ones(2, requires_grad=True)
    y = x * 2
    assert y.detach_() is y and not y.requires_grad and y.grad_fn is None and y.is_leaf
    with pytest.raises(RuntimeError, match="views in-place"):
        (x * 2)[0:1].detach_()


@requires_torch
def test_in_place_view_ops_change_the_shape_as_pytorch():
    ours, theirs = cr.arange(6.0).reshape(2, 3), torch.arange(6.0).reshape(2, 3)
    assert ours.t_() is ours
    theirs.t_()
    ours.unsqueeze_(0).transpose_(0, 2).squeeze_(1)
    theirs.unsqueeze_(0).transpose_(0, 2).squeeze_(1)
    assert ours.shape == theirs.shape and ours.tolist() == theirs.tolist()
    assert cr.ones(1, 3).squeeze_().shape == (3,)
    w = cr.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match="in-place view"):
        w.t_()
