"""uint8 and int8 tensors against PyTorch: promotion with every other dtype, wrapping arithmetic,
casts (floats go through int64, so -1.0 is 255), reductions that widen to int64, the range checks
of Python numbers written into them, uint8 masks in indexing, and the ways in and out (NumPy,
checkpoints, legacy ByteTensor/CharTensor). chainrule has no int16/int32, so where PyTorch widens
uint8 with int8 to int16 chainrule gives int64 (its name for int16)."""
import warnings

import numpy as np
import pytest

import chainrule as cr
from conftest import requires_torch, torch

DTYPES = ["bool", "uint8", "int8", "int64", "float32", "float64"]
SMALL = ["uint8", "int8"]


def dtype_name(t):
    """A result's dtype as chainrule names it (PyTorch's int16 is chainrule's int64)."""
    name = str(t.dtype).split(".")[-1]
    return {"int16": "int64", "int32": "int64"}.get(name, name)


def values(lib, dtype, seed=0, n=64):
    """The same pseudo-random values of `dtype` for both libraries (the full range of the small ints)."""
    rng = np.random.default_rng(seed)
    if dtype == "bool":
        array = rng.integers(0, 2, n).astype(bool)
    elif dtype in SMALL:
        info = np.iinfo(dtype)
        array = rng.integers(info.min, info.max + 1, n).astype(dtype)
    elif dtype == "int64":
        array = rng.integers(-1000, 1000, n)
    else:
        array = rng.normal(size=n).astype(dtype) * 100
    return lib.from_numpy(array.copy())


def same(ours, theirs):
    """Equal values and the same dtype (in chainrule's names)."""
    assert dtype_name(ours) == dtype_name(theirs), (ours.dtype, theirs.dtype)
    expected = theirs.to(torch.int64) if dtype_name(theirs) != str(theirs.dtype).split(".")[-1] else theirs
    np.testing.assert_array_equal(ours.numpy(), expected.numpy())


@requires_torch
@pytest.mark.parametrize("a", DTYPES)
@pytest.mark.parametrize("b", DTYPES)
def test_promotion_of_tensor_pairs(a, b):
    for op in ("__add__", "__mul__", "maximum", "__eq__"):
        if op == "__add__" and a == b == "bool":
            continue
        x, y = values(cr, a, 1), values(cr, b, 2)
        tx, ty = values(torch, a, 1), values(torch, b, 2)
        ours = getattr(cr, op)(x, y) if op == "maximum" else getattr(x, op)(y)
        theirs = getattr(torch, op)(tx, ty) if op == "maximum" else getattr(tx, op)(ty)
        same(ours, theirs)


@requires_torch
@pytest.mark.parametrize("small", SMALL)
@pytest.mark.parametrize("other", DTYPES)
def test_promotion_with_zero_dim_tensors_and_python_numbers(small, other):
    x, tx = values(cr, small), values(torch, small)
    zero_d = values(cr, other, 3)[0].clone()
    t_zero_d = values(torch, other, 3)[0].clone()
    same(x + zero_d, tx + t_zero_d)
    for number in (3, -3, 300, 2.5, True):
        same(x * number, tx * number)


@requires_torch
@pytest.mark.parametrize("small", SMALL)
@pytest.mark.parametrize("op", ["add", "sub", "mul", "floor_divide", "remainder", "fmod", "bitwise_and",
                                "bitwise_or", "bitwise_xor", "maximum", "minimum", "lt", "ge", "ne"])
def test_binary_ops_wrap_as_pytorch(small, op):
    x, y = values(cr, small, 4), values(cr, small, 5)
    tx, ty = values(torch, small, 4), values(torch, small, 5)
    if op in ("floor_divide", "remainder", "fmod"):  # no division by zero (an error on the CPU)
        y, ty = cr.where(y == 0, cr.ones_like(y), y), torch.where(ty == 0, torch.ones_like(ty), ty)
    same(getattr(cr, op)(x, y), getattr(torch, op)(tx, ty))


@requires_torch
@pytest.mark.parametrize("small", SMALL)
def test_shifts_pow_and_unary_ops_wrap_as_pytorch(small):
    x, tx = values(cr, small, 6), values(torch, small, 6)
    amounts = [0, 1, 3, 7, 8, 9]
    for k in amounts:
        same(x << k, tx << k)
        same(x >> k, tx >> k)
    for e in (0, 1, 2, 3):
        same(x ** e, tx ** e)
    for name in ("neg", "abs", "sign", "bitwise_not", "square", "relu", "floor", "round", "trunc"):
        if name == "relu":
            same(cr.relu(x), torch.relu(tx))
        else:
            same(getattr(x, name)(), getattr(tx, name)())
    for name in ("exp", "sqrt", "sigmoid", "tanh"):  # floating results, float32 from integers
        ours, theirs = getattr(x, name)(), getattr(tx, name)()
        assert dtype_name(ours) == dtype_name(theirs) == "float32"
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, atol=1e-30, equal_nan=True)
    same(x / 3, tx / 3)


