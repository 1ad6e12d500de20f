"""out= on ordinary functions (_functions/out_argument.py) against PyTorch: a broad sample of
elementwise, reduction, joining, product, tuple-returning, linalg, special and factory functions
written into an empty out, a wrongly shaped one (PyTorch's warning) and a non-contiguous one; the
errors (dtype that cannot be cast, grad, tuple arity, expanded out, device) with PyTorch's types and
messages; aliasing an input; out=None; Tensor methods without out=; the wrappers' names, docs and
pickling; and the name list kept equal to what tools/list_out_functions.py reads from torch."""
import pathlib
import pickle
import subprocess
import sys
import warnings

import numpy as np
import pytest

import chainrule as cr
from chainrule._functions import out_argument_names
from conftest import assert_same_error, requires_torch, torch
from cuda_support import requires_gpu
from torch_parity import assert_matches

pytestmark = requires_torch
ROOT = pathlib.Path(__file__).resolve().parent.parent

RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 4))              # a float matrix
Y = RNG.standard_normal((3, 4))
P = RNG.uniform(0.1, 0.9, (3, 4))            # in (0, 1): logs, logit, ndtri
SQUARE = RNG.standard_normal((3, 3)) + 3 * np.eye(3)
SPD = SQUARE @ SQUARE.T + 3 * np.eye(3)
BATCH = RNG.standard_normal((2, 3, 3))
V = RNG.standard_normal(3)
INTS = np.array([[4, -6, 9], [12, 0, -3]])
SORTED = np.array([-1.0, 0.0, 0.5, 2.0])


def T(lib, array, dtype=None):
    """The array as a tensor of lib (chainrule or torch), float32 unless dtype names another."""
    return lib.tensor(array, dtype=getattr(lib, dtype or "float32"))


