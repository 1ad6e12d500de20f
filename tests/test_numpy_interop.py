"""NumPy interop: from_numpy/numpy() share memory both ways, non-contiguous arrays, rejected
arrays, numpy(force=True), and tensor() building from lists, scalars and arrays with PyTorch's dtype inference;
tensor(), nn.Parameter() and tensor arguments of functions copying real PyTorch tensors (safetensors.torch.load_file
and Hugging Face state dicts hand those to weight-loading code)."""
import warnings

import numpy as np
import pytest

import chainrule as cr
from conftest import assert_close, assert_same_error, requires_torch, torch

SUPPORTED = {np.float32: cr.float32, np.float64: cr.float64, np.int64: cr.int64, np.bool_: cr.bool}


@pytest.mark.parametrize("np_dtype, dtype", list(SUPPORTED.items()))
def test_from_numpy_shares_memory_both_ways(np_dtype, dtype):
    a = np.arange(6).reshape(2, 3).astype(np_dtype)
    t = cr.from_numpy(a)
    assert t.dtype == dtype and t.shape == (2, 3) and t.stride() == (3, 1)
    a[0, 1] = 0 if np_dtype is not np.bool_ else True
    assert t.tolist()[0][1] == a[0, 1]
    t.fill_(1)
    assert np.all(a == 1)
    assert t.numpy().ctypes.data == a.ctypes.data


def test_from_numpy_keeps_array_alive():
    t = cr.from_numpy(np.arange(5, dtype=np.float32) * 2)
    import gc
    gc.collect()
    assert t.tolist() == [0.0, 2.0, 4.0, 6.0, 8.0]


def test_numpy_shares_memory():
    t = cr.zeros(2, 3)
    a = t.numpy()
    assert a.dtype == np.float32 and a.shape == (2, 3)
    a[1, 2] = 5
    assert t.tolist()[1][2] == 5
    t.add_(1)
    assert a[0, 0] == 1 and a[1, 2] == 6
    del t
    assert a.sum() == 11  # the array keeps the tensor's storage alive


def test_numpy_of_views_keeps_strides():
    t = cr.arange(12, dtype=cr.float64).reshape(3, 4)
    v = t.t().narrow(0, 1, 2)
    a = v.numpy()
    want = np.arange(12, dtype=np.float64).reshape(3, 4).T[1:3]
    np.testing.assert_array_equal(a, want)
    assert a.strides == (8, 32)
    e = cr.ones(1, 3).expand(4, 3).numpy()
    assert e.shape == (4, 3) and e.strides == (0, 4)
    assert cr.tensor(2.5).numpy().shape == ()
    assert cr.zeros(0, 2).numpy().shape == (0, 2)


def test_numpy_refuses_tensors_that_require_grad():
    t = cr.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="detach"):
        t.numpy()
    assert t.detach().numpy().tolist() == [1.0, 1.0]
    assert np.asarray(t).tolist() == [1.0, 1.0]  # __array__ detaches


@pytest.mark.parametrize("lib", ["chainrule", "torch"])
def test_numpy_force_detaches_and_still_shares_a_cpu_tensors_memory(lib):
    if lib == "torch" and torch is None:
        pytest.skip("PyTorch is not installed")
    m = cr if lib == "chainrule" else torch
    w = m.ones(3, requires_grad=True)
    a = w.numpy(force=True)
    assert a.tolist() == [1.0, 1.0, 1.0] and a.dtype == np.float32
    with m.no_grad():
        w.mul_(2)
    assert a.tolist() == [2.0, 2.0, 2.0]  # a view of the same memory, as without force
    plain = m.zeros(2)
    plain.numpy(force=False)[0] = 5
    assert plain.tolist() == [5.0, 0.0]
    with pytest.raises(RuntimeError, match="(?i)numpy\\(\\) on .*requires grad"):
        w.numpy(force=False)
    with pytest.raises(TypeError):
        w.numpy(True)  # force is keyword-only


