"""The small parts of PyTorch's tensor surface: inference_mode, is_complex/is_floating_point, legacy
constructors (Tensor(...), FloatTensor & co.) and Tensor.type(), memory formats, the new_* factories,
f-string formatting of 0-d tensors and the always-False layout flags, each against PyTorch."""
import numpy as np
import pytest

import chainrule as cr
from conftest import assert_close, requires_torch, torch


# ---------------------------------------------------------------------------------------------
# inference_mode

def test_inference_mode_context_and_decorators():
    x = cr.ones(2, requires_grad=True)
    assert not cr.is_inference_mode_enabled()
    with cr.inference_mode():
        assert cr.is_inference_mode_enabled() and not (x * 2).requires_grad
        with cr.inference_mode(False):
            assert not cr.is_inference_mode_enabled()
    assert not cr.is_inference_mode_enabled() and (x * 2).requires_grad

    @cr.inference_mode()
    def called():
        return (x * 2).requires_grad, cr.is_inference_mode_enabled()

    @cr.inference_mode
    def bare():
        return (x * 2).requires_grad, cr.is_inference_mode_enabled()

    assert called() == bare() == (False, True)
    assert bare.__name__ == "bare" and cr.is_grad_enabled()


def test_inference_mode_restores_on_error():
    with pytest.raises(ValueError):
        with cr.inference_mode():
            raise ValueError("boom")
    assert cr.is_grad_enabled() and not cr.is_inference_mode_enabled()


# ---------------------------------------------------------------------------------------------
# predicates and flags

@requires_torch
def test_predicates_and_flags_match_torch():
    for dtype in ("float32", "float64", "int64", "bool"):
        x, t = cr.ones(2, 3).to(getattr(cr, dtype)), torch.ones(2, 3).to(getattr(torch, dtype))
        assert cr.is_complex(x) == torch.is_complex(t) and x.is_complex() == t.is_complex()
        assert cr.is_floating_point(x) == torch.is_floating_point(t)
        assert x.nbytes == t.nbytes and x.itemsize == t.itemsize
        for flag in ("is_sparse", "is_quantized", "is_meta", "is_mps", "is_xpu", "is_cuda"):
            assert getattr(x, flag) == getattr(t, flag), flag
    with pytest.raises(TypeError, match="must be Tensor"):
        cr.is_complex(3)


@requires_torch
def test_signed_nonzero_same_size_and_device_queries_match_torch():
    for dtype in ("float32", "float64", "int64", "bool"):
        x, t = cr.ones(2, 3).to(getattr(cr, dtype)), torch.ones(2, 3).to(getattr(torch, dtype))
        assert cr.is_signed(x) == torch.is_signed(t) and x.is_signed() == t.is_signed()
        assert x.is_cpu == t.is_cpu and x.get_device() == t.get_device() == -1
        assert x.is_same_size(cr.zeros(2, 3)) and not cr.is_same_size(x, cr.zeros(3, 2))
    for value in (0.0, 3, True, False):
        assert cr.tensor([value]).is_nonzero() == torch.tensor([value]).is_nonzero()
        assert cr.is_nonzero(cr.tensor(value)) == torch.is_nonzero(torch.tensor(value))
    with pytest.raises(RuntimeError, match="more than one value is ambiguous"):
        cr.ones(2).is_nonzero()
    with pytest.raises(RuntimeError, match="no values is ambiguous"):
        cr.ones(0).is_nonzero()
    with pytest.raises(TypeError, match="must be Tensor"):
        cr.is_same_size(cr.ones(2), 3)


@requires_torch
@pytest.mark.parametrize("size", [0, 3])
def test_bool_of_a_tensor_without_exactly_one_value_raises_torchs_error(size):
    # kuangliu/pytorch-cifar's init_params: `if m.bias:` on a Linear's bias
    with pytest.raises(RuntimeError) as expected:
        bool(torch.ones(size))
    with pytest.raises(RuntimeError, match=f"^{expected.value}$"):
        bool(cr.ones(size))


# ---------------------------------------------------------------------------------------------
# legacy constructors and Tensor.type()


