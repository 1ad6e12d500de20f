"""Factories (zeros, ones, full, empty, arange, linspace, eye, rand/randn/randint, *_like) against
NumPy, and their dtype inference and requires_grad rules against PyTorch."""
import warnings

import numpy as np
import pytest

import chainrule as cr
from conftest import assert_close, requires_torch, torch

NP_OF = {cr.float32: np.float32, cr.float64: np.float64, cr.int64: np.int64, cr.bool: np.bool_}
DTYPES = list(NP_OF)


@pytest.mark.parametrize("make, fill", [(cr.zeros, 0), (cr.ones, 1)])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(), (0,), (3,), (2, 3), (2, 0, 4)])
def test_zeros_ones(make, fill, dtype, shape):
    t = make(shape, dtype=dtype)  # the varargs form: test_sizes_as_one_sequence_or_varargs
    assert t.shape == shape and t.dtype == dtype
    assert t.is_contiguous() or t.numel() == 0  # zero-size: see test_view.test_zero_size_tensors_are_contiguous
    assert_close(t, np.full(shape, fill, dtype=NP_OF[dtype]))


def test_sizes_as_one_sequence_or_varargs():
    assert cr.zeros((2, 3)).shape == (2, 3)
    assert cr.ones([4]).shape == (4,)
    assert cr.empty(2, 5).shape == (2, 5)
    with pytest.raises(TypeError, match="zeros"):
        cr.zeros(2, "3")
    with pytest.raises(ValueError, match="empty"):
        cr.empty(-1)
    with pytest.raises(ValueError):
        cr.zeros(2, -3)


@pytest.mark.parametrize("value, dtype", [(2.5, cr.float32), (7, cr.int64), (True, cr.bool), (-1.0, cr.float32)])
def test_full_infers_dtype_from_value(value, dtype):
    t = cr.full((2, 2), value)
    assert t.dtype == dtype
    assert_close(t, np.full((2, 2), value, dtype=NP_OF[dtype]))
    assert cr.full((3,), 2, dtype=cr.float64).dtype == cr.float64


@requires_torch
@pytest.mark.parametrize("args, kwargs", [
    ((5,), {}), ((2, 7), {}), ((1, 10, 3), {}), ((10, 1, -3), {}), ((0.0, 1.0, 0.1), {}), ((0, 1, 0.25), {}),
    ((-2.5, 2.5, 0.5), {}), ((3.0,), {}), ((1, 2.5), {}), ((5,), {"dtype": "float64"}),
    ((0, 10, 3), {"dtype": "float32"}), ((0.5, 3), {"dtype": "int64"}), ((0,), {}), ((1, 1), {}),
    ((0.0, 1.0, 0.3), {}), ((1.0, 0.0, -0.1), {}),
])
def test_arange_matches_torch(args, kwargs):
    cr_kwargs = {k: getattr(cr, v) for k, v in kwargs.items()}
    th_kwargs = {k: getattr(torch, v) for k, v in kwargs.items()}
    got, want = cr.arange(*args, **cr_kwargs), torch.arange(*args, **th_kwargs)
    assert str(got.dtype) == str(want.dtype).replace("torch", "chainrule")
    assert_close(got, want.numpy())


def test_arange_bad_arguments():
    with pytest.raises(ValueError, match="arange"):
        cr.arange(0, 10, 0)
    with pytest.raises(ValueError, match="arange"):
        cr.arange(10, 0, 1)
    with pytest.raises(ValueError, match="arange"):
        cr.arange(0, float("inf"))
    with pytest.raises(TypeError, match="arange"):
        cr.arange("5")


