"""chainrule.optim.LBFGS against torch.optim.LBFGS: the same iterates, evaluation counts and state
on the Rosenbrock function and a least-squares regression, with the fixed step and the strong-Wolfe
line search; state dicts (round trip and torch's); the line search's cubic interpolation."""
import numpy as np
import pytest

import chainrule as cr
from chainrule import optim
from chainrule.optim import _strong_wolfe
from conftest import requires_torch, torch

TOL = {np.float64: dict(rtol=1e-9, atol=1e-11), np.float32: dict(rtol=2e-4, atol=1e-5)}


def rosenbrock_problem(lib, dtype):
    """(parameters, loss function) of the 2-d Rosenbrock function from (-1.5, 2)."""
    x = lib.tensor(np.array([-1.5, 2.0], dtype=dtype), requires_grad=True)
    return [x], lambda: (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


def least_squares_data():
    """(features (40, 5), targets (40, 1)) of a noisy linear relation."""
    rng = np.random.default_rng(0)
    features = rng.standard_normal((40, 5))
    return features, features @ rng.standard_normal((5, 1)) + 0.5 + 0.1 * rng.standard_normal((40, 1))


def least_squares_problem(lib, dtype):
    """(parameters, loss function) of a linear regression (mean squared error) of least_squares_data."""
    features, targets = least_squares_data()
    x, y = lib.tensor(features.astype(dtype)), lib.tensor(targets.astype(dtype))
    w = lib.tensor(np.zeros((5, 1), dtype), requires_grad=True)
    b = lib.tensor(np.zeros(1, dtype), requires_grad=True)
    return [w, b], lambda: ((x @ w + b - y) ** 2).mean()


PROBLEMS = {"rosenbrock": rosenbrock_problem, "least_squares": least_squares_problem}


def make_closure(opt, loss_fn):
    def closure():
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        return loss
    return closure


def run(lib, problem, dtype, steps, **options):
    """(the parameters after each step(), the optimizer, the parameters)."""
    params, loss_fn = PROBLEMS[problem](lib, dtype)
    opt = lib.optim.LBFGS(params, **options)
    iterates = []
    for _ in range(steps):
        opt.step(make_closure(opt, loss_fn))
        iterates.append(np.concatenate([p.detach().numpy().ravel() for p in params]))
    return iterates, opt, params


def assert_same_state(cr_state, torch_state, tol):
    assert sorted(cr_state) == sorted(torch_state)
    for key in ("func_evals", "n_iter"):
        assert cr_state[key] == torch_state[key], key
    assert cr_state["prev_loss"] == pytest.approx(torch_state["prev_loss"], rel=tol["rtol"], abs=tol["atol"])
    for key in ("t", "H_diag"):
        assert float(cr_state[key]) == pytest.approx(float(torch_state[key]), rel=tol["rtol"] * 10, abs=tol["atol"])
    for key in ("d", "prev_flat_grad"):
        np.testing.assert_allclose(cr_state[key].numpy(), torch_state[key].numpy(), **tol)
    assert len(cr_state["old_dirs"]) == len(torch_state["old_dirs"]) == len(cr_state["ro"])


CASES = [("rosenbrock", np.float64, dict(lr=0.01)),  # a fixed step small enough not to diverge
         ("rosenbrock", np.float64, dict(line_search_fn="strong_wolfe")),
         ("rosenbrock", np.float64, dict(line_search_fn="strong_wolfe", history_size=3, max_iter=7)),
         # float32: few iterations, before the stopping tests on round-off-sized changes decide
         ("rosenbrock", np.float32, dict(lr=0.01, max_iter=10)),
         ("least_squares", np.float64, dict(lr=0.5)),
         ("least_squares", np.float64, dict(line_search_fn="strong_wolfe", history_size=2)),
         ("least_squares", np.float32, dict(lr=0.5, history_size=4, max_iter=4)),
         ("least_squares", np.float32, dict(line_search_fn="strong_wolfe", max_iter=3))]


@requires_torch
@pytest.mark.parametrize("problem,dtype,options", CASES,
                         ids=[f"{p}-{d.__name__}-{o}" for p, d, o in CASES])
def test_matches_torch(problem, dtype, options):
    steps = 3
    ours, cr_opt, cr_params = run(cr, problem, dtype, steps, **options)
    theirs, torch_opt, torch_params = run(torch, problem, dtype, steps, **options)
    for i, (a, b) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(a, b, **TOL[dtype], err_msg=f"after step {i + 1}")
    assert_same_state(cr_opt.state[cr_params[0]], torch_opt.state[torch_params[0]], TOL[dtype])


def test_strong_wolfe_solves_rosenbrock():
    iterates, opt, _ = run(cr, "rosenbrock", np.float64, 5, line_search_fn="strong_wolfe")
    np.testing.assert_allclose(iterates[-1], [1.0, 1.0], atol=1e-5)  # torch stops there too (tolerance_change)
    assert opt.state_dict()["param_groups"][0]["max_eval"] == 25  # max_iter * 5 // 4, as torch


def test_fixed_step_solves_least_squares():
    iterates, _, _ = run(cr, "least_squares", np.float64, 4, tolerance_grad=1e-12, tolerance_change=1e-15)
    features, targets = least_squares_data()
    solution, *_ = np.linalg.lstsq(np.hstack([features, np.ones((40, 1))]), targets, rcond=None)
    np.testing.assert_allclose(iterates[-1], solution.ravel(), atol=1e-8)


@pytest.mark.parametrize("options", [dict(), dict(line_search_fn="strong_wolfe", history_size=2)])
def test_state_dict_round_trip(options):
    uninterrupted, _, _ = run(cr, "least_squares", np.float64, 2, max_iter=4, **options)
    _, opt, params = run(cr, "least_squares", np.float64, 1, max_iter=4, **options)
    saved = opt.state_dict()
    assert sorted(saved["state"]) == [0]  # all of LBFGS's state is the first parameter's
    resumed_params, loss_fn = least_squares_problem(cr, np.float64)
    with cr.no_grad():
        for p, q in zip(resumed_params, params):
            p.copy_(q)
    resumed = optim.LBFGS(resumed_params, max_iter=4, **options)
    resumed.load_state_dict(saved)
    resumed.step(make_closure(resumed, loss_fn))
    got = np.concatenate([p.detach().numpy().ravel() for p in resumed_params])
    np.testing.assert_array_equal(got, uninterrupted[1])


@requires_torch
def test_loads_a_torch_state_dict():
    options = dict(max_iter=3, history_size=2, line_search_fn="strong_wolfe")
    torch_params, torch_loss_fn = least_squares_problem(torch, np.float64)
    torch_opt = torch.optim.LBFGS(torch_params, **options)
    torch_opt.step(make_closure(torch_opt, torch_loss_fn))
    cr_params, cr_loss_fn = least_squares_problem(cr, np.float64)
    with cr.no_grad():
        for p, q in zip(cr_params, torch_params):
            p.copy_(cr.tensor(q.detach().numpy()))
    cr_opt = optim.LBFGS(cr_params, **options)
    cr_opt.load_state_dict(torch_opt.state_dict())
    state = cr_opt.state[cr_params[0]]
    assert all(isinstance(s, cr.Tensor) for s in state["old_dirs"] + state["old_stps"] + state["ro"])

    cr_opt.step(make_closure(cr_opt, cr_loss_fn))
    torch_opt.step(make_closure(torch_opt, torch_loss_fn))
    for p, q in zip(cr_params, torch_params):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), **TOL[np.float64])
    assert_same_state(state, torch_opt.state[torch_params[0]], TOL[np.float64])


def test_unknown_line_search_is_an_error():
    params, loss_fn = rosenbrock_problem(cr, np.float64)
    opt = optim.LBFGS(params, line_search_fn="backtracking")
    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        opt.step(make_closure(opt, loss_fn))


@requires_torch
@pytest.mark.parametrize("points", [(0.0, 1.0, -2.0, 1.0, 0.5, 1.5), (1.0, 0.5, 1.5, 0.0, 1.0, -2.0),
                                    (0.0, 1.0, -1.0, 2.0, 3.0, -1.0)])
@pytest.mark.parametrize("bounds", [None, (0.2, 0.4)])
def test_cubic_interpolate_matches_torch(points, bounds):
    from torch.optim.lbfgs import _cubic_interpolate
    x1, f1, g1, x2, f2, g2 = points
    want = _cubic_interpolate(x1, f1, torch.tensor(g1), x2, f2, torch.tensor(g2), bounds=bounds)
    got = _strong_wolfe._cubic_interpolate(x1, f1, cr.tensor(g1), x2, f2, cr.tensor(g2), bounds=bounds)
    assert float(got) == pytest.approx(float(want), rel=1e-6)