@requires_torch
@pytest.mark.parametrize("small", SMALL)
def test_integer_division_by_zero_raises_on_the_cpu(small):
    x = values(cr, small)
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        x // cr.zeros_like(x)
    with pytest.raises(RuntimeError):
        torch.ones(2, dtype=getattr(torch, small)) // torch.zeros(2, dtype=getattr(torch, small))


@requires_torch
@pytest.mark.parametrize("small", SMALL)
def test_reductions_widen_as_pytorch(small):
    x, tx = values(cr, small, 7).reshape(8, 8), values(torch, small, 7).reshape(8, 8)
    for name in ("sum", "prod", "max", "min", "argmax", "argmin", "any", "all"):
        same(getattr(x, name)(), getattr(tx, name)())
    for dim in (0, 1):
        same(x.sum(dim), tx.sum(dim))
        same(x.cumsum(dim), tx.cumsum(dim))
        same(x.max(dim).values, tx.max(dim).values)
        same(x.any(dim), tx.any(dim))
    same(x.sum(dtype=cr.float64), tx.sum(dtype=torch.float64))
    with pytest.raises(RuntimeError, match="mean"):
        x.mean()
    with pytest.raises(RuntimeError):
        tx.mean()
    np.testing.assert_allclose(x.float().mean().item(), tx.float().mean().item(), rtol=1e-6)


@requires_torch
@pytest.mark.parametrize("small", SMALL)
def test_sorting_is_stable_and_as_pytorch(small):
    x, tx = values(cr, small, 8), values(torch, small, 8)
    for descending in (False, True):
        ours, theirs = x.sort(descending=descending, stable=True), tx.sort(descending=descending, stable=True)
        same(ours.values, theirs.values)
        same(ours.indices, theirs.indices)
    same(x.topk(5).values, tx.topk(5).values)
    same(x.median(), tx.median())
    same(cr.unique(x), torch.unique(tx))


@requires_torch
@pytest.mark.parametrize("small", SMALL)
def test_casts_into_and_out_of_small_ints(small):
    floats = [-1.0, -0.5, 0.0, 0.9, 127.5, 128.0, 255.0, 255.9, 300.7, -129.5, -300.2]
    same(cr.tensor(floats).to(getattr(cr, small)), torch.tensor(floats).to(getattr(torch, small)))
    same(cr.tensor(floats, dtype=cr.float64).to(getattr(cr, small)),
         torch.tensor(floats, dtype=torch.float64).to(getattr(torch, small)))
    ints = [-300, -129, -128, -1, 0, 127, 128, 255, 256, 1000]
    same(cr.tensor(ints).to(getattr(cr, small)), torch.tensor(ints).to(getattr(torch, small)))
    same(cr.tensor([True, False]).to(getattr(cr, small)), torch.tensor([True, False]).to(getattr(torch, small)))
    for other in DTYPES:
        same(values(cr, small, 9).to(getattr(cr, other)), values(torch, small, 9).to(getattr(torch, other)))
    same(cr.tensor(ints).byte(), torch.tensor(ints).byte())
    same(cr.tensor(ints).char(), torch.tensor(ints).char())


@requires_torch
@pytest.mark.parametrize("small", SMALL)
@pytest.mark.parametrize("write", [
    lambda lib, t, v: t.fill_(v),
    lambda lib, t, v: (t.__setitem__(0, v), t)[1],
    lambda lib, t, v: t.masked_fill_(lib.tensor([True, False]), v),
    lambda lib, t, v: lib.full((2,), v, dtype=t.dtype),
    lambda lib, t, v: lib.tensor([v], dtype=t.dtype),
    lambda lib, t, v: t.clamp(0, v),
], ids=["fill_", "setitem", "masked_fill_", "full", "tensor", "clamp"])
def test_python_numbers_written_into_small_ints_are_range_checked(small, write):
    for v in (-256, -255, -129, -128, -1, 127, 128, 255, 256, -1.0, 1.5, 127.0, 255.0, 255.5):
        try:
            theirs = write(torch, torch.zeros(2, dtype=getattr(torch, small)), v)
        except RuntimeError:
            with pytest.raises(RuntimeError, match="without overflow"):
                write(cr, cr.zeros(2, dtype=getattr(cr, small)), v)
            continue
        same(write(cr, cr.zeros(2, dtype=getattr(cr, small)), v), theirs)