@pytest.mark.parametrize("start, end, steps", [(0, 1, 5), (-3, 7, 11), (1, 1, 3), (0, 1, 1), (0, 1, 0), (5, -5, 4)])
@pytest.mark.parametrize("dtype", [cr.float32, cr.float64])
def test_linspace(start, end, steps, dtype):
    t = cr.linspace(start, end, steps, dtype=dtype)
    assert t.dtype == dtype
    assert_close(t, np.linspace(start, end, steps), rtol=1e-6, atol=1e-6)
    if steps > 0:
        assert t.tolist()[-1] == pytest.approx(end if steps > 1 else start)


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_linspace_is_pytorchs_bit_for_bit(dtype):
    # in the dtype's own precision with a fused multiply-add from each end, as PyTorch's kernel
    for start, end, steps in [(-1, 1, 28), (0, 10, 7), (-1, 1, 224), (0, 1, 100), (-3, 7, 1001), (0.1, 0.7, 333),
                              (3, -2, 17), (2, 3, 1), (5, 5, 4)]:
        ours = cr.linspace(start, end, steps, dtype=getattr(cr, dtype)).numpy()
        theirs = torch.linspace(start, end, steps, dtype=getattr(torch, dtype)).numpy()
        np.testing.assert_array_equal(ours, theirs)


def test_linspace_negative_steps():
    with pytest.raises(ValueError, match="linspace"):
        cr.linspace(0, 1, -1)


@pytest.mark.parametrize("n, m", [(3, None), (2, 4), (4, 2), (0, None), (1, 0)])
@pytest.mark.parametrize("dtype", DTYPES)
def test_eye(n, m, dtype):
    t = cr.eye(n, m, dtype=dtype)
    assert t.dtype == dtype
    assert_close(t, np.eye(n, m, dtype=NP_OF[dtype]))
    with pytest.raises(ValueError, match="eye"):
        cr.eye(-1)


@pytest.mark.parametrize("make", [cr.rand, cr.randn])
def test_random_is_reproducible_with_manual_seed(make):
    cr.manual_seed(7)
    a = make(4, 5)
    cr.manual_seed(7)
    b = make(4, 5)
    c = make(4, 5)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert not np.array_equal(b.numpy(), c.numpy())
    assert cr.initial_seed() == 7


def test_rand_range_and_moments():
    x = cr.rand(100_000).numpy()
    assert x.dtype == np.float32 and x.min() >= 0.0 and x.max() < 1.0
    assert abs(x.mean() - 0.5) < 0.01 and abs(x.var() - 1 / 12) < 0.005
    d = cr.rand(1000, dtype=cr.float64).numpy()
    assert d.dtype == np.float64 and d.min() >= 0.0 and d.max() < 1.0


def test_randn_moments():
    x = cr.randn(100_000, dtype=cr.float64).numpy()
    assert abs(x.mean()) < 0.02 and abs(x.std() - 1.0) < 0.02


def test_random_rejects_integer_dtypes():
    with pytest.raises(TypeError, match="rand"):
        cr.rand(3, dtype=cr.int64)
    with pytest.raises(TypeError, match="randn"):
        cr.randn(3, dtype=cr.bool)


@pytest.mark.parametrize("args", [(10, (1000,)), (-5, 5, (50, 20)), (0, 1, (7,)), (3, 4, ())])
def test_randint_range(args):
    low, high = (0, args[0]) if len(args) == 2 else args[:2]
    t = cr.randint(*args)
    x = t.numpy()
    assert t.dtype == cr.int64 and t.shape == args[-1]
    assert x.min() >= low and x.max() < high
    if x.size >= 1000:
        assert len(np.unique(x)) == high - low  # every value is drawn


def test_randint_dtype_and_errors():
    assert cr.randint(0, 5, (3,), dtype=cr.float32).dtype == cr.float32
    assert set(cr.randint(0, 2, (100,), dtype=cr.bool).tolist()) == {False, True}
    with pytest.raises(ValueError, match="randint"):
        cr.randint(5, 5, (2,))
    with pytest.raises(ValueError, match="randint"):
        cr.randint(0, 3, (2,), dtype=cr.bool)
    cr.manual_seed(3)
    a = cr.randint(0, 100, (20,))
    cr.manual_seed(3)
    assert a.tolist() == cr.randint(0, 100, (20,)).tolist()