@requires_torch
def test_tensor_new_matches_torch():
    x, t = cr.ones(2, 3, dtype=cr.float64), torch.ones(2, 3, dtype=torch.float64)
    for args in [(2,), ([1, 2],), (), (cr.Size([2, 2]),), (2, 1)]:
        got = x.new(*args)
        want = t.new(*[torch.Size(a) if isinstance(a, cr.Size) else a for a in args])
        assert tuple(got.shape) == tuple(want.shape) and got.dtype == cr.float64
    assert x.new([1, 2]).tolist() == t.new([1, 2]).tolist()
    assert x.new(x).data_ptr() == x.data_ptr()
    with pytest.raises(TypeError, match="new"):
        x.new(2.5)
    with pytest.raises(TypeError, match="expected a"):
        x.new(cr.ones(2).long())
    with pytest.raises(TypeError, match="expected a"):
        cr.FloatTensor(cr.ones(2).long())
    assert cr.Tensor(cr.ones(2).long()).dtype == cr.int64  # torch.Tensor(t) takes any tensor

@requires_torch
@pytest.mark.parametrize("name", ["Tensor", "FloatTensor", "DoubleTensor", "LongTensor", "BoolTensor"])
def test_legacy_constructors_match_torch(name):
    ours, theirs = getattr(cr, name), getattr(torch, name)
    for args in [([1.5, 0.0, 2.0],), ([[1, 2], [3, 4]],), (np.array([1, 0, 3]),), ([],)]:
        got, want = ours(*args), theirs(*args)
        assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
        assert_close(got, want.numpy())
    for args in [(2, 3), (0,), (), (cr.Size([4, 1]),)]:
        got = ours(*args)
        want = theirs(*[torch.Size(a) if isinstance(a, cr.Size) else a for a in args])
        assert tuple(got.shape) == tuple(want.shape) and str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
    with pytest.raises(TypeError, match="sequence"):
        ours(2.5)


def test_legacy_constructor_of_a_tensor_shares_its_data():
    a = cr.ones(3)
    b = cr.Tensor(a)
    b[0] = 7
    assert a[0].item() == 7 and not b.requires_grad


@requires_torch
def test_isinstance_of_legacy_types_matches_torch():
    pairs = [(cr.ones(2), torch.ones(2)), (cr.ones(2).double(), torch.ones(2).double()),
             (cr.ones(2).long(), torch.ones(2).long()), (cr.ones(2).bool(), torch.ones(2).bool())]
    for name in ("FloatTensor", "DoubleTensor", "LongTensor", "BoolTensor"):
        for ours, theirs in pairs:
            assert isinstance(ours, getattr(cr, name)) == isinstance(theirs, getattr(torch, name))
        assert not isinstance([1.0], getattr(cr, name))


@requires_torch
def test_type_names_and_conversions_match_torch():
    for dtype in ("float32", "float64", "int64", "bool"):
        x, t = cr.ones(2).to(getattr(cr, dtype)), torch.ones(2).to(getattr(torch, dtype))
        assert x.type() == t.type()
        for target in ("torch.FloatTensor", "torch.DoubleTensor", "torch.LongTensor"):
            assert str(x.type(target).dtype).split(".")[-1] == str(t.type(target).dtype).split(".")[-1]
        assert x.type(cr.float64).dtype == cr.float64 and x.type(cr.LongTensor).dtype == cr.int64
    x = cr.ones(2)
    assert x.type(cr.float32) is x
    with pytest.raises(ValueError, match="invalid type"):
        x.type("torch.Foo")


@requires_torch
@pytest.mark.parametrize("default", ["float32", "float64"])
def test_type_to_the_tensor_class_converts_to_the_default_dtype_as_torch(default):
    # PyTorch-GAN's cyclegan: Tensor = torch.cuda.FloatTensor if cuda else torch.Tensor; batch["A"].type(Tensor)
    try:
        cr.set_default_dtype(getattr(cr, default)); torch.set_default_dtype(getattr(torch, default))
        for dtype in ("int64", "float32", "float64"):
            x, t = cr.ones(2, dtype=getattr(cr, dtype)), torch.ones(2, dtype=getattr(torch, dtype))
            for target in ((cr.Tensor, torch.Tensor), ("torch.Tensor", "torch.Tensor")):
                assert x.type(target[0]).type() == t.type(target[1]).type()
            assert (x.type(cr.Tensor) is x) == (t.type(torch.Tensor) is t)
    finally:
        cr.set_default_dtype(cr.float32); torch.set_default_dtype(torch.float32)


# ---------------------------------------------------------------------------------------------
# memory formats

