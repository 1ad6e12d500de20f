"""Gradient checks: analytic gradients (backprop) against central finite differences in float64.

gradcheck(fn, inputs) perturbs every element of every input that requires grad by +-eps, and
compares (f(x + eps) - f(x - eps)) / 2 eps, per output element, with the row of the Jacobian that
backward computes. On a mismatch it raises GradcheckError naming the worst element.

Both take torch.autograd's keyword options. Backprop in chainrule is deterministic (nondet_tol has
nothing to widen), batched gradients are computed slice by slice (check_batched_grad holds by
construction), fast_mode checks exactly, and check_undefined_grad is accepted without a separate run.
check_forward_ad=True also compares forward mode's Jacobian (autograd.forward_ad, a column per input
element) with finite differences; check_batched_forward_grad, check_fwd_over_rev and masked inputs
raise NotImplementedError.
"""
import numpy as np

from chainrule import _C
from chainrule._C import Tensor
from chainrule.autograd.functional import grad as _grad


class GradcheckError(RuntimeError):
    pass


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _float_outputs(values):
    """The floating-point tensors among fn's outputs: those a Jacobian is taken of."""
    return [o for o in _as_tuple(values) if isinstance(o, Tensor) and o.is_floating_point()]


def _numerical_jacobian(fn, inputs, wrt, eps, out_size):
    """J[i][j] for each input i in `wrt`: d(all outputs, flattened)/d(input element j)."""
    jacobians = []
    for i in wrt:
        x = inputs[i]
        flat = x.detach().numpy().reshape(-1) if x.is_contiguous() else None
        if flat is None:
            raise GradcheckError(f"gradcheck: input {i} must be contiguous so its elements can be perturbed")
        columns = []
        for j in range(flat.size):
            original = flat[j]
            # The input is changed through its NumPy view (outside autograd); fn still records, since
            # for gradgradcheck fn itself differentiates.
            flat[j] = original + eps
            plus = [o.detach().numpy().reshape(-1).copy() for o in _float_outputs(fn(*inputs))]
            flat[j] = original - eps
            minus = [o.detach().numpy().reshape(-1).copy() for o in _float_outputs(fn(*inputs))]
            flat[j] = original
            columns.append(np.concatenate([(p - m) / (2 * eps) for p, m in zip(plus, minus)]))
        jacobians.append(np.stack(columns, axis=1) if columns else np.zeros((out_size, 0)))
    return jacobians


def _analytic_jacobian(outputs, inputs, wrt, check_grad_dtypes=False):
    """Rows of backprop's Jacobian; an output that does not require grad contributes zero rows."""
    sizes = [o.numel() for o in outputs]
    rows = {i: [] for i in wrt}
    for k, out in enumerate(outputs):
        if not out.requires_grad:
            for i in wrt:
                rows[i].extend(np.zeros((out.numel(), inputs[i].numel())))
            continue
        for e in range(out.numel()):
            seed = np.zeros(out.numel(), dtype=out.detach().numpy().dtype)
            seed[e] = 1
            grad_out = _C.from_numpy(seed.reshape(out.shape))
            grads = _grad(outputs[k], [inputs[i] for i in wrt], grad_outputs=[grad_out], retain_graph=True,
                          allow_unused=True)
            for i, g in zip(wrt, grads):
                if check_grad_dtypes and g is not None and g.dtype != inputs[i].dtype:
                    raise GradcheckError(f"gradcheck: gradient of input {i} has dtype {g.dtype}, the input "
                                         f"{inputs[i].dtype}")
                n = inputs[i].numel()
                rows[i].append(np.zeros(n) if g is None else g.detach().numpy().reshape(-1).astype(np.float64))
    return [np.stack(rows[i]) if rows[i] else np.zeros((sum(sizes), inputs[i].numel())) for i in wrt]


def _forward_jacobian(fn, inputs, wrt, out_size):
    """Columns of forward mode's Jacobian: the outputs' tangents for each input element's unit tangent."""
    from chainrule.autograd import forward_ad
    jacobians = []
    for i in wrt:
        columns = []
        for j in range(inputs[i].numel()):
            unit = np.zeros(inputs[i].numel(), dtype=np.float64)
            unit[j] = 1
            with forward_ad.dual_level():
                dual = forward_ad.make_dual(inputs[i], _C.from_numpy(unit.reshape(tuple(inputs[i].shape))))
                outputs = _float_outputs(fn(*inputs[:i], dual, *inputs[i + 1:]))
                tangents = [forward_ad.unpack_dual(o).tangent for o in outputs]
            columns.append(np.concatenate([np.zeros(o.numel()) if t is None else t.detach().numpy().reshape(-1)
                                           for o, t in zip(outputs, tangents)]) if outputs else np.zeros(0))
        jacobians.append(np.stack(columns, axis=1) if columns else np.zeros((out_size, 0)))
    return jacobians