@pytest.mark.parametrize("make", [
    lambda a: a.T, lambda a: a[:, ::2], lambda a: a[1:, 1:3], lambda a: np.broadcast_to(a[:1], (4, 6)).copy()[:, ::2],
    lambda a: a.reshape(2, 2, 6).transpose(2, 0, 1), lambda a: a[::3, ::5],
])
def test_from_numpy_non_contiguous(make):
    a = make(np.arange(24, dtype=np.float32).reshape(4, 6))
    t = cr.from_numpy(a)
    assert t.shape == a.shape
    assert tuple(s * 4 for s in t.stride()) == a.strides
    assert_close(t, a)
    assert_close(t + 1, a + 1)
    assert_close(t.contiguous(), a)


def test_from_numpy_rejects_negative_strides():
    a = np.arange(6, dtype=np.float32)
    with pytest.raises(ValueError, match="negative stride"):
        cr.from_numpy(a[::-1])
    with pytest.raises(ValueError, match="negative stride"):
        cr.from_numpy(np.arange(6.0).reshape(2, 3)[:, ::-1])
    assert_close(cr.from_numpy(a[::-1].copy()), a[::-1])
    assert_close(cr.tensor(a[::-1]), a[::-1])  # tensor() copies, so any strides work


@pytest.mark.parametrize("np_dtype", [np.complex64, np.uint64, object])
def test_from_numpy_rejects_dtypes_no_chainrule_dtype_holds(np_dtype):
    a = np.zeros(3, dtype=np_dtype)
    with pytest.raises(TypeError, match="from_numpy"):
        cr.from_numpy(a)


@pytest.mark.parametrize("np_dtype, expected", [(np.uint16, cr.int64), (np.uint32, cr.int64)], ids=str)
def test_from_numpy_copies_dtypes_chainrule_lacks_into_one_that_holds_them(np_dtype, expected):
    # an image as a dataset's __getitem__ reads it: from_numpy(np.array(img)).permute(2, 0, 1).float() / 255
    info = np.iinfo(np_dtype) if np.dtype(np_dtype).kind in "iu" else np.finfo(np_dtype)
    image = np.array([[[info.min, 0, 1], [info.max, 7, 3]]], dtype=np_dtype)
    with pytest.warns(UserWarning, match=f"chainrule has no {np.dtype(np_dtype)} dtype; the array was copied"):
        ours = cr.from_numpy(image)
    assert ours.dtype == expected
    theirs = torch.from_numpy(image)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy().astype(ours.numpy().dtype))
    np.testing.assert_allclose(ours.permute(2, 0, 1).float().numpy() / 255,
                               theirs.permute(2, 0, 1).float().numpy() / 255, rtol=1e-6)


def test_from_numpy_rejects_non_native_byte_order_and_warns_on_read_only():
    with pytest.raises(TypeError, match="byte order"):
        cr.from_numpy(np.zeros(3, dtype=">f4"))
    ro = np.zeros(3, dtype=np.float32)
    ro.flags.writeable = False
    with pytest.warns(UserWarning, match="not writable"):
        cr.from_numpy(ro)


def read_only(array):
    array = np.array(array, copy=True)
    array.flags.writeable = False
    return array


# Which constructors warn for a read-only array, as PyTorch's do (each checked in a fresh PyTorch process:
# it warns once per process). torch.tensor copies without a warning: torch.tensor(df.values) of a pandas
# DataFrame under copy-on-write, whose .values are read-only, is silent.
@pytest.mark.parametrize("name, make, warns", [
    ("tensor", lambda a: cr.tensor(a), False),
    ("tensor_dtype", lambda a: cr.tensor(a, dtype=cr.float32), False),
    ("tensor_int32", lambda a: cr.tensor(a.astype(np.int32)), False),
    ("as_tensor", lambda a: cr.as_tensor(a), True),
    ("as_tensor_dtype", lambda a: cr.as_tensor(a, dtype=cr.int64), True),
    ("from_numpy", lambda a: cr.from_numpy(a), True),
    ("Tensor", lambda a: cr.Tensor(a), True),
    ("FloatTensor", lambda a: cr.FloatTensor(a), True),
    ("new", lambda a: cr.zeros(2).new(a), True),
    ("new_tensor", lambda a: cr.zeros(2).new_tensor(a), False)])
def test_read_only_array_warns_where_pytorch_does(name, make, warns):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = make(read_only(np.arange(6.0).reshape(2, 3)))
    assert out.tolist() == np.arange(6.0).reshape(2, 3).tolist()
    assert [str(w.message)[:37] for w in caught] == (["The given NumPy array is not writable"] if warns else [])