@requires_torch
def test_arithmetic_with_python_numbers_wraps_without_a_check():
    u, tu = cr.tensor([250, 5], dtype=cr.uint8), torch.tensor([250, 5], dtype=torch.uint8)
    same(u + 300, tu + 300)
    same(u * -1, tu * -1)
    same(u == -6, tu == -6)
    same(u.clone().add_(300), tu.clone().add_(300))


@requires_torch
@pytest.mark.parametrize("small", SMALL)
def test_factories(small):
    dt, tdt = getattr(cr, small), getattr(torch, small)
    same(cr.arange(120, 140, dtype=dt), torch.arange(120, 140, dtype=tdt))
    same(cr.linspace(0, 100, 7, dtype=dt), torch.linspace(0, 100, 7, dtype=tdt))
    same(cr.ones(3, dtype=dt), torch.ones(3, dtype=tdt))
    same(cr.zeros_like(cr.ones(2, dtype=dt)), torch.zeros_like(torch.ones(2, dtype=tdt)))
    info = np.iinfo(small)
    draws = cr.randint(int(info.min), int(info.max) + 1, (2000,), dtype=dt)
    assert draws.dtype == dt and draws.min().item() >= info.min and draws.max().item() <= info.max
    assert draws.min().item() < info.min + 10 and draws.max().item() > info.max - 10
    with pytest.raises(RuntimeError, match="out of bounds"):
        cr.randint(0, int(info.max) + 2, (3,), dtype=dt)
    with pytest.raises(RuntimeError):
        torch.randint(0, int(info.max) + 2, (3,), dtype=tdt)


@requires_torch
def test_uint8_indexes_as_a_mask_with_pytorchs_warning():
    x, tx = cr.arange(6.0), torch.arange(6.0)
    mask = [1, 0, 1, 0, 1, 0]
    with pytest.warns(UserWarning, match="uint8 is now deprecated"):
        ours = x[cr.tensor(mask, dtype=cr.uint8)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = tx[torch.tensor(mask, dtype=torch.uint8)]
        same(ours, theirs)
    with pytest.raises(IndexError):
        x[cr.tensor([1], dtype=cr.int8)]
    with pytest.raises(IndexError):
        tx[torch.tensor([1], dtype=torch.int8)]
    with pytest.raises(RuntimeError, match="mask"):
        x.masked_fill(cr.tensor(mask, dtype=cr.uint8), 0.0)


@requires_torch
@pytest.mark.parametrize("small", SMALL)
def test_data_movement_keeps_the_dtype(small):
    x, tx = values(cr, small, 10).reshape(4, 16), values(torch, small, 10).reshape(4, 16)
    same(cr.cat([x, x]), torch.cat([tx, tx]))
    same(cr.stack([x, x], 1), torch.stack([tx, tx], 1))
    same(x.t().contiguous(), tx.t().contiguous())
    same(x.flip(1), tx.flip(1))
    same(x[:, ::3], tx[:, ::3])
    index = [[3, 0, 2], [1, 1, 0]]
    same(x.gather(1, cr.tensor(index)), tx.gather(1, torch.tensor(index)))
    same(x[cr.tensor([2, 0])], tx[torch.tensor([2, 0])])
    same(cr.where(x > 0, x, cr.zeros_like(x)), torch.where(tx > 0, tx, torch.zeros_like(tx)))
    # accumulating writes wrap
    same(cr.zeros(3, dtype=x.dtype).scatter_add(0, cr.tensor([0, 0, 1, 0]), x[0, :4]),
         torch.zeros(3, dtype=tx.dtype).scatter_add(0, torch.tensor([0, 0, 1, 0]), tx[0, :4]))
    same(cr.zeros(3, dtype=x.dtype).index_put_((cr.tensor([0, 0, 2]),), x[1, :3], accumulate=True),
         torch.zeros(3, dtype=tx.dtype).index_put_((torch.tensor([0, 0, 2]),), tx[1, :3], accumulate=True))
    same(x[:2, :4] @ x[:4, :2], tx[:2, :4] @ tx[:4, :2])


@requires_torch
def test_nn_functions_on_uint8_images_and_targets():
    image = values(cr, "uint8", 11).reshape(1, 1, 8, 8)
    t_image = values(torch, "uint8", 11).reshape(1, 1, 8, 8)
    F, tF = cr.nn.functional, torch.nn.functional
    same(F.max_pool2d(image, 2), tF.max_pool2d(t_image, 2))
    same(F.interpolate(image, scale_factor=2), tF.interpolate(t_image, scale_factor=2))
    same(F.interpolate(image, size=(5, 3), mode="nearest-exact"), tF.interpolate(t_image, size=(5, 3), mode="nearest-exact"))
    same(F.pad(image, (1, 2)), tF.pad(t_image, (1, 2)))
    np.testing.assert_allclose((image.float() / 255).numpy(), (t_image.float() / 255).numpy())
    same((image / 255 * 255).round().byte(), (t_image / 255 * 255).round().byte())
    logits = np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32)
    target = [2, 0, 1, 1]
    np.testing.assert_allclose(
        F.cross_entropy(cr.tensor(logits), cr.tensor(target, dtype=cr.uint8)).item(),
        tF.cross_entropy(torch.tensor(logits), torch.tensor(target, dtype=torch.uint8)).item(), rtol=1e-6)
    with pytest.raises(RuntimeError):
        F.cross_entropy(cr.tensor(logits), cr.tensor(target, dtype=cr.int8))
    same(cr.bincount(cr.tensor(target, dtype=cr.uint8)), torch.bincount(torch.tensor(target, dtype=torch.uint8)))