def _compare(kind, computed, numerical, wrt, atol, rtol, raise_exception):
    """True when each Jacobian matches finite differences; else GradcheckError naming the worst entry."""
    for i, a, n in zip(wrt, computed, numerical):
        bad = np.abs(a - n) > atol + rtol * np.abs(n)
        if bad.any():
            error = np.where(bad, np.abs(a - n), -1)
            row, col = np.unravel_index(np.argmax(error), error.shape)
            message = (f"gradcheck: {kind} Jacobian mismatch for input {i} at output element {row}, input element "
                       f"{col}: {kind} {a[row, col]:.8g} vs numerical {n[row, col]:.8g} "
                       f"({int(bad.sum())} of {bad.size} entries differ)")
            if raise_exception:
                raise GradcheckError(message)
            return False
    return True


def _refuse_unsupported(check_batched_forward_grad=False, check_fwd_over_rev=False, masked=None):
    for name, value in (("check_batched_forward_grad", check_batched_forward_grad),
                        ("check_fwd_over_rev", check_fwd_over_rev)):
        if value:
            raise NotImplementedError(f"gradcheck: {name}=True is not supported by chainrule")
    if masked:
        raise NotImplementedError("gradcheck: masked=True is for sparse inputs, which chainrule does not have")


def gradcheck(func, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, *, nondet_tol=0.0,
              check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
              check_batched_forward_grad=False, check_forward_ad=False, check_backward_ad=True, fast_mode=False,
              masked=None):
    """True when backprop's gradients of func at `inputs` match finite differences.

    The inputs that require grad must be float64 (finite differences in float32 are too coarse).
    """
    _refuse_unsupported(check_batched_forward_grad, masked=masked)
    fn = func
    inputs = _as_tuple(inputs)
    wrt = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not wrt:
        raise ValueError("gradcheck: no input requires grad")
    for i in wrt:
        if inputs[i].dtype != _C.dtype.float64:
            raise ValueError(f"gradcheck: input {i} is {inputs[i].dtype}; use float64 inputs for finite differences")
    if not check_backward_ad and not check_forward_ad:
        return True
    outputs = _float_outputs(fn(*inputs))
    out_size = sum(o.numel() for o in outputs)
    numerical = _numerical_jacobian(fn, inputs, wrt, eps, out_size)
    if check_backward_ad:
        analytic = _analytic_jacobian(outputs, inputs, wrt, check_grad_dtypes)
        if not _compare("analytic", analytic, numerical, wrt, atol, rtol, raise_exception):
            return False
    if check_forward_ad:
        forward = _forward_jacobian(fn, inputs, wrt, out_size)
        if not _compare("forward", forward, numerical, wrt, atol, rtol, raise_exception):
            return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, *,
                  gen_non_contig_grad_outputs=False, nondet_tol=0.0, check_undefined_grad=True,
                  check_grad_dtypes=False, check_batched_grad=False, check_fwd_over_rev=False, check_rev_over_rev=True,
                  fast_mode=False, masked=False):
    """gradcheck of the map (inputs, grad_outputs) -> gradients: checks second derivatives."""
    _refuse_unsupported(check_fwd_over_rev=check_fwd_over_rev, masked=masked)
    if not check_rev_over_rev:
        return True
    fn = func
    inputs = _as_tuple(inputs)
    outputs = [o for o in _float_outputs(fn(*inputs)) if o.requires_grad]
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = [_C.from_numpy(rng.standard_normal(tuple(o.shape))).requires_grad_() for o in outputs]
    grad_outputs = list(_as_tuple(grad_outputs))
    wrt = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]

    def first_derivatives(*args):
        xs, gs = args[:len(inputs)], args[len(inputs):]
        outs = [o for o in _float_outputs(fn(*xs)) if o.requires_grad]
        grads = _grad(outs, [xs[i] for i in wrt], grad_outputs=list(gs), create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_derivatives, tuple(inputs) + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, check_grad_dtypes=check_grad_dtypes)