@requires_torch
def test_tensor_of_a_read_only_array_is_silent_as_pytorchs():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert torch.tensor(read_only([1.0, 2.0])).tolist() == cr.tensor(read_only([1.0, 2.0])).tolist()


PANDAS_DATA = {  # name -> how a Kaggle-style script hands a column to torch.tensor / as_tensor
    "series_float64": lambda pd: pd.Series([1.5, 2.5]),
    "series_float32": lambda pd: pd.Series(np.array([1.5, 2.5], dtype=np.float32)),
    "series_int64": lambda pd: pd.Series([1, 2]),
    "series_uint8": lambda pd: pd.Series(np.array([1, 2], dtype=np.uint8)),
    "series_int8": lambda pd: pd.Series(np.array([1, 2], dtype=np.int8)),
    "series_bool": lambda pd: pd.Series([True, False]),
    "index_float64": lambda pd: pd.Index([1.5, 2.5]),
    "nullable_float64": lambda pd: pd.array([1.5, 2.5], dtype="Float64"),
    "list_of_series": lambda pd: [pd.Series([1.5]), pd.Series([2.5])],
    "values_float64": lambda pd: pd.Series([1.5, 2.5]).values,
}


@requires_torch
@pytest.mark.parametrize("name", sorted(PANDAS_DATA))
@pytest.mark.parametrize("make", ["tensor", "as_tensor"])
def test_pandas_columns_keep_their_numpy_dtype_as_in_pytorch(name, make):
    pd = pytest.importorskip("pandas")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # as_tensor of read-only .values warns in both
        ours = getattr(cr, make)(PANDAS_DATA[name](pd))
        theirs = getattr(torch, make)(PANDAS_DATA[name](pd))
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    assert ours.tolist() == theirs.tolist()


@requires_torch
@pytest.mark.parametrize("make", ["tensor", "as_tensor", "FloatTensor", "from_numpy"])
def test_an_object_array_is_pytorchs_type_error(make):
    mixed = np.array([[True, 1.5], [False, 2.0]], dtype=object)  # a DataFrame's .values with bool and float columns
    with pytest.raises(TypeError, match="numpy.object_"):
        getattr(torch, make)(mixed)
    with pytest.raises(TypeError, match="object"):
        getattr(cr, make)(mixed)
    assert cr.tensor(mixed.tolist()).tolist() == torch.tensor(mixed.tolist()).tolist()  # the lists still convert


def test_from_numpy_zero_size_and_0d():
    assert cr.from_numpy(np.zeros((0, 4), dtype=np.float32)).shape == (0, 4)
    t = cr.from_numpy(np.array(3.0))
    assert t.shape == () and t.dtype == cr.float64 and t.item() == 3.0


@requires_torch
@pytest.mark.parametrize("data", [
    1, 2.5, True, [1, 2, 3], [1.0, 2, 3], [True, False], [[1, 2], [3, 4]], [[1.5], [2.5]], [], [[]], [True, 2],
    [True, 2.5], np.float64(1.5), np.float32(2.5), np.int32(3), np.array([1, 2], dtype=np.int32),
    np.array([1.5], dtype=np.float64), np.array([1.5], dtype=np.float32), np.array([1, 2], dtype=np.uint8),
    np.array([[True]]), np.array(7), [np.float64(1.5), 2.0], -0.0, 2**40, (1, 2), ((1.0, 2.0), (3.0, 4.0)),
])
def test_tensor_dtype_inference_matches_torch(data):
    got, want = cr.tensor(data), torch.tensor(data)
    assert str(got.dtype) == "chainrule." + str(want.dtype)[6:]
    assert got.shape == tuple(want.shape)
    assert got.tolist() == want.tolist()


def test_tensor_copies_and_accepts_dtype():
    a = np.arange(3, dtype=np.float32)
    t = cr.tensor(a)
    a[0] = 9
    assert t.tolist() == [0.0, 1.0, 2.0]
    assert cr.tensor([1, 2], dtype=cr.float64).dtype == cr.float64
    assert cr.tensor([1.7, -1.7], dtype=cr.int64).tolist() == [1, -1]
    assert cr.tensor([0, 2], dtype=cr.bool).tolist() == [False, True]
    assert cr.tensor(a, dtype=np.float64).dtype == cr.float64
    assert cr.tensor([1, 2], dtype=float).dtype == cr.float64
    src = cr.ones(2, requires_grad=True)
    c = cr.tensor(src)
    assert not c.requires_grad and c._storage_id() != src._storage_id()
    assert cr.tensor([1.0], requires_grad=True).requires_grad


