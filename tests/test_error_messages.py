"""Regression tests for unclear errors and reprs found by the hardening pass (issue 15): each
case raises PyTorch's exception type with a message naming the op, the shapes or dtypes and what
was expected, and dtypes print as PyTorch's do."""
import re
import sys

import pytest

import chainrule as cr
from conftest import assert_close, assert_same_error, check_op, requires_torch, torch


@pytest.mark.parametrize("name", ["bool", "int64", "float32", "float64"])
def test_dtype_repr_and_str_read_like_torch(name):
    dtype = getattr(cr, name)
    assert repr(dtype) == str(dtype) == f"{dtype}" == f"chainrule.{name}"
    if torch is not None:
        assert repr(dtype).replace("chainrule", "torch") == repr(getattr(torch, name))


def test_tensor_dtype_attribute_repr():
    assert repr(cr.zeros(2).dtype) == "chainrule.float32"
    assert repr(cr.zeros(2, dtype=cr.float64)) == "tensor([0., 0.], dtype=chainrule.float64)"


@requires_torch
@pytest.mark.parametrize("name", ["RNNCell", "LSTMCell", "GRUCell"])
def test_zero_hidden_size_cell_builds_and_runs_as_torch(name):
    cell = getattr(cr.nn, name)(3, 0)  # was ZeroDivisionError in reset_parameters
    out = cell(cr.randn(2, 3))
    want = getattr(torch.nn, name)(3, 0)(torch.randn(2, 3))
    if name == "LSTMCell":
        out, want = out[0], want[0]
    assert tuple(out.shape) == tuple(want.shape) == (2, 0)


@requires_torch
@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("args", [(3, 0), (3, -1), (0, 3), (3, 2.5), ("3", 2)])
def test_rnn_size_errors_match_torch(name, args):
    assert_same_error(lambda: getattr(cr.nn, name)(*args), lambda: getattr(torch.nn, name)(*args))


@pytest.mark.parametrize("dtype", [cr.int64, cr.bool])
def test_linear_non_float_input_is_a_type_error_naming_both_dtypes(dtype):
    with pytest.raises(TypeError, match=r"linear: mat1 and mat2 must have the same dtype, but got "
                                        f"{dtype.name} input of shape \\(4, 3\\) and float32 weight of shape "
                                        r"\(2, 3\); expected the input in the weight's dtype"):
        cr.nn.Linear(3, 2)(cr.zeros(4, 3, dtype=dtype))



# Wrong-dtype operands: PyTorch raises RuntimeError (NotImplementedError, a RuntimeError, for a
# missing kernel); chainrule's DTypeError is both that and the TypeError it raised before.
WRONG_DTYPE_CALLS = [
    lambda t: t.var(t.arange(4)),
    lambda t: t.std(t.arange(4)),
    lambda t: t.nn.functional.softmax(t.arange(4), 0),
    lambda t: t.nn.functional.log_softmax(t.arange(4), 0),
    lambda t: t.nn.functional.linear(t.ones(2, 3, dtype=t.long), t.ones(2, 3)),
    lambda t: t.nn.functional.conv2d(t.ones(1, 1, 3, 3, dtype=t.long), t.ones(1, 1, 2, 2)),
    lambda t: t.nn.functional.nll_loss(t.randn(2, 3), t.ones(2)),
    lambda t: t.nn.functional.embedding(t.ones(2), t.ones(3, 2)),
    lambda t: t.where(t.ones(2), t.ones(2), t.zeros(2)),
    lambda t: t.ones(2).masked_fill(t.ones(2), 0.0),
    lambda t: t.nn.functional.interpolate(t.ones(1, 1, 3, dtype=t.long), size=5),
    lambda t: t.rand(2, dtype=t.long),
]


# Shape and size mistakes: PyTorch raises RuntimeError; chainrule's InvalidArgumentError is both that
# and the ValueError it raised before.
WRONG_SHAPE_CALLS = [
    lambda t: t.ones(2, 3) @ t.ones(4, 5),
    lambda t: t.ones(2, 3) + t.ones(4, 5),
    lambda t: t.cat([t.ones(2, 3), t.ones(2, 4)]),
    lambda t: t.ones(6).view(4, 2),
    lambda t: t.nn.functional.linear(t.ones(2, 3), t.ones(4, 5)),
    lambda t: t.nn.functional.conv2d(t.ones(1, 2, 5, 5), t.ones(1, 3, 2, 2)),
    lambda t: t.stack([t.ones(2), t.ones(3)]),
]