@pytest.mark.parametrize("dtype", DTYPES)
def test_like_factories_keep_shape_and_dtype(dtype):
    base = cr.zeros(2, 3, dtype=dtype).t()  # non-contiguous input
    for make, fill in [(cr.zeros_like, 0), (cr.ones_like, 1)]:
        t = make(base)
        assert t.shape == (3, 2) and t.dtype == dtype
        assert_close(t, np.full((3, 2), fill, dtype=NP_OF[dtype]))
    assert cr.empty_like(base).shape == (3, 2)
    f = cr.full_like(base, 1)
    assert f.dtype == dtype and f.shape == (3, 2)
    assert cr.zeros_like(base, dtype=cr.float64).dtype == cr.float64
    if dtype.is_floating_point:
        assert cr.rand_like(base).shape == (3, 2) and cr.randn_like(base).dtype == dtype


def test_full_like_casts_value_to_input_dtype():
    assert cr.full_like(cr.zeros(2, dtype=cr.int64), 2.7).tolist() == [2, 2]
    assert cr.full_like(cr.zeros(2), 2.5).tolist() == [2.5, 2.5]


@pytest.mark.parametrize("make", [
    lambda **kw: cr.zeros(2, **kw), lambda **kw: cr.ones(2, **kw), lambda **kw: cr.full((2,), 1, **kw),
    lambda **kw: cr.arange(3, **kw), lambda **kw: cr.eye(2, **kw), lambda **kw: cr.randint(0, 3, (2,), **kw),
    lambda **kw: cr.empty(2, **kw),
])
def test_requires_grad_only_for_floating_dtypes(make):
    assert make(dtype=cr.float32, requires_grad=True).requires_grad
    assert make(dtype=cr.float64, requires_grad=True).requires_grad
    assert not make(dtype=cr.float32).requires_grad
    with pytest.raises(RuntimeError, match="requires_grad"):
        make(dtype=cr.int64, requires_grad=True)
    try:
        make(dtype=cr.bool)
    except (ValueError, TypeError):
        return  # this factory cannot make bools at all
    with pytest.raises(RuntimeError, match="requires_grad"):
        make(dtype=cr.bool, requires_grad=True)


def test_requires_grad_setter_rejects_integer_tensors():
    t = cr.arange(3)
    with pytest.raises(RuntimeError, match="requires_grad"):
        t.requires_grad_()
    with pytest.raises(RuntimeError, match="requires_grad"):
        cr.tensor([1, 2], requires_grad=True)
    f = cr.tensor([1.0, 2.0])
    assert f.requires_grad_() is f and f.requires_grad and f.is_leaf


@requires_torch
def test_scalar_tensor_matches_torch():
    for value in (2, 2.5, True):
        got, want = cr.scalar_tensor(value), torch.scalar_tensor(value)
        assert got.shape == () and str(got.dtype) == str(want.dtype).replace("torch", "chainrule")
        assert got.item() == want.item()


def test_tensor_converts_straight_to_the_requested_dtype():
    # not through float32 first: 0.1 as float64 keeps all its digits, as in PyTorch
    assert cr.tensor([0.1], dtype=cr.float64).item() == 0.1
    assert cr.tensor(0.1, dtype=cr.float64).item() == 0.1
    assert cr.tensor([0.1], dtype=np.float64).item() == 0.1  # a NumPy dtype too
    assert cr.tensor([1.7, -1.7], dtype=cr.int64).tolist() == [1, -1]
    assert cr.tensor([2, 0], dtype=cr.bool).tolist() == [True, False]


