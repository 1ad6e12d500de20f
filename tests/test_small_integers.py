"""The integer dtypes narrower than int64 (int32, int16, uint8, int8) against PyTorch: promotion with
every other dtype (uint8 with int8 gives int16), wrapping arithmetic, casts (floats into uint8
through int64, so -1.0 is 255; into the others through int32), reductions that widen to int64, the
range checks of Python numbers written into them, uint8 masks and int32 indices, and the ways in and
out (NumPy, checkpoints, legacy IntTensor/ShortTensor/ByteTensor/CharTensor)."""
import warnings

import numpy as np
import pytest

import chainrule as cr
from conftest import requires_torch, torch

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float32", "float64"]
SMALL = ["uint8", "int8", "int16", "int32"]


def dtype_name(t):
    return str(t.dtype).split(".")[-1]


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
    """Equal values and the same dtype."""
    assert dtype_name(ours) == dtype_name(theirs), (ours.dtype, theirs.dtype)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


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
    amounts = [0, 1, 3, 7, 8, 9, 15, 17, 31]
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
    floats = [-1.0, -0.5, 0.0, 0.9, 127.5, 128.0, 255.0, 255.9, 300.7, -129.5, -300.2, 40000.5, -70000.0,
              2.0**31 + 1, -2.0**31 - 1, 3e9, 1e20, float("nan"), float("inf")]
    same(cr.tensor(floats).to(getattr(cr, small)), torch.tensor(floats).to(getattr(torch, small)))
    same(cr.tensor(floats, dtype=cr.float64).to(getattr(cr, small)),
         torch.tensor(floats, dtype=torch.float64).to(getattr(torch, small)))
    ints = [-300, -129, -128, -1, 0, 127, 128, 255, 256, 1000, 2**15, -2**15 - 1, 2**31 + 5, -2**33 - 7]
    same(cr.tensor(ints).to(getattr(cr, small)), torch.tensor(ints).to(getattr(torch, small)))
    same(cr.tensor([True, False]).to(getattr(cr, small)), torch.tensor([True, False]).to(getattr(torch, small)))
    for other in DTYPES:
        same(values(cr, small, 9).to(getattr(cr, other)), values(torch, small, 9).to(getattr(torch, other)))
    same(cr.tensor(ints).byte(), torch.tensor(ints).byte())
    same(cr.tensor(ints).char(), torch.tensor(ints).char())
    same(cr.tensor(ints).short(), torch.tensor(ints).short())
    same(cr.tensor(ints).int(), torch.tensor(ints).int())


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
    for v in (-256, -255, -129, -128, -1, 127, 128, 255, 256, -1.0, 1.5, 127.0, 255.0, 255.5, 2**15 - 1, 2**15,
              -2**15 - 1, 2**31 - 1, 2**31, -2**31, -2**31 - 1, 2.0**31, -2.0**31, 2**40):
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
    i, ti = cr.tensor([1, -7], dtype=cr.int32), torch.tensor([1, -7], dtype=torch.int32)
    for number in (2**31, 2**40 + 3, -2**33):  # the number wraps to int32 first, as in PyTorch
        same(i + number, ti + number)
        same(i < number, ti < number)
        same(i == number, ti == number)
        same(i * number, ti * number)


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
    near = (int(info.max) - int(info.min)) // 50  # 2000 draws come within 2% of each end
    assert draws.min().item() < info.min + near and draws.max().item() > info.max - near
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
        assert getattr(cr, small).itemsize == getattr(torch, small).itemsize == np.dtype(small).itemsize
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
    ours = {"u": values(cr, "uint8", 12), "i": values(cr, "int8", 13), "s": values(cr, "int16", 14),
            "n": values(cr, "int32", 15)}
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
    torch.save({"u": values(torch, "uint8", 12), "i": values(torch, "int8", 13), "s": values(torch, "int16", 14),
                "n": values(torch, "int32", 15)}, theirs_path)
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
    big = cr.tensor([2**31 - 1, -2**31, 5], dtype=cr.int32, device=device)
    assert (big + 1).cpu().tolist() == [-2**31, -2**31 + 1, 6] and big.sum().item() == 4
    assert big.sort().values.cpu().tolist() == [-2**31, 5, 2**31 - 1]
    assert cr.tensor([3e9, -7.9], device=device).int().cpu().tolist() == [-2**31, -7]
    shorts = cr.zeros(3, dtype=cr.int16, device=device).index_put_(
        (cr.tensor([1, 1, 2], device=device),), cr.tensor([30000, 30000, -5], dtype=cr.int16, device=device),
        accumulate=True)
    assert shorts.cpu().tolist() == [0, -5536, -5]
    rows = cr.arange(12.0, device=device).reshape(4, 3)
    index = cr.tensor([3, 0], dtype=cr.int32, device=device)
    assert rows[index].cpu().tolist() == [[9.0, 10.0, 11.0], [0.0, 1.0, 2.0]]
    assert rows.index_select(0, index).cpu().tolist() == rows[index].cpu().tolist()