# name (dotted under the library), and the arguments made for a library
CASES = [
    ("abs", lambda m: (T(m, X),)), ("exp", lambda m: (T(m, X),)), ("log", lambda m: (T(m, P),)),
    ("sqrt", lambda m: (T(m, P),)), ("tanh", lambda m: (T(m, X),)), ("sigmoid", lambda m: (T(m, X),)),
    ("neg", lambda m: (T(m, X),)), ("floor", lambda m: (T(m, X),)), ("round", lambda m: (T(m, X),)),
    ("erf", lambda m: (T(m, X),)), ("lgamma", lambda m: (T(m, P),)), ("reciprocal", lambda m: (T(m, P),)),
    ("sign", lambda m: (T(m, X),)), ("logical_not", lambda m: (T(m, X),)), ("signbit", lambda m: (T(m, X),)),
    ("bitwise_not", lambda m: (T(m, INTS, "int64"),)), ("logit", lambda m: (T(m, P),)),
    ("nan_to_num", lambda m: (T(m, X),)), ("i0", lambda m: (T(m, X),)),
    ("add", lambda m: (T(m, X), T(m, Y))), ("sub", lambda m: (T(m, X), T(m, Y))),
    ("mul", lambda m: (T(m, X), 2.5)), ("div", lambda m: (T(m, X), T(m, P))), ("pow", lambda m: (T(m, P), 2.5)),
    ("atan2", lambda m: (T(m, X), T(m, Y))), ("maximum", lambda m: (T(m, X), T(m, Y))),
    ("fmod", lambda m: (T(m, X), 0.7)), ("remainder", lambda m: (T(m, X), 0.7)), ("eq", lambda m: (T(m, X), 0.0)),
    ("lt", lambda m: (T(m, X), T(m, Y))), ("logical_and", lambda m: (T(m, X), T(m, Y))),
    ("bitwise_and", lambda m: (T(m, INTS, "int64"), 6)), ("gcd", lambda m: (T(m, INTS, "int64"), T(m, INTS[::-1].copy(), "int64"))),
    ("hypot", lambda m: (T(m, X), T(m, Y))), ("xlogy", lambda m: (T(m, P), T(m, P))),
    ("copysign", lambda m: (T(m, X), T(m, Y))), ("float_power", lambda m: (T(m, P), 2)),
    ("floor_divide", lambda m: (T(m, X), 0.5)), ("heaviside", lambda m: (T(m, X), T(m, Y))),
    ("addcmul", lambda m: (T(m, X), T(m, Y), T(m, P))), ("lerp", lambda m: (T(m, X), T(m, Y), 0.3)),
    ("where", lambda m: (T(m, X) > 0, T(m, X), T(m, Y))), ("clamp", lambda m: (T(m, X), -0.5, 0.5)),
    ("sum", lambda m: (T(m, X), 0)), ("mean", lambda m: (T(m, X), 1, True)), ("prod", lambda m: (T(m, X), 1)),
    ("amax", lambda m: (T(m, X), 1)), ("all", lambda m: (T(m, X) > 0, 1)), ("argmax", lambda m: (T(m, X), 1)),
    ("logsumexp", lambda m: (T(m, X), 1)), ("std", lambda m: (T(m, X), 1)), ("var", lambda m: (T(m, X), 0)),
    ("norm", lambda m: (T(m, X), 2, 1)), ("nansum", lambda m: (T(m, X), 1)), ("nanmean", lambda m: (T(m, X), 0)),
    ("cumsum", lambda m: (T(m, X), 1)), ("cumprod", lambda m: (T(m, X), 0)), ("logcumsumexp", lambda m: (T(m, X), 1)),
    ("quantile", lambda m: (T(m, X), 0.3, 1)),
    ("cat", lambda m: ([T(m, X), T(m, Y)],)), ("concat", lambda m: ([T(m, X), T(m, Y)], 1)),
    ("stack", lambda m: ([T(m, X), T(m, Y)],)), ("hstack", lambda m: ([T(m, X), T(m, Y)],)),
    ("vstack", lambda m: ([T(m, X), T(m, Y)],)), ("dstack", lambda m: ([T(m, X), T(m, Y)],)),
    ("diag", lambda m: (T(m, SQUARE),)), ("tril", lambda m: (T(m, X),)), ("triu", lambda m: (T(m, X), 1)),
    ("index_select", lambda m: (T(m, X), 1, T(m, [3, 0], "int64"))),
    ("gather", lambda m: (T(m, X), 1, T(m, [[0], [2], [3]], "int64"))),
    ("take", lambda m: (T(m, X), T(m, [0, 5, 11], "int64"))), ("masked_select", lambda m: (T(m, X), T(m, X) > 0)),
    ("nonzero", lambda m: (T(m, X) > 0,)), ("diff", lambda m: (T(m, X),)), ("kron", lambda m: (T(m, SQUARE), T(m, SQUARE))),
    ("outer", lambda m: (T(m, V), T(m, V))), ("cross", lambda m: (T(m, SQUARE), T(m, SQUARE), 1)),
    ("tensordot", lambda m: (T(m, X), T(m, Y), ([1], [1]))), ("histc", lambda m: (T(m, X), 5)),
    ("matmul", lambda m: (T(m, X), T(m, Y.T))), ("mm", lambda m: (T(m, X), T(m, Y.T))),
    ("bmm", lambda m: (T(m, BATCH), T(m, BATCH))), ("mv", lambda m: (T(m, SQUARE), T(m, V))),
    ("dot", lambda m: (T(m, V), T(m, V))), ("addmm", lambda m: (T(m, SQUARE), T(m, SQUARE), T(m, SQUARE))),
    ("matrix_power", lambda m: (T(m, SQUARE), 3)),
    ("max", lambda m: (T(m, X), 1)), ("min", lambda m: (T(m, X), 0, True)), ("sort", lambda m: (T(m, X),)),
    ("topk", lambda m: (T(m, X), 2)), ("kthvalue", lambda m: (T(m, X), 2, 1)), ("mode", lambda m: (T(m, INTS, "int64"),)),
    ("median", lambda m: (T(m, X), 1)), ("aminmax", lambda m: (T(m, X),)), ("frexp", lambda m: (T(m, X),)),
    ("cummax", lambda m: (T(m, X), 1)), ("max", lambda m: (T(m, X),)),
    ("linalg.inv", lambda m: (T(m, SQUARE),)), ("linalg.det", lambda m: (T(m, SQUARE),)),
    ("linalg.eigvalsh", lambda m: (T(m, SPD),)), ("linalg.svdvals", lambda m: (T(m, X),)),
    ("linalg.vector_norm", lambda m: (T(m, X),)), ("linalg.matrix_norm", lambda m: (T(m, X),)),
    ("linalg.solve", lambda m: (T(m, SQUARE), T(m, V))), ("linalg.cholesky", lambda m: (T(m, SPD),)),
    ("linalg.multi_dot", lambda m: ([T(m, X), T(m, Y.T), T(m, SQUARE)],)), ("linalg.vecdot", lambda m: (T(m, X), T(m, Y))),
    ("linalg.cross", lambda m: (T(m, SQUARE), T(m, SQUARE))), ("linalg.pinv", lambda m: (T(m, X),)),
    ("linalg.eigh", lambda m: (T(m, SPD),)), ("linalg.slogdet", lambda m: (T(m, SQUARE),)),
    ("linalg.lu_factor", lambda m: (T(m, SQUARE),)), ("linalg.inv_ex", lambda m: (T(m, SQUARE),)),
    ("special.erfc", lambda m: (T(m, X),)), ("special.expit", lambda m: (T(m, X),)), ("special.ndtr", lambda m: (T(m, X),)),
    ("special.ndtri", lambda m: (T(m, P),)), ("special.log_ndtr", lambda m: (T(m, X),)),
    ("special.i0e", lambda m: (T(m, X),)), ("special.entr", lambda m: (T(m, P),)),
    ("special.xlog1py", lambda m: (T(m, X), T(m, P))), ("special.zeta", lambda m: (T(m, P) + 1.5, T(m, P))),
    ("special.logsumexp", lambda m: (T(m, X), 1)), ("special.polygamma", lambda m: (1, T(m, P))),
    ("addcdiv", lambda m: (T(m, X), T(m, Y), T(m, P))), ("clamp_min", lambda m: (T(m, X), 0.1)),
    ("bucketize", lambda m: (T(m, X), T(m, SORTED))), ("searchsorted", lambda m: (T(m, SORTED), T(m, X))),
    ("index_add", lambda m: (T(m, X), 0, T(m, [0, 2], "int64"), T(m, Y[:2]))),
    ("scatter", lambda m: (T(m, X), 1, T(m, [[0], [1], [2]], "int64"), T(m, Y))),
    ("scatter_reduce", lambda m: (T(m, X), 1, T(m, [[0, 0], [1, 1], [2, 2]], "int64"), T(m, Y[:, :2]), "sum")),
    ("slice_scatter", lambda m: (T(m, X), T(m, Y[:, :2]), 1, 0, 2)), ("narrow_copy", lambda m: (T(m, X), 1, 1, 2)),
    ("take_along_dim", lambda m: (T(m, X), T(m, [[0], [1], [2]], "int64"), 1)), ("renorm", lambda m: (T(m, X), 2, 0, 1.0)),
    ("softmax", lambda m: (T(m, X), 1)), ("log_softmax", lambda m: (T(m, X), 0)), ("threshold", lambda m: (T(m, X), 0.1, 20.0)),
    ("nanquantile", lambda m: (T(m, X), 0.5, 0)), ("bitwise_left_shift", lambda m: (T(m, INTS, "int64"), 1)),
    ("isin", lambda m: (T(m, INTS, "int64"), T(m, [0, 4], "int64"))), ("column_stack", lambda m: ([T(m, X), T(m, Y)],)),
    ("addr", lambda m: (T(m, SQUARE), T(m, V), T(m, V))), ("baddbmm", lambda m: (T(m, BATCH), T(m, BATCH), T(m, BATCH))),
    ("histogram", lambda m: (T(m, X), 4)), ("svd", lambda m: (T(m, X),)), ("qr", lambda m: (T(m, X),)),
    ("slogdet", lambda m: (T(m, SQUARE),)), ("cummin", lambda m: (T(m, X), 0)), ("nanmedian", lambda m: (T(m, X), 1)),
    ("msort", lambda m: (T(m, X),)), ("geqrf", lambda m: (T(m, SQUARE),)),
    ("lu_solve", lambda m: (T(m, V[:, None]),) + tuple(m.linalg.lu_factor(T(m, SQUARE)))),
    ("triangular_solve", lambda m: (T(m, X[:, :3]), T(m, np.triu(SQUARE)))),
    ("cholesky_solve", lambda m: (T(m, X), T(m, np.linalg.cholesky(SPD)))),
    ("linalg.qr", lambda m: (T(m, X),)), ("linalg.svd", lambda m: (T(m, X), False)),
    ("linalg.lstsq", lambda m: (T(m, SQUARE), T(m, X[:, :3]))), ("linalg.lu", lambda m: (T(m, SQUARE),)),
    ("linalg.matrix_rank", lambda m: (T(m, X),)), ("linalg.norm", lambda m: (T(m, X),)),
    ("linalg.solve_ex", lambda m: (T(m, SQUARE), T(m, V))), ("linalg.ldl_factor", lambda m: (T(m, SPD),)),
    ("linalg.householder_product", lambda m: (T(m, X.T), T(m, P[0, :3]))), ("linalg.cholesky_ex", lambda m: (T(m, SPD),)),
    ("special.i1", lambda m: (T(m, X),)), ("special.gammaincc", lambda m: (T(m, P) + 1, T(m, P))),
    ("special.multigammaln", lambda m: (T(m, P) + 2, 2)),
]