def test_tensor_bad_data():
    with pytest.raises(ValueError, match="tensor"):
        cr.tensor([[1, 2], [3]])
    with pytest.raises(TypeError, match="tensor"):
        cr.tensor(["a", "b"])
    with pytest.raises(TypeError, match="tensor"):
        cr.tensor(np.array([1 + 2j]))
    with pytest.raises(TypeError, match="tensor"):
        cr.tensor({"a": 1})
    with pytest.raises(TypeError, match="complex64"):
        cr.tensor([1.0], dtype=np.complex64)


def test_tensor_of_numpy_float16_scalars_warns_nothing():
    # the check for Python ints past int64 compared a float16 maximum with 2**63 (NumPy's overflow warning)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t = cr.tensor([np.float16(1.5), np.float16(-2.0)])
    assert t.dtype == cr.float16 and t.tolist() == [1.5, -2.0]  # NumPy float16 scalars keep their dtype, as in PyTorch


@requires_torch
@pytest.mark.parametrize("make", [
    lambda: torch.randn(3, 4, dtype=torch.bfloat16),  # Hugging Face checkpoints: NumPy has no bfloat16
    lambda: torch.randn(3, 4, dtype=torch.float16),
    lambda: torch.randn(4, 3).t(),
    lambda: torch.randn(3, 4, dtype=torch.float64),
    lambda: torch.randn(3, 4, requires_grad=True),
])
def test_tensor_and_parameter_copy_real_pytorch_tensors(make):
    source = make()
    want = source.detach().double().tolist()
    got = cr.tensor(source)
    assert got.shape == tuple(source.shape) and got.tolist() == want
    kept = {torch.float64: cr.float64, torch.float16: cr.float16, torch.bfloat16: cr.bfloat16}
    assert got.dtype == kept.get(source.dtype, cr.float32)
    param = cr.nn.Parameter(source.clone().detach())  # weight loaders' assign(): Parameter(right.clone().detach())
    assert isinstance(param, cr.nn.Parameter) and param.requires_grad and param.tolist() == want
    with torch.no_grad():
        source.zero_()
    assert got.tolist() == want  # copies, as torch.tensor(tensor) is


@requires_torch
def test_tensor_of_real_pytorch_ints_and_bools():
    assert cr.tensor(torch.arange(4, dtype=torch.int32)).dtype == cr.int32
    assert cr.tensor(torch.arange(4, dtype=torch.int16)).dtype == cr.int16
    assert cr.tensor(torch.tensor([True, False])).tolist() == [True, False]
    assert cr.as_tensor(torch.ones(2, dtype=torch.bfloat16)).tolist() == [1.0, 1.0]


@requires_torch
def test_functions_take_real_pytorch_tensors_as_copies():
    # rasbt's weight-loading-hf-safetensors: q_w, k_w, v_w = torch.chunk(params["h.0.attn.c_attn.weight"], 3, axis=-1)
    weight = torch.arange(12, dtype=torch.bfloat16).reshape(2, 6)
    got = cr.chunk(weight, 3, axis=-1)
    want = torch.chunk(weight.float(), 3, dim=-1)
    assert [g.tolist() for g in got] == [w.tolist() for w in want]
    param = cr.nn.Parameter(cr.zeros(2, 6))
    with cr.no_grad():
        param.copy_(weight)  # `param.copy_(hf_weight)` loaders
    assert param.tolist() == weight.float().tolist()
    fused = cr.cat([weight, cr.zeros(2, 6)])  # fusing loaded q/k/v weights, stacking a batch of them
    assert fused.tolist() == torch.cat([weight.float(), torch.zeros(2, 6)]).tolist()
    assert cr.stack([torch.tensor(3), torch.tensor(4)]).tolist() == [3, 4]