@requires_torch
def test_memory_formats_are_accepted_with_the_same_values():
    data = np.arange(24.0).reshape(1, 2, 3, 4)
    x, t = cr.tensor(data), torch.tensor(data)
    assert repr(cr.channels_last) == repr(torch.channels_last) == "torch.channels_last"
    assert isinstance(cr.contiguous_format, cr.memory_format)
    for fmt in ("contiguous_format", "preserve_format", "channels_last"):
        ours, theirs = getattr(cr, fmt), getattr(torch, fmt)
        assert_close(x.clone(memory_format=ours), t.clone(memory_format=theirs).numpy())
        assert_close(x.to(memory_format=ours), t.to(memory_format=theirs).numpy())
        assert cr.zeros_like(x, memory_format=ours).shape == torch.zeros_like(t, memory_format=theirs).shape
        assert cr.full_like(x, 2.0, memory_format=ours).sum().item() == 48
    assert_close(x.contiguous(memory_format=cr.channels_last), data)
    with pytest.raises(RuntimeError, match="rank 4"):
        cr.ones(2, 3).contiguous(memory_format=cr.channels_last)
    with pytest.raises(RuntimeError, match="rank 4"):
        cr.empty_like(cr.ones(2), memory_format=cr.channels_last)
    with pytest.raises(TypeError, match="memory_format"):
        cr.ones(2).clone(memory_format=3)


@requires_torch
def test_memory_formats_lay_tensors_out_as_pytorchs():
    # the strides PyTorch gives: channels_last made by contiguous/clone/to/factories/*_like, kept by
    # preserve_format (clone, to, float() & co., *_like) and by elementwise ops; Module.to as well
    def layouts(lib):
        data = np.arange(120.0, dtype=np.float32).reshape(2, 3, 4, 5)
        x = lib.tensor(data)
        cl = x.contiguous(memory_format=lib.channels_last)
        permuted = lib.tensor(np.arange(60.0).reshape(3, 4, 5)).permute(2, 0, 1)
        made = {
            "contiguous cl": cl, "clone cl": x.clone(memory_format=lib.channels_last),
            "to cl": x.to(memory_format=lib.channels_last), "empty cl": lib.empty(2, 3, 4, 5, memory_format=lib.channels_last),
            "zeros_like cl": lib.zeros_like(x, memory_format=lib.channels_last), "clone of cl": cl.clone(),
            "to64 of cl": cl.to(lib.float64), "half of cl": cl.half(), "relu of cl": lib.relu(cl), "add of cl": cl + 1,
            "zeros_like of cl": lib.zeros_like(cl), "empty_like of permuted": lib.empty_like(permuted),
            "where of cl": lib.where(cl > 50, cl, 0.0), "clamp of permuted": permuted.clamp(min=3),
            "gelu of cl": lib.nn.functional.gelu(cl), "silu of permuted": lib.nn.functional.silu(permuted),
            "clone of permuted": permuted.clone(), "double of permuted": permuted.double(),
            "contiguous of cl": cl.contiguous(), "clone contiguous of cl": cl.clone(memory_format=lib.contiguous_format),
            "conv weight": lib.nn.Conv2d(3, 4, 3).to(memory_format=lib.channels_last).weight,
            "cl 3d": lib.zeros(1, 2, 3, 4, 5).contiguous(memory_format=lib.channels_last_3d),
        }
        return {k: (tuple(v.stride()), v.is_contiguous(memory_format=lib.channels_last) if v.dim() == 4 else None,
                    np.asarray(v.detach().float().numpy() if "empty" not in k and "conv" not in k else 0).sum())
                for k, v in made.items()}  # the values of empty tensors and of random weights are not compared
    ours, theirs = layouts(cr), layouts(torch)
    for key in theirs:
        assert ours[key][:2] == theirs[key][:2], key
        np.testing.assert_allclose(ours[key][2], theirs[key][2], err_msg=key)
    assert cr.ones(2, 3, 4, 5).contiguous(memory_format=cr.channels_last).contiguous().is_contiguous()
    with pytest.raises(RuntimeError, match="preserve memory format is unsupported"):
        cr.ones(2).contiguous(memory_format=cr.preserve_format)


def test_a_channels_last_copy_keeps_its_gradient_and_dtype_conversion():
    x = cr.ones(2, 3, 4, 5, requires_grad=True)
    y = x.to(cr.float64, memory_format=cr.channels_last)
    assert y.grad_fn.name() == "ToCopyBackward0" and y.dtype == cr.float64
    (y * 2).sum().backward()
    assert x.grad.dtype == cr.float32 and x.grad.sum().item() == 240
    z = x.clone(memory_format=cr.channels_last)
    assert z.grad_fn.name() == "CloneBackward0"


def test_clone_and_contiguous_keep_their_gradient():
    x = cr.ones(2, 3, requires_grad=True)
    (x.clone(memory_format=cr.contiguous_format) * 2).sum().backward()
    assert_close(x.grad, np.full((2, 3), 2.0))