@pytest.mark.parametrize("draw", [
    lambda g: cr.rand(2, 3, generator=g), lambda g: cr.randn((4,), generator=g),
    lambda g: cr.randint(0, 10, (5,), generator=g), lambda g: cr.randint(7, (5,), generator=g),
    lambda g: cr.empty(3).normal_(1.0, 2.0, generator=g), lambda g: cr.empty(3).uniform_(-1, 1, generator=g),
])
def test_random_factories_and_fills_take_a_generator(draw):
    g1, g2 = cr.Generator().manual_seed(3), cr.Generator().manual_seed(3)
    first = draw(g1)
    assert draw(g2).tolist() == first.tolist()  # the same seed, the same values
    assert draw(g1).tolist() != first.tolist()  # the generator advanced
    cr.manual_seed(0)
    expected = cr.rand(4)
    cr.manual_seed(0)
    draw(g1)  # leaves the global stream alone
    assert cr.rand(4).tolist() == expected.tolist()


FACTORIES = ["zeros", "ones", "empty", "rand", "randn"]


def _in(lib, kwargs):
    """kwargs with a dtype given by name ("float64") as lib's dtype."""
    return {k: getattr(lib, v) if k == "dtype" else v for k, v in kwargs.items()}


def _dtype_name(t):
    return str(t.dtype).split(".")[-1]


@requires_torch
@pytest.mark.parametrize("name", FACTORIES)
@pytest.mark.parametrize("kwargs", [{}, {"dtype": "float64"}, {"device": "cpu", "requires_grad": True}])
def test_size_by_keyword_matches_torch(name, kwargs):
    ours, ref = (getattr(lib, name)(size=(2, 3), **_in(lib, kwargs)) for lib in (cr, torch))
    assert ours.shape == ref.shape and _dtype_name(ours) == _dtype_name(ref)
    assert ours.requires_grad == ref.requires_grad


@requires_torch
@pytest.mark.parametrize("name", FACTORIES + ["full", "randint"])
def test_factory_without_size_is_a_type_error_as_in_torch(name):
    for lib in (torch, cr):
        with pytest.raises(TypeError):
            getattr(lib, name)()


@requires_torch
@pytest.mark.parametrize("name", FACTORIES)
@pytest.mark.parametrize("size", [(2.0, 3), [2, 3.5], (2, "3")])
def test_a_size_sequence_with_a_non_int_is_torchs_type_error(name, size):
    # kuangliu/pytorch-cifar's ShuffleNet passes out_planes/4 (a float) as channels: nn.Conv2d then calls empty((50.0, ...))
    pos = next(i for i, s in enumerate(size) if not isinstance(s, int))
    for call in (lambda lib: getattr(lib, name)(size), lambda lib: getattr(lib, name)(size=size)):
        with pytest.raises(TypeError, match="argument 'size'"):
            call(torch)
        with pytest.raises(TypeError, match=f"{name}\\(\\): argument 'size' \\(position 1\\) must be tuple of ints, "
                                            f"but found element of type {type(size[pos]).__name__} at pos {pos}"):
            call(cr)


@requires_torch
@pytest.mark.parametrize("make", ["Conv2d(4, 50.0, 1)", "Linear(3, 2.0)", "BatchNorm2d(5.0)"])
def test_a_module_built_with_a_float_size_is_a_type_error_as_in_torch(make):
    for lib in (torch, cr):
        with pytest.raises(TypeError, match="must be tuple of ints"):
            eval("lib.nn." + make)


@requires_torch
@pytest.mark.parametrize("name", FACTORIES)
def test_size_given_twice_or_as_an_int_keyword_is_a_type_error(name):
    for lib in (torch, cr):
        with pytest.raises(TypeError, match="size"):
            getattr(lib, name)(2, size=(3,))
        with pytest.raises(TypeError, match="size"):
            getattr(lib, name)(size=2)


@requires_torch
@pytest.mark.parametrize("name, args", [("zeros", (2, 3)), ("ones", ((2, 3),)), ("rand", (2, 3)), ("randn", (6,)),
                                        ("empty", (2,)), ("full", ((2, 3), 7.0)), ("arange", (5,)),
                                        ("linspace", (0, 1, 4)), ("eye", (3,)), ("randint", (5, (2, 3)))])