@requires_torch
def test_functions_still_refuse_what_torch_refuses():
    for lib in (torch, cr):
        for data in ([1.0, 2.0, 3.0], np.ones(3)):
            with pytest.raises(TypeError):
                lib.chunk(data, 3)
            with pytest.raises(TypeError):
                lib.cat([data, lib.ones(3)])


def test_as_tensor_shares_memory_when_it_can():
    a = np.arange(4, dtype=np.float32)
    t = cr.as_tensor(a)
    a[0] = 7
    assert t.tolist()[0] == 7
    c = cr.ones(2)
    assert cr.as_tensor(c) is c
    assert cr.as_tensor(c, dtype=cr.float64).dtype == cr.float64
    assert cr.as_tensor([1, 2]).dtype == cr.int64


def test_numpy_ops_and_array_protocol():
    t = cr.tensor([[1.0, 2.0], [3.0, 4.0]])
    a = np.asarray(t)
    assert a.dtype == np.float32 and a.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert np.asarray(t, dtype=np.float64).dtype == np.float64
    assert np.add(np.ones(2, dtype=np.float32), t).tolist() == [[2.0, 3.0], [4.0, 5.0]]  # ufuncs convert
    assert (t + np.float32(1)).dtype == cr.float32  # NumPy scalars act as Python numbers
    assert (np.float64(2) * t).tolist() == [[2.0, 4.0], [6.0, 8.0]]


@pytest.mark.parametrize("np_dtype", [np.float32, np.float64, np.int64, np.bool_])
def test_round_trip_tolist_item(np_dtype):
    a = (np.arange(6).reshape(2, 3) % 3).astype(np_dtype)
    t = cr.tensor(a)
    assert t.tolist() == a.tolist()
    assert t.numpy().dtype == np_dtype
    assert cr.tensor(a[1, 2]).item() == a[1, 2].item()
    assert type(cr.tensor(a[1, 2]).item()) is type(a[1, 2].item())
    with pytest.raises(RuntimeError, match="cannot be converted to Scalar"):  # torch's type
        t.item()


def test_from_numpy_broadcast_array_has_stride_zero():
    a = np.broadcast_to(np.arange(3, dtype=np.float32), (4, 3))  # read-only, stride 0 along dim 0
    with pytest.warns(UserWarning, match="not writable"):
        t = cr.from_numpy(a)
    assert t.stride() == (0, 1)
    assert_close(t * 2, a * 2)


@requires_torch
@pytest.mark.parametrize("dtype, offset, count", [("uint8", 16, -1), ("uint8", 3, 5), ("int8", 0, 4), ("int64", 8, 2),
                                                  ("float32", 4, -1), ("float64", 0, 3), ("bool", 1, 2)])
def test_frombuffer_shares_the_bytes_as_pytorch(dtype, offset, count):
    # as an MNIST reader does: frombuffer(bytearray(f.read()), dtype=uint8, offset=16)
    raw = bytes(range(40)) if dtype != "bool" else bytes([0, 1] * 20)
    ours_buffer, their_buffer = bytearray(raw), bytearray(raw)
    ours = cr.frombuffer(ours_buffer, dtype=getattr(cr, dtype), offset=offset, count=count)
    theirs = torch.frombuffer(their_buffer, dtype=getattr(torch, dtype), offset=offset, count=count)
    assert ours.dtype == getattr(cr, dtype) and ours.shape == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    ours_buffer[offset] = their_buffer[offset] = 1  # shared, not copied
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@requires_torch
@pytest.mark.parametrize("kwargs", [dict(dtype="int64", buffer=b"abc"), dict(dtype="uint8", buffer=b""),
                                    dict(dtype="uint8", buffer=b"abcd", offset=5),
                                    dict(dtype="uint8", buffer=b"abcd", count=5)])
def test_frombuffer_errors_as_pytorch(kwargs):
    dtype = kwargs.pop("dtype")
    assert_same_error(lambda: cr.frombuffer(dtype=getattr(cr, dtype), **kwargs),
                      lambda: torch.frombuffer(dtype=getattr(torch, dtype), **kwargs))


def test_the_read_only_warning_is_silenced_by_pytorchs_message_filter():
    import warnings
    a = np.arange(3.0)
    a.flags.writeable = False
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", message="The given NumPy array is not writable")  # as programs write it
        assert cr.from_numpy(a).tolist() == [0.0, 1.0, 2.0]