def spread(index):
    """A (3,) index as a (3, 3) one for gather/scatter along dim 0. Contiguous: PyTorch 2.13's CPU gather
    reads an expanded int32 index wrongly (every row takes the first row's index)."""
    return index.view(3, 1).expand(3, 3).contiguous()


# Where PyTorch takes int32 indices beside int64 ones, and where it wants int64 only.
INT32_INDEX_USES = {
    "getitem": lambda lib, x, i: x[i],
    "setitem": lambda lib, x, i: (x.__setitem__(i, 1.0), x)[1],
    "index_put_": lambda lib, x, i: x.index_put_((i,), lib.ones(3), accumulate=True),
    "index_select": lambda lib, x, i: x.index_select(0, i),
    "gather": lambda lib, x, i: x.gather(0, spread(i)),
    "scatter": lambda lib, x, i: x.scatter(0, spread(i), 1.0),
    "scatter_add": lambda lib, x, i: x.scatter_add(0, spread(i), x[:3]),
    "scatter_reduce": lambda lib, x, i: x.scatter_reduce(0, spread(i), x[:3], "amax"),
    "index_add": lambda lib, x, i: x.index_add(0, i, x[:3]),
    "embedding": lambda lib, x, i: lib.nn.functional.embedding(i, x),
    "embedding_bag": lambda lib, x, i: lib.nn.functional.embedding_bag(i, x, lib.tensor([0, 2], dtype=i.dtype)),
    "repeat_interleave": lambda lib, x, i: lib.repeat_interleave(x[:3], i.clamp(0, 2), dim=0),
}
INT64_ONLY_INDEX_USES = {
    "take": lambda lib, x, i: x.take(i),
    "take_along_dim": lambda lib, x, i: x.take_along_dim(i.view(3, 1), 0),
    "index_copy": lambda lib, x, i: x.index_copy(0, i, x[:3]),
    "index_fill": lambda lib, x, i: x.index_fill(0, i, 1.0),
    "cross_entropy": lambda lib, x, i: lib.nn.functional.cross_entropy(x[:3], i.clamp(0, 2)),
    "one_hot": lambda lib, x, i: lib.nn.functional.one_hot(i),
}


@requires_torch
@pytest.mark.parametrize("use", INT32_INDEX_USES, ids=str)
def test_int32_indices_work_where_pytorch_takes_them(use):
    rows = np.arange(15.0, dtype=np.float32).reshape(5, 3)
    x = cr.tensor(rows, requires_grad=use in ("index_select", "gather", "embedding"))
    tx = torch.tensor(rows, requires_grad=x.requires_grad)
    ours = INT32_INDEX_USES[use](cr, x.clone() if not x.requires_grad else x, cr.tensor([4, 0, 4], dtype=cr.int32))
    theirs = INT32_INDEX_USES[use](torch, tx.clone() if not tx.requires_grad else tx,
                                   torch.tensor([4, 0, 4], dtype=torch.int32))
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy())
    if x.requires_grad:
        ours.sum().backward()
        theirs.sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())
    with pytest.raises((RuntimeError, IndexError)):
        INT32_INDEX_USES[use](cr, cr.tensor(rows), cr.tensor([4, 0, 4], dtype=cr.int16))


@requires_torch
@pytest.mark.parametrize("use", INT64_ONLY_INDEX_USES, ids=str)
def test_int32_indices_raise_where_pytorch_wants_int64(use):
    rows = np.arange(15.0, dtype=np.float32).reshape(5, 3)
    with pytest.raises((RuntimeError, IndexError)):
        INT64_ONLY_INDEX_USES[use](torch, torch.tensor(rows), torch.tensor([4, 0, 4], dtype=torch.int32))
    with pytest.raises((RuntimeError, IndexError, TypeError)):
        INT64_ONLY_INDEX_USES[use](cr, cr.tensor(rows), cr.tensor([4, 0, 4], dtype=cr.int32))
    INT64_ONLY_INDEX_USES[use](cr, cr.tensor(rows), cr.tensor([4, 0, 4]))  # int64 works