def test_out_keyword_writes_into_out_as_torch(name, args):
    for lib in (torch, cr):
        out = lib.zeros(1, dtype=lib.float64)  # resized to the result's shape, keeping its dtype
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch warns that it resizes a non-empty out
            result = getattr(lib, name)(*args, out=out)
        assert result is out
        if lib is torch:
            want_shape, want_dtype = tuple(out.shape), _dtype_name(out)
        else:
            assert tuple(out.shape) == want_shape and _dtype_name(out) == want_dtype
    if name not in ("rand", "randn", "randint", "empty"):
        out = cr.zeros(1, dtype=cr.float64)
        getattr(cr, name)(*args, out=out)
        assert_close(out, getattr(torch, name)(*args, dtype=torch.float64).numpy())


@requires_torch
def test_out_keyword_refuses_what_torch_refuses():
    for lib in (torch, cr):
        with pytest.raises(RuntimeError, match="dtype"):
            lib.zeros(2, dtype=lib.float64, out=lib.empty(2))
        with pytest.raises(RuntimeError, match="out="):
            lib.zeros(2, out=lib.empty(2, requires_grad=True))


@requires_torch
@pytest.mark.parametrize("kwargs", [{"high": 3, "size": (4,)}, {"low": 1, "high": 3, "size": (2, 2)},
                                    {"size": (3,), "high": 2, "dtype": "float64"}])
def test_randint_by_keyword_as_torch(kwargs):
    ours, ref = (lib.randint(**_in(lib, kwargs)) for lib in (cr, torch))
    assert ours.shape == ref.shape and _dtype_name(ours) == _dtype_name(ref)
    assert int(ours.min()) >= kwargs.get("low", 0) and int(ours.max()) < kwargs["high"]


@requires_torch
def test_arange_and_full_by_keyword_as_torch():
    assert cr.arange(end=4).tolist() == torch.arange(end=4).tolist()
    assert cr.arange(start=1, end=4, step=2).tolist() == torch.arange(start=1, end=4, step=2).tolist()
    ours, ref = cr.full(size=(2,), fill_value=3), torch.full(size=(2,), fill_value=3)
    assert ours.tolist() == ref.tolist() and ours.dtype == cr.int64 and ref.dtype == torch.int64


@requires_torch
@pytest.mark.parametrize("call", [
    lambda lib: lib.zeros(2, 3, layout=lib.strided, pin_memory=False),
    lambda lib: lib.empty(2, memory_format=lib.contiguous_format),
    lambda lib: lib.rand(size=(2,), layout=None),
    lambda lib: lib.full((2,), 1.0, pin_memory=False),
    lambda lib: lib.arange(3, layout=lib.strided),
    lambda lib: lib.linspace(0, 1, 3, pin_memory=False),
    lambda lib: lib.eye(2, layout=lib.strided),
    lambda lib: lib.randint(3, (2,), layout=lib.strided),
    lambda lib: lib.zeros_like(lib.ones(2), layout=lib.strided),
    lambda lib: lib.rand_like(lib.ones(2), pin_memory=False),
    lambda lib: lib.ones(2, out=lib.empty(2), layout=lib.strided)])
def test_layout_keywords_accepted_as_torch(call):
    ours, ref = call(cr), call(torch)
    assert ours.shape == ref.shape and _dtype_name(ours) == _dtype_name(ref)


@requires_torch
def test_layout_keywords_refused_as_torch():
    for lib in (torch, cr):
        with pytest.raises(RuntimeError, match="channels_last"):
            lib.empty(2, memory_format=lib.channels_last)
        with pytest.raises(TypeError, match="unexpected keyword argument 'foo'"):
            lib.zeros(2, foo=1)
    assert repr(cr.strided) == repr(torch.strided)


@requires_torch
def test_tensor_takes_pin_memory_as_torch():
    for lib in (torch, cr):
        assert lib.tensor([1.0, 2.0], dtype=lib.float64, pin_memory=False).tolist() == [1.0, 2.0]