@requires_torch
@pytest.mark.parametrize("call, error, python_error",
                         [(call, cr.DTypeError, TypeError) for call in WRONG_DTYPE_CALLS] +
                         [(call, cr.InvalidArgumentError, ValueError) for call in WRONG_SHAPE_CALLS])
def test_a_wrong_operand_is_a_runtime_error_as_torchs(call, error, python_error):
    with pytest.raises(RuntimeError):
        call(torch)
    with pytest.raises(error) as got:
        call(cr)
    assert isinstance(got.value, RuntimeError) and isinstance(got.value, python_error)


@requires_torch
@pytest.mark.parametrize("build", [
    lambda nn: nn.Linear(3, -2),
    lambda nn: nn.Linear(-2, 3),
    lambda nn: nn.Bilinear(3, 4, -2),
    lambda nn: nn.RNNCell(3, -1),
    lambda nn: nn.LSTMCell(3, -1),
    lambda nn: nn.GRUCell(-1, 3),
])
def test_negative_layer_size_is_the_constructors_error_as_torch(build):
    assert_same_error(lambda: build(cr.nn), lambda: build(torch.nn))  # was "full: sizes must be non-negative"


@pytest.mark.parametrize("pool, x", [
    (cr.nn.MaxPool2d(3), cr.zeros(1, 1, 2, 2)),
    (cr.nn.AvgPool2d(3), cr.zeros(1, 1, 2, 2)),
    (cr.nn.MaxPool1d(3), cr.zeros(1, 1, 2)),
])
def test_pool_on_a_too_small_input_is_a_value_error_as_conv(pool, x):
    op = type(pool).__name__.lower().replace("pool", "_pool")
    with pytest.raises(ValueError, match=re.escape(f"{op}: input of shape {tuple(x.shape)} is too small for kernel_size")):
        pool(x)
    with pytest.raises(ValueError, match="conv2d"):  # the same kind of shape error, the same type
        cr.nn.Conv2d(1, 1, 3)(cr.zeros(1, 1, 2, 2))


@pytest.mark.parametrize("pool", [cr.nn.functional.max_pool3d, cr.nn.functional.avg_pool3d])
@pytest.mark.parametrize("shape, dim", [((1, 1, 2, 4, 4), 2), ((1, 4, 4, 2), 3)])
def test_3d_pool_on_a_too_small_input_names_the_op_and_the_users_shape(pool, shape, dim):
    # was a silent (1, 1, 0, 1, 1) result for a too-thin depth, and max_pool2d's error on a reshaped input
    with pytest.raises(ValueError, match=re.escape(f"{pool.__name__}: input of shape {shape} is too small")
                       + f".*along dim {dim}"):
        pool(cr.zeros(*shape), 3)
    if pool is cr.nn.functional.max_pool3d:
        with pytest.raises(ValueError, match="max_pool3d: input of shape"):
            pool(cr.zeros(*shape), 3, return_indices=True)


# ------------------------------------------------------------------ dim given as a tuple of dims

_SEVERAL_DIMS = [(0, 2), (-1, 0), [1], ()]


@requires_torch
@pytest.mark.parametrize("name", ["sum", "mean", "amax", "amin", "logsumexp", "var", "std", "var_mean", "std_mean",
                                  "norm", "linalg.vector_norm", "linalg.norm"])
@pytest.mark.parametrize("dim", _SEVERAL_DIMS)
def test_reduction_over_a_tuple_of_dims_and_its_gradient_match_torch(name, dim):
    if dim == () and name in ("logsumexp", "linalg.norm", "var", "std", "var_mean", "std_mean"):
        return  # PyTorch fails (logsumexp, linalg.norm) or its gradient is inf (var, std) for an empty dim list
    def fn(mod):
        f = mod
        for part in name.split("."):
            f = getattr(f, part)
        return (lambda x: f(x, dim=dim)) if "norm" in name else (lambda x: f(x, dim))
    check_op(fn(cr), [(2, 3, 4)], torch_fn=fn(torch), gradgrad=False)
    if hasattr(torch.Tensor, name):
        method = lambda x: getattr(x, name)(dim=dim, keepdim=True)  # noqa: E731
        check_op(method, [(2, 3, 4)], torch_fn=method, gradgrad=False)