RESIZED_SILENTLY_BY_PYTORCH = {"narrow_copy"}


def function(lib, name):
    for part in name.split("."):
        lib = getattr(lib, part)
    return lib


def _empty_like_result(lib, result, shape=(0,)):
    """An out for result (a tensor or tuple): its dtypes, of `shape`."""
    if isinstance(result, tuple):
        return tuple(_empty_like_result(lib, r, shape) for r in result)
    return lib.empty(shape, dtype=getattr(lib, str(result.dtype).split(".")[-1]))


def _call_both(name, make_args, out_shape, **kwargs):
    expected = function(torch, name)(*make_args(torch), **kwargs)
    outs = {lib: _empty_like_result(lib, expected, out_shape) for lib in (cr, torch)}
    returned = {lib: function(lib, name)(*make_args(lib), out=outs[lib], **kwargs) for lib in (cr, torch)}
    return expected, outs, returned


def _check_written(ours, out, expected):
    if isinstance(out, tuple):
        assert type(ours).__module__ == "chainrule.return_types" or type(ours) is tuple
        assert all(o is t for o, t in zip(ours, out))
    else:
        assert ours is out
    assert_matches(ours, expected, rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("name, make_args", CASES, ids=[name for name, _ in CASES])
def test_result_written_into_an_empty_out_as_pytorch(name, make_args):
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="An output")  # an empty out is resized without a warning
        expected, outs, returned = _call_both(name, make_args, (0,))
    _check_written(returned[cr], outs[cr], returned[torch])
    _check_written(returned[cr], outs[cr], expected)