@requires_torch
def test_names_printing_and_legacy_types():
    u = cr.tensor([250, 5], dtype=cr.uint8)
    assert repr(u) == "tensor([250,   5], dtype=chainrule.uint8)"
    assert repr(cr.tensor([-1], dtype=cr.int8)) == "tensor([-1], dtype=chainrule.int8)"
    assert repr(cr.zeros(0, dtype=cr.uint8)) == "tensor([], dtype=chainrule.uint8)"
    assert u.tolist() == [250, 5] and type(u[0].item()) is int
    assert u.type() == "torch.ByteTensor" and cr.tensor([1], dtype=cr.int8).type() == "torch.CharTensor"
    assert isinstance(u, cr.ByteTensor) and not isinstance(u, cr.CharTensor)
    same(cr.ByteTensor([1, 2]), torch.ByteTensor([1, 2]))
    same(cr.CharTensor([1, -2]), torch.CharTensor([1, -2]))
    for small in SMALL:
        ours, theirs = cr.iinfo(getattr(cr, small)), torch.iinfo(getattr(torch, small))
        assert (ours.min, ours.max, ours.bits) == (theirs.min, theirs.max, theirs.bits)
        assert getattr(cr, small).is_signed == getattr(torch, small).is_signed
        assert getattr(cr, small).itemsize == getattr(torch, small).itemsize == 1
        assert not getattr(cr, small).is_floating_point
    assert u.element_size() == 1


@pytest.mark.parametrize("small", SMALL)
def test_numpy_round_trip_shares_memory(small):
    array = np.arange(-3, 5).astype(small)
    t = cr.from_numpy(array)
    assert t.dtype == getattr(cr, small)
    array[0] = 7
    assert t[0].item() == 7  # shared, not copied
    assert t.numpy().dtype == np.dtype(small)
    assert cr.tensor(array).dtype == cr.as_tensor(array).dtype == getattr(cr, small)
    assert cr.tensor([1, 2]).dtype == cr.int64  # Python ints stay int64


@requires_torch
@pytest.mark.parametrize("suffix", [".pt", ".safetensors"])
def test_checkpoints_cross_with_pytorch(tmp_path, suffix):
    ours = {"u": values(cr, "uint8", 12), "i": values(cr, "int8", 13)}
    path = tmp_path / f"ours{suffix}"
    cr.save(ours, path)
    if suffix == ".pt":
        back = torch.load(path)
    else:
        from safetensors.torch import load_file
        back = load_file(str(path))
    for key in ours:
        same(ours[key], back[key])
    theirs_path = tmp_path / "theirs.pt"
    torch.save({"u": values(torch, "uint8", 12), "i": values(torch, "int8", 13)}, theirs_path)
    loaded = cr.load(theirs_path)
    for key in ours:
        assert loaded[key].dtype == ours[key].dtype
        np.testing.assert_array_equal(loaded[key].numpy(), ours[key].numpy())


def test_small_ints_on_the_device(device):
    x = cr.tensor([250, 5, 128], dtype=cr.uint8, device=device)
    assert (x + 10).cpu().tolist() == [4, 15, 138]
    assert x.sum().item() == 383 and x.max().item() == 250
    assert x.float().cpu().tolist() == [250.0, 5.0, 128.0]
    assert cr.tensor([-1.0, 300.7], device=device).to(cr.uint8).cpu().tolist() == [255, 44]
    assert x.sort().values.cpu().tolist() == [5, 128, 250]
    assert cr.tensor([-128, 127], dtype=cr.int8, device=device).abs().cpu().tolist() == [-128, 127]
    acc = cr.zeros(2, dtype=cr.uint8, device=device).index_put_((cr.tensor([0, 0, 1], device=device),),
                                                                   cr.tensor([200, 100, 7], dtype=cr.uint8,
                                                                             device=device), accumulate=True)
    assert acc.cpu().tolist() == [44, 7]