# ---------------------------------------------------------------------------------------------
# new_* factories

@requires_torch
def test_new_factories_match_torch():
    x, t = cr.ones(2, dtype=cr.float64), torch.ones(2, dtype=torch.float64)
    cases = [
        ("new_zeros", (2, 3), {}), ("new_zeros", ((2, 3),), {}), ("new_ones", ([4],), {"dtype": "int64"}),
        ("new_empty", (3,), {}), ("new_full", ((2,), 1.5), {}), ("new_full", ([2], 1.5), {"dtype": "int64"}),
        ("new_tensor", ([1, 2],), {}), ("new_tensor", ([[True]],), {"dtype": "bool"}),
    ]
    for method, args, kwargs in cases:
        ours = getattr(x, method)(*args, **{k: getattr(cr, v) for k, v in kwargs.items()})
        theirs = getattr(t, method)(*args, **{k: getattr(torch, v) for k, v in kwargs.items()})
        assert tuple(ours.shape) == tuple(theirs.shape), method
        assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1], method
        if method != "new_empty":
            assert_close(ours, theirs.numpy())
    y = x.new_zeros(2, requires_grad=True)
    assert y.requires_grad and y.is_leaf
    z = x.new_tensor(x, requires_grad=True)
    assert z.is_leaf and z.data_ptr() != x.data_ptr()


# ---------------------------------------------------------------------------------------------
# __format__

@requires_torch
def test_format_matches_torch():
    for value in (3.14159, 2, True):
        ours, theirs = cr.tensor(value), torch.tensor(value)
        assert f"{ours}" == f"{theirs}".replace("torch.", "chainrule.")
        spec = ".3f" if not isinstance(value, bool) else ""
        assert format(ours, spec) == format(theirs, spec)
    assert f"{cr.tensor(7):05d}" == f"{torch.tensor(7):05d}" == "00007"
    assert format(cr.ones(2)) == str(cr.ones(2))
    with pytest.raises(TypeError):
        format(cr.ones(2), ".2f")
    with pytest.raises(TypeError):
        format(torch.ones(2), ".2f")


def test_legacy_tensor_follows_the_default_dtype():
    try:
        cr.set_default_dtype(cr.float64)
        assert cr.Tensor([1.0]).dtype == cr.float64 and cr.Tensor(2).dtype == cr.float64
        assert cr.FloatTensor(2).dtype == cr.float32
    finally:
        cr.set_default_dtype(cr.float32)
    assert cr.Tensor(2).dtype == cr.float32


@requires_torch
def test_set_default_tensor_type_as_pytorch():
    # deprecated in PyTorch 2.1 but still in older programs: the default dtype (and, for a cuda type,
    # the default device), PyTorch's warning and errors
    try:
        for t in (cr.DoubleTensor, "torch.DoubleTensor", "torch.FloatTensor"):
            with pytest.warns(UserWarning, match="set_default_tensor_type"):
                cr.set_default_tensor_type(t)
            name = t if isinstance(t, str) else f"torch.{t.__name__}"
            assert str(cr.get_default_dtype()).split(".")[1] == ("float64" if "Double" in name else "float32")
            assert cr.tensor([1.0]).dtype == cr.get_default_dtype()
        with pytest.warns(UserWarning), pytest.raises(TypeError, match="only floating-point types"):
            cr.set_default_tensor_type(cr.LongTensor)
        with pytest.warns(UserWarning), pytest.raises(TypeError, match="invalid type"):
            cr.set_default_tensor_type("torch.NopeTensor")
    finally:
        cr.set_default_dtype(cr.float32)


def test_legacy_cuda_types_name_the_gpu():
    assert repr(cr.cuda.FloatTensor) == "<class 'chainrule.cuda.FloatTensor'>"
    assert not isinstance(cr.zeros(2), cr.cuda.FloatTensor) and isinstance(cr.zeros(2), cr.FloatTensor)
    assert cr.zeros(2, dtype=cr.float64).type(cr.FloatTensor).dtype == cr.float32
    if cr.cuda.is_available():
        x = cr.zeros(2).type("torch.cuda.DoubleTensor")
        assert x.device.type == "cuda" and x.dtype == cr.float64 and isinstance(x, cr.cuda.DoubleTensor)
        assert x.type() == "torch.cuda.DoubleTensor" and cr.cuda.LongTensor(3).device.type == "cuda"


# ---------------------------------------------------------------------------------------------
# is_contiguous(memory_format=...) from the strides, as PyTorch answers it