@pytest.mark.parametrize("name, make_args", CASES[::4], ids=[name for name, _ in CASES[::4]])
def test_wrongly_shaped_out_is_resized_with_pytorchs_warning(name, make_args):
    if name in RESIZED_SILENTLY_BY_PYTORCH:
        pytest.skip(f"PyTorch's {name} resizes out without its warning (its kernel resizes by itself)")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _, outs, returned = _call_both(name, make_args, (5, 5))
    _check_written(returned[cr], outs[cr], returned[torch])
    messages = [str(w.message).split(" (Triggered internally")[0] for w in caught
                if str(w.message).startswith("An output")]
    # each of PyTorch's warnings comes once more from chainrule, with the same text
    assert len(messages) % 2 == 0 and messages, messages
    assert sorted(messages[: len(messages) // 2]) == sorted(messages[len(messages) // 2:])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        function(cr, name)(*make_args(cr), out=_empty_like_result(cr, returned[cr], (5, 5)))
    resizes = [w for w in caught if str(w.message).startswith("An output")]
    assert resizes and all(w.filename == __file__ for w in resizes)  # the warning points at the call


def test_out_of_the_right_shape_keeps_its_storage_and_strides():
    base = cr.zeros(4, 3)
    out = base.t()                                  # (3, 4), not contiguous
    pointer = out.data_ptr()
    assert cr.add(cr.tensor(X), 1, out=out) is out
    assert out.data_ptr() == pointer and out.stride() == (1, 3)
    np.testing.assert_allclose(base.numpy(), (X + 1).T, rtol=1e-6)


@pytest.mark.parametrize("outs", [(3, "float64"), (3, "int64"), (3, "bool")], ids=["double", "long", "bool"])
def test_cast_into_out_follows_pytorchs_rule(outs):
    size, dtype = outs
    for inputs in ("float32", "int64", "bool"):
        assert_same_error_or_equal(
            lambda lib: lib.add(lib.tensor([1, 0, 2], dtype=getattr(lib, inputs)),
                                lib.tensor([1, 1, 0], dtype=getattr(lib, inputs)), out=lib.empty(size, dtype=getattr(lib, dtype))))


def assert_same_error_or_equal(call):
    """call(cr) and call(torch) both raise (the same type and message) or give the same result."""
    try:
        expected = call(torch)
    except Exception:  # noqa: BLE001 -- any error PyTorch raises, chainrule must raise too
        assert_same_error(lambda: call(cr), lambda: call(torch))
        return
    assert_matches(call(cr), expected)


@pytest.mark.parametrize("name, args", [
    ("exp", lambda m: (T(m, X),)), ("add", lambda m: (T(m, X), T(m, Y))), ("special.erf", lambda m: (T(m, X),)),
    ("mean", lambda m: (T(m, X), 0)), ("cat", lambda m: ([T(m, X), T(m, Y)],)),
])
def test_float_result_into_long_out_is_pytorchs_error(name, args):
    def call(lib):
        return function(lib, name)(*args(lib), out=lib.empty(0, dtype=lib.int64))
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises((RuntimeError, TypeError)) as ours:
        call(cr)
    assert "can't be cast to the desired output type Long" in str(ours.value)
    assert "can't be cast to the desired output type Long" in str(theirs.value)


@pytest.mark.parametrize("call", [
    lambda m, g: m.add(g, T(m, Y), out=m.empty(0)),
    lambda m, g: m.cat([g, T(m, Y)], out=m.empty(0)),
    lambda m, g: m.max(g, 1, out=(m.empty(0), m.empty(0, dtype=m.int64))),
    lambda m, g: m.matmul(g, T(m, Y.T), out=m.empty(0)),
], ids=["add", "cat", "max", "matmul"])
def test_out_with_an_input_requiring_grad_is_pytorchs_error(call):
    def make(lib):
        return call(lib, lib.tensor(X, dtype=lib.float32, requires_grad=True))
    assert_same_error(lambda: make(cr), lambda: make(torch))
    for lib in (cr, torch):
        with lib.no_grad():
            out = make(lib)
        assert not (out[0] if isinstance(out, tuple) else out).requires_grad


def test_out_requiring_grad_is_an_error_only_for_a_differentiable_result():
    for lib in (cr, torch):
        with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
            lib.add(T(lib, X), 1, out=lib.empty(3, 4, requires_grad=True))
        assert lib.eq(T(lib, X), 0, out=lib.empty(0, dtype=lib.bool)).dtype == lib.bool
        float_out = lib.empty(0, requires_grad=True)  # a bool result is no part of a graph: written as data
        assert lib.eq(T(lib, X), 0, out=float_out) is float_out and float_out.requires_grad
        out = lib.empty(3, 4, requires_grad=True)
        with lib.no_grad():
            lib.add(T(lib, X), 1, out=out)
        assert out.requires_grad


@pytest.mark.parametrize("call", [
    lambda m: m.max(T(m, X), 1, out=(m.empty(0), m.empty(0, dtype=m.int64), m.empty(0))),
    lambda m: m.sort(T(m, X), out=(m.empty(0),)),
    lambda m: m.max(T(m, X), 1, out=m.empty(0)),
    lambda m: m.add(T(m, X), 1, out=(m.empty(0),)),
    lambda m: m.add(T(m, X), 1, out=[m.empty(0)]),
    lambda m: m.add(T(m, X), 1, out=m.empty(1).expand(3, 4)),
], ids=["three-for-two", "one-for-two", "tensor-for-tuple", "tuple-for-tensor", "list-for-tensor", "expanded"])
def test_malformed_out_is_pytorchs_error(call):
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(type(theirs.value)) as ours:
        call(cr)
    if not str(theirs.value).startswith("max() received an invalid combination"):  # PyTorch's overload list
        assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("call", [
    lambda m, a: m.add(a, a, out=a), lambda m, a: m.exp(a, out=a), lambda m, a: m.diff(a[1], n=0, out=a),
    lambda m, a: m.cumsum(a, 0, out=a), lambda m, a: m.neg(a[:, 1], out=a[:, 2]),
], ids=["add", "exp", "result-a-view-of-out", "cumsum", "view"])
def test_out_may_be_an_input(call):
    results = []
    for lib in (cr, torch):
        a = T(lib, X)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert call(lib, a) is not None
        results.append(a)
    assert_matches(*results)


def test_out_none_is_no_out():
    a, b = cr.tensor(X), cr.tensor(Y)
    np.testing.assert_array_equal(cr.add(a, b, out=None).numpy(), cr.add(a, b).numpy())
    assert cr.max(a, 1, out=None).values.shape == (3,)


@pytest.mark.parametrize("name, dim", [("sum", 1), ("prod", 0), ("cumsum", 1), ("cumprod", 0)])
@pytest.mark.parametrize("dtype", ["int64", "float64"])
def test_sums_and_products_compute_in_outs_dtype(name, dim, dtype):
    """PyTorch's sum(x, dim, out=long) casts x to long first: 0.5 + 0.7 is 0."""
    def call(lib):
        return function(lib, name)(T(lib, X * 3), dim, out=lib.empty(0, dtype=getattr(lib, dtype)))
    assert_matches(call(cr), call(torch), rtol=1e-12, atol=1e-12)


def test_factory_makes_its_result_in_outs_dtype():
    for lib in (cr, torch):
        out = lib.empty(0, dtype=lib.float64)
        assert lib.logspace(0, 1, 5, out=out) is out
    assert_matches(cr.logspace(0, 1, 5, out=cr.empty(0, dtype=cr.float64)),
                   torch.logspace(0, 1, 5, out=torch.empty(0, dtype=torch.float64)), rtol=1e-12)
    assert cr.randperm(6, out=cr.empty(0)).dtype == cr.float32


def test_tensor_methods_take_no_out():
    for lib in (cr, torch):
        with pytest.raises(TypeError):
            T(lib, X).add(T(lib, Y), out=lib.empty(0))


def _listed():
    for namespace, names in ((cr, out_argument_names.TORCH), (cr.linalg, out_argument_names.LINALG),
                             (cr.special, out_argument_names.SPECIAL)):
        for name in names:
            yield namespace, name


def test_wrappers_keep_name_doc_and_pickle_by_reference():
    listed = list(_listed())
    assert len(listed) > 250
    for namespace, name in listed:
        wrapper = getattr(namespace, name)
        assert wrapper.__name__ == name and wrapper.__doc__ == wrapper.__wrapped__.__doc__
        assert wrapper.__module__ == namespace.__name__
        assert pickle.loads(pickle.dumps(wrapper)) is wrapper


def test_keyword_dispatch_calls_other_only_given_the_keyword():
    dispatch = cr._C._KeywordDispatch(lambda *a, **k: ("function", a, k), "out", lambda *a, **k: ("other", a, k))
    assert dispatch(1, x=2) == ("function", (1,), {"x": 2})
    assert dispatch(1, **{"".join(["o", "ut"]): 3}) == ("other", (1,), {"out": 3})  # a name not interned


def test_a_call_without_out_runs_no_python_code():
    """The wrapper forwards from C: no Python frame between the caller and the bound op."""
    a, events = cr.tensor(X), []
    sys.setprofile(lambda frame, event, arg: events.append(event))
    try:
        cr.add(a, a)
        cr.sum(a, 0)
    finally:
        sys.setprofile(None)
    assert "call" not in events, events


def test_name_list_is_what_pytorch_says():
    """tools/list_out_functions.py --check: rerun the tool when chainrule gains a function PyTorch gives out=."""
    check = subprocess.run([sys.executable, str(ROOT / "tools" / "list_out_functions.py"), "--check"],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


@requires_gpu
def test_out_on_another_device_is_an_error():
    a = cr.tensor(X, device="cuda")
    with pytest.raises(RuntimeError, match="device"):
        cr.add(a, a, out=cr.empty(0))
