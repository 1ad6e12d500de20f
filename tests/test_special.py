"""lgamma, digamma, polygamma and erfinv (cpp/ops/special.cpp, formulas in core/special_formulas.h):
gradcheck and gradgradcheck in float64 and parity with PyTorch (values and gradients), values over
wide ranges and at PyTorch's edge cases (poles, signed zeros, +-1 for erfinv) in float32 and float64,
in-place forms, integer inputs, node names, and the GPU against the CPU (skips without a GPU)."""
import numpy as np
import pytest

import chainrule as cr
from conftest import check_op, requires_torch, torch
from cuda_support import check_on_gpu, requires_gpu

@pytest.mark.parametrize("name", ["lgamma", "digamma"])
def test_gamma_functions_gradients_and_parity(name):
    check_op(lambda x: getattr(cr, name)(x), [(3, 4)], positive=True,
             torch_fn=(lambda x: getattr(torch, name)(x)) if torch is not None else None)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_polygamma_gradients_and_parity(n):
    check_op(lambda x: cr.polygamma(n, x), [(2, 5)], positive=True,
             torch_fn=(lambda x: torch.polygamma(n, x)) if torch is not None else None)


def test_erfinv_gradients_and_parity():
    check_op(lambda x: cr.erfinv(cr.tanh(x)), [(4, 3)],
             torch_fn=(lambda x: torch.erfinv(torch.tanh(x))) if torch is not None else None)


def test_float32_erfinv_is_correctly_rounded_up_to_one():
    # Every 251st float in [0, 1) (with 1 - 2^-24 and its neighbours below, where erf(x) - y cancels),
    # against float64's erfinv: within half an ulp plus the double evaluation's slack (the Newton
    # form in float32 lost up to 87 ulp near 1).
    bits = np.arange(0, np.float32(1).view(np.int32), 251, dtype=np.int32)
    y = np.concatenate([bits.view(np.float32), np.float32(1) - np.float32(2.0 ** -24) * np.arange(1, 200)])
    y = np.concatenate([y, -y]).astype(np.float32)
    got = cr.erfinv(cr.tensor(y)).numpy().astype(np.float64)
    exact = cr.erfinv(cr.tensor(y.astype(np.float64))).numpy()
    ulp = np.abs(got - exact) / np.spacing(np.abs(exact).astype(np.float32)).astype(np.float64)
    assert ulp.max() < 0.502, (ulp.max(), y[ulp.argmax()])
    for dtype in (cr.float16, cr.bfloat16):  # staged through float32: rounded from it
        low = cr.tensor(y[::97]).to(dtype)
        np.testing.assert_array_equal(cr.erfinv(low).float().numpy(), cr.erfinv(low.float()).to(dtype).float().numpy())


def edge_inputs(name):
    rng = np.random.default_rng(1)
    if name == "erfinv":
        return np.concatenate([rng.uniform(-1, 1, 500), [1.0, -1.0, 0.0, -0.0, 1.5, -2.0, np.nan, 0.999999, -0.7, 0.7]])
    return np.concatenate([rng.uniform(-6, 12, 500), rng.uniform(1e-6, 1e-3, 20),
                           [0.0, -0.0, -1.0, -2.0, -2.5, 1.0, 2.0, 1e-8, 30.0, 1e5, 1e18, np.inf, -np.inf, np.nan]])


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", ["lgamma", "digamma", "erfinv", "polygamma1", "polygamma2"])
def test_values_match_pytorch_over_wide_ranges_and_edges(name, dtype):
    base = "polygamma" if name.startswith("polygamma") else name
    x = edge_inputs(base)
    ours = getattr(cr, dtype)
    theirs = getattr(torch, dtype)
    if base == "polygamma":
        n = int(name[-1])
        x = x[np.abs(x) < 1e6]  # PyTorch's own polygamma loses accuracy far out
        got = cr.polygamma(n, cr.tensor(x, dtype=ours)).numpy()
        want = torch.polygamma(n, torch.tensor(x, dtype=theirs)).numpy()
    else:
        got = getattr(cr, base)(cr.tensor(x, dtype=ours)).numpy()
        want = getattr(torch, base)(torch.tensor(x, dtype=theirs)).numpy()
    tight = dtype == "float64"
    np.testing.assert_allclose(got, want, rtol=1e-10 if tight else 2e-4, atol=1e-10 if tight else 1e-5, equal_nan=True)
    assert np.array_equal(np.signbit(got[np.isinf(got)]), np.signbit(want[np.isinf(want)]))


def test_in_place_forms_integer_inputs_and_node_names():
    x = cr.tensor([0.5, 2.0, 3.5])
    y = x.clone()
    y.lgamma_()
    np.testing.assert_allclose(y.numpy(), cr.lgamma(x).numpy())
    y = x.clone()
    y.polygamma_(1)
    np.testing.assert_allclose(y.numpy(), x.polygamma(1).numpy())
    assert cr.digamma(cr.tensor([1, 2, 3])).dtype == cr.float32  # integers compute in the default float dtype
    with pytest.raises(RuntimeError, match="can't be cast"):
        cr.tensor([1, 2]).lgamma_()
    with pytest.raises(RuntimeError, match="negative n"):
        cr.polygamma(-1, x)
    leaf = cr.tensor([0.5, 2.0], requires_grad=True)
    assert cr.lgamma(leaf).grad_fn.name() == "LgammaBackward0"
    assert cr.digamma(leaf).grad_fn.name() == "DigammaBackward0"
    assert cr.polygamma(2, leaf).grad_fn.name() == "PolygammaBackward0"
    assert cr.erfinv(leaf * 0.1).grad_fn.name() == "ErfinvBackward0"


@requires_gpu
@pytest.mark.parametrize("name", ["lgamma", "digamma", "erfinv", "polygamma"])
def test_special_functions_on_the_gpu_match_the_cpu(name):
    fn = {"lgamma": lambda lib, x: lib.lgamma(x.abs() + 0.5), "digamma": lambda lib, x: lib.digamma(x.abs() + 0.5),
          "erfinv": lambda lib, x: lib.erfinv(lib.tanh(x)), "polygamma": lambda lib, x: lib.polygamma(2, x.abs() + 0.5)}
    check_on_gpu(fn[name], [(5, 4)], cr.float64)