def test_int32_bytes_are_four_bytes_each():
    """llm.c writes `torch.zeros(256, dtype=torch.int32)` headers with .numpy().tobytes()."""
    header = cr.zeros(256, dtype=cr.int32)
    header[0], header[1] = 20240326, 3
    data = header.numpy().tobytes()
    assert len(data) == 1024
    assert np.frombuffer(data, dtype=np.int32)[:2].tolist() == [20240326, 3]
    assert cr.frombuffer(bytearray(data), dtype=cr.int32)[:2].tolist() == [20240326, 3]
    assert cr.tensor([1, 2]).int().dtype == cr.int32 and cr.tensor([1, 2]).short().dtype == cr.int16
    assert cr.int is cr.int32 and cr.short is cr.int16 and cr.int32 != cr.int64


@requires_torch
def test_dtype_functions_match_pytorch():
    for a in DTYPES:
        for b in DTYPES:
            ours = cr.promote_types(getattr(cr, a), getattr(cr, b))
            assert str(ours).split(".")[-1] == str(torch.promote_types(getattr(torch, a), getattr(torch, b))).split(".")[-1]
            assert cr.can_cast(getattr(cr, a), getattr(cr, b)) == torch.can_cast(getattr(torch, a), getattr(torch, b))
    for small in SMALL:
        x, tx = cr.ones(2, dtype=getattr(cr, small)), torch.ones(2, dtype=getattr(torch, small))
        for other in (5, 2.5, True, cr.tensor(3), cr.tensor([3, 4], dtype=cr.int16)):
            t_other = torch.tensor(other.tolist(), dtype=getattr(torch, dtype_name(other))) if isinstance(
                other, cr.Tensor) else other
            assert str(cr.result_type(x, other)).split(".")[-1] == str(torch.result_type(tx, t_other)).split(".")[-1]
        with pytest.raises(RuntimeError, match="Byte|Char|Short|Int"):
            cr.nanmean(x)


@requires_torch
def test_sums_cumsums_and_index_helpers_in_int32_as_asked():
    x, tx = values(cr, "int32", 16), values(torch, "int32", 16)
    same(x.sum(dtype=cr.int32), tx.sum(dtype=torch.int32))
    same(x.cumsum(0, dtype=cr.int32), tx.cumsum(0, dtype=torch.int32))
    same(x.prod(dtype=cr.int16), tx.prod(dtype=torch.int16))
    same(cr.tril_indices(4, 3, dtype=cr.int32), torch.tril_indices(4, 3, dtype=torch.int32))
    boundaries, tb = cr.tensor([1, 3, 5]), torch.tensor([1, 3, 5])
    same(cr.searchsorted(boundaries, cr.tensor([2, 6]), out_int32=True),
         torch.searchsorted(tb, torch.tensor([2, 6]), out_int32=True))
    same(cr.bucketize(cr.tensor([2, 6]), boundaries, out_int32=True),
         torch.bucketize(torch.tensor([2, 6]), tb, out_int32=True))
    a = np.random.default_rng(0).normal(size=(3, 3))
    ours, theirs = cr.linalg.lu_factor(cr.tensor(a)), torch.linalg.lu_factor(torch.tensor(a))
    same(ours.pivots, theirs.pivots)
    same(cr.linalg.inv_ex(cr.tensor(a)).info, torch.linalg.inv_ex(torch.tensor(a)).info)


@requires_torch
@pytest.mark.parametrize("source, target", [("float32", "int32"), ("float32", "int16"), ("int32", "float32"),
                                            ("float64", "int32"), ("int16", "uint8"), ("uint8", "int32")])
def test_view_as_another_dtype_reads_the_same_bytes(source, target):
    array = np.random.default_rng(1).normal(size=(2, 8)) * 100
    x, tx = cr.tensor(array).to(getattr(cr, source)), torch.tensor(array).to(getattr(torch, source))
    ours, theirs = x.view(getattr(cr, target)), tx.view(getattr(torch, target))
    same(ours, theirs)
    ours.zero_()
    assert not x.any()  # the same memory
    if np.dtype(source).itemsize != np.dtype(target).itemsize:  # then the last dim must have stride 1
        with pytest.raises(RuntimeError):
            tx.t().view(getattr(torch, target))
        with pytest.raises(RuntimeError):
            x.t().view(getattr(cr, target))