@requires_torch
@pytest.mark.parametrize("name", ["all", "any", "count_nonzero", "sum", "amax"])
@pytest.mark.parametrize("dim", _SEVERAL_DIMS)
def test_bool_and_int_reductions_over_a_tuple_of_dims_match_torch(name, dim):
    values = cr.tensor([[[0, 1, 2], [0, 0, 3]], [[4, 0, 0], [0, 0, 0]]])
    ours, theirs = getattr(cr, name)(values, dim), getattr(torch, name)(torch.tensor(values.numpy()), dim)
    assert ours.tolist() == theirs.tolist() and ours.dtype.name == str(theirs.dtype).split(".")[1]


@requires_torch
def test_numpy_axis_keyword_takes_a_tuple_as_dim_does():
    x = cr.randn(2, 3, 4)
    assert_close(cr.sum(x, axis=(0, 2)), torch.sum(torch.tensor(x.numpy()), axis=(0, 2)))
    assert x.mean(axis=[0, -1], keepdims=True).shape == (1, 3, 1)


@requires_torch
@pytest.mark.parametrize("name", ["sum", "mean", "amax", "var", "logsumexp", "all", "any", "std"])
def test_a_dim_given_twice_is_torchs_runtime_error(name):
    x = cr.ones(2, 3)
    with pytest.raises(RuntimeError, match="dim 0 appears multiple times in the list of dims"):
        getattr(torch, name)(torch.ones(2, 3), (0, -2))
    with pytest.raises(RuntimeError, match=f"{name}: dim 0 appears multiple times in the list of dims"):
        getattr(cr, name)(x, (0, -2))


@requires_torch
@pytest.mark.parametrize("name", ["max", "min", "argmax", "argmin", "cumsum", "cumprod", "softmax",
                                  "log_softmax", "sort", "argsort", "median", "nanmedian", "topk", "kthvalue"])
@pytest.mark.parametrize("as_keyword", [False, True])
def test_an_op_over_one_dim_given_a_tuple_says_it_takes_an_int(name, as_keyword):
    lead = (1,) if name in ("topk", "kthvalue") else ()  # their k comes before dim
    def call(mod, x):
        return getattr(mod, name)(x, *lead, dim=(0, 1)) if as_keyword else getattr(mod, name)(x, *lead, (0, 1))
    with pytest.raises(TypeError):
        call(torch, torch.ones(2, 3))
    with pytest.raises(TypeError, match=re.escape(f"{name}: dim must be an int, got tuple (one dim, not a tuple "
                                                  "of dims)")):
        call(cr, cr.ones(2, 3))  # was pybind11's list of overload signatures
    with pytest.raises(TypeError, match=f"{name}: dim must be an int, got float"):
        getattr(cr.ones(2, 3), name)(*lead, 1.5)


@requires_torch
@pytest.mark.parametrize("call", [
    lambda mod, x: mod.cat([x, x], (0,)), lambda mod, x: mod.stack([x, x], dim=(0,)),
    lambda mod, x: x.chunk(2, (0,)), lambda mod, x: x.unbind((0,)), lambda mod, x: x.split(1, (0,)),
])
def test_joins_and_splits_given_a_tuple_dim_say_they_take_an_int(call):
    with pytest.raises(TypeError):
        call(torch, torch.ones(2, 3))
    with pytest.raises(TypeError, match=r"^(cat|stack|chunk|unbind|split): dim must be an int, got tuple \(one dim"):
        call(cr, cr.ones(2, 3))  # was pybind11's list of overload signatures


@requires_torch
@pytest.mark.parametrize("dim", [(0, 2), [2, -3], (), (1,), 0, None])
def test_squeeze_takes_a_tuple_of_dims_as_torch_with_its_gradient(dim):
    args = () if dim is None else (dim,)
    check_op(lambda x: x.squeeze(*args), [(1, 3, 1)], torch_fn=lambda x: x.squeeze(*args))
    assert tuple(cr.squeeze(cr.ones(1, 3, 1), *args).shape) == tuple(torch.squeeze(torch.ones(1, 3, 1), *args).shape)
    with pytest.raises(RuntimeError, match="squeeze: dim 0 appears multiple times in the list of dims"):
        cr.ones(1, 3).squeeze((0, -2))