def _layouts(lib):
    """Tensors with row-major, NHWC (permuted back to NCHW), NDHWC, size-1 and zero-size layouts."""
    nhwc = lib.zeros(2, 4, 5, 3).permute(0, 3, 1, 2)
    ndhwc = lib.zeros(2, 4, 5, 6, 3).permute(0, 4, 1, 2, 3)
    return [lib.zeros(2, 3, 4, 5), nhwc, ndhwc, lib.zeros(1, 3, 1, 1), lib.zeros(2, 1, 4, 5), lib.zeros(0, 3, 2, 2),
            lib.zeros(2, 3), lib.zeros(2, 4, 5, 3).permute(0, 2, 3, 1), ndhwc.permute(0, 2, 3, 4, 1)]


@requires_torch
@pytest.mark.parametrize("fmt", ["contiguous_format", "channels_last", "channels_last_3d", "preserve_format", None])
def test_is_contiguous_in_a_memory_format_matches_torch(fmt):
    ours = [t.is_contiguous(memory_format=getattr(cr, fmt) if fmt else None) for t in _layouts(cr)]
    if fmt is None:
        ref = [t.is_contiguous() for t in _layouts(torch)]
    else:
        ref = [t.is_contiguous(memory_format=getattr(torch, fmt)) for t in _layouts(torch)]
    assert ours == ref
    with pytest.raises(TypeError, match="memory_format"):
        cr.zeros(2).is_contiguous(memory_format=1)


# ---------------------------------------------------------------------------------------------
# keywords named as PyTorch names them, and PyTorch's error types

@requires_torch
def test_pow_exponent_and_copy_non_blocking_keywords():
    for lib in (torch, cr):
        x = lib.tensor([1.0, 2.0, 3.0])
        assert lib.pow(x, exponent=2).tolist() == [1.0, 4.0, 9.0]
        assert lib.pow(input=x, exponent=2).tolist() == x.pow(exponent=2).tolist()
        assert x.clone().pow_(exponent=2).tolist() == [1.0, 4.0, 9.0]
        y = lib.zeros(3)
        assert y.copy_(x, non_blocking=True) is y and y.tolist() == x.tolist()
        assert lib.zeros(3).copy_(other=x).tolist() == x.tolist()  # PyTorch's keyword (its docs say src)


@requires_torch
def test_item_of_several_elements_is_a_runtime_error_as_in_torch():
    for lib in (torch, cr):
        with pytest.raises(RuntimeError, match="2 elements"):
            lib.ones(2).item()
        with pytest.raises(ValueError):  # float() and int() raise ValueError in PyTorch
            float(lib.ones(2))


@requires_torch
@pytest.mark.parametrize("call", [
    lambda lib, x: x.view_as(other=x.reshape(3, 2)), lambda lib, x: x.reshape_as(other=x.reshape(6)),
    lambda lib, x: x.expand_as(other=lib.zeros(2, 2, 3)), lambda lib, x: x.type_as(other=lib.zeros(1, dtype=lib.float64)),
    lambda lib, x: x.true_divide(other=2), lambda lib, x: lib.true_divide(input=x, other=2),
    lambda lib, x: lib.std(input=x, dim=1), lambda lib, x: lib.var(input=x, dim=0), lambda lib, x: lib.detach(input=x),
    lambda lib, x: x.sum_to_size(size=(1, 3)), lambda lib, x: x.float(memory_format=lib.contiguous_format),
    lambda lib, x: x.double(memory_format=lib.preserve_format), lambda lib, x: x.long(memory_format=lib.contiguous_format),
    lambda lib, x: x.bool(memory_format=lib.contiguous_format)])
def test_keywords_named_as_torch_names_them(call):
    ours, ref = (call(lib, lib.arange(6.0).reshape(2, 3)) for lib in (cr, torch))
    assert_close(ours, ref.numpy())
    assert cr.get_device(input=cr.zeros(1)) == torch.get_device(input=torch.zeros(1))


# ---------------------------------------------------------------------------------------------
# _grad: minimalRL's a3c.py hands each worker's gradients to the shared model this way

@requires_torch
def test_assigning_private_grad_sets_grad_like_pytorch():
    def run(lib):
        shared, local = lib.nn.Parameter(lib.ones(3)), lib.nn.Parameter(lib.ones(3))
        (local * 2).sum().backward()
        shared._grad = local.grad
        lib.optim.SGD([shared], lr=0.1).step()
        return shared.detach().numpy(), shared.grad is local.grad, shared._grad is local.grad

    got, want = run(cr), run(torch)
    np.testing.assert_allclose(got[0], want[0])
    assert got[1:] == want[1:] == (True, True)