@requires_torch
@pytest.mark.parametrize("call", [
    lambda x: x.unsqueeze((0,)), lambda x: x.transpose((0,), 1), lambda x: x.select((0,), 0),
    lambda x: x.flatten((0,)), lambda x: x.narrow((0,), 0, 1), lambda x: x.unflatten((0,), (1, 1)),
    lambda x: x.gather((0,), x.long()), lambda x: x.index_select((0,), x[0].long()),
    lambda x: x.scatter((0,), x.long(), x), lambda x: x.scatter_add((0,), x.long(), x),
    lambda x: x.index_add((0,), x[0].long(), x[:1]),
])
def test_views_and_gathers_given_a_tuple_dim_say_they_take_an_int(call):
    with pytest.raises(TypeError):
        call(torch.ones(1, 2))
    with pytest.raises(TypeError, match=r"^\w+: dim must be an int, got tuple \(one dim, not a tuple of dims\)$"):
        call(cr.ones(1, 2))  # was pybind11's list of overload signatures


# ------------------------------------------------------------------ damaged or misdirected files

def _depth(obj):
    depth = 0
    while isinstance(obj, (list, tuple, dict)):
        depth += 1
        if not obj:
            break
        obj = next(iter(obj.values())) if isinstance(obj, dict) else obj[0]
    return depth


@pytest.mark.parametrize("kind, pickled", [
    ("list", b"\x80\x02" + b"]" * 100000 + b"a" * 99999 + b"."),
    ("tuple", b"\x80\x02" + b"(" * 100000 + b")" + b"t" * 99999 + b"."),
    ("dict", b"\x80\x02" + b"}K\x01" * 100000 + b"}" + b"s" * 100000 + b"."),
])
def test_a_deeply_nested_pickle_in_a_checkpoint_loads_without_recursion(tmp_path, kind, pickled):
    import io
    import pickle
    import zipfile
    buffer = io.BytesIO()
    cr.save({"a": cr.ones(2)}, buffer)
    path = tmp_path / "deep.pt"
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as src, zipfile.ZipFile(path, "w") as out:
        for name in src.namelist():
            out.writestr(name, pickled if name.endswith("data.pkl") else src.read(name))
    loaded = cr.load(path)  # the unpickler is iterative, as PyTorch's: no RecursionError, no crash
    assert type(loaded).__name__ == kind and _depth(loaded) == _depth(pickle.loads(pickled)) >= 100000


@pytest.fixture
def default_recursion_limit():
    """Python's default recursion limit, which 700 levels exceed in the decoder (importing captum,
    as the attribution tests do, raises it to 3000)."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)
    yield
    sys.setrecursionlimit(limit)


@pytest.mark.parametrize("depth", [100000, 700])
def test_a_deeply_nested_safetensors_structure_is_a_value_error_naming_the_file(tmp_path, depth, default_recursion_limit):
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    path = tmp_path / "deep.safetensors"
    structure = '{"version": 1, "structure": ' + "[" * depth + "]" * depth + "}"
    path.write_bytes(safetensors_numpy.save({}, metadata={"chainrule": structure}))
    with pytest.raises(ValueError, match=re.escape(f"load: '{path}' is damaged: the chainrule structure in its "
                                                   "metadata is too deeply nested")):
        cr.load(path)  # was RecursionError (from json at 100000 levels, from the decoder at 700)


def test_load_and_save_of_a_directory_say_it_is_one(tmp_path):
    with pytest.raises(IsADirectoryError, match=re.escape(f"load: is a directory, not a file: '{tmp_path}'")):
        cr.load(tmp_path)  # was "no such file"
    for path in (str(tmp_path), str(tmp_path / "new") + "/", str(tmp_path / "x.safetensors") + "/"):
        with pytest.raises(IsADirectoryError, match=re.escape(f"save: is a directory, not a file: '{path}'")):
            cr.save({"a": cr.ones(1)}, path)  # was the temp file's rename error, or a file at path minus "/"
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    if torch is not None:
        with pytest.raises(IsADirectoryError):
            torch.load(tmp_path)
