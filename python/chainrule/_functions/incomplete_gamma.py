"""The regularized incomplete gamma functions P(a, x) = gammainc and Q(a, x) = 1 - P = gammaincc
(torch.special.gammainc/gammaincc, torch.igamma/igammac), composed in float64 from Cephes' pieces
as PyTorch runs them: the power series of P, the series of Q for small x, and Q's continued
fraction, chosen per element by PyTorch's rules (so each result comes from the same formula as
PyTorch's), every element stopping where Cephes stops it (its next term below 2^-53 of its sum).

Two simplifications against PyTorch: its Temme asymptotic expansion for large a with x near a is
replaced by the series or the continued fraction (which converge there too, in about 9 sqrt(a)
terms), and the prefactor x^a e^-x / Gamma(a) is exp(a log x - x - lgamma(a)) without the Lanczos
rescaling, whose cancellation costs about a * 1e-16 relative near x = a. The loops run on the
host's schedule: every 16 terms one read of whether any element is still going (at most 2000).
The gradient is PyTorch's: d/dx P = x^(a-1) e^-x / Gamma(a); none in a (PyTorch's
NotImplementedError).
"""
import math

from chainrule import _C
from chainrule.autograd.function import Function

_EPSILON = 1.11022302462515654042e-16
_MAX_TERMS, _CHECK_EVERY = 2000, 16
_BIG, _BIG_INVERSE = 4.503599627370496e15, 2.22044604925031308085e-16
_EULER = 0.577215664901532860606512090082402431


def _iterate(state, step, active):
    """Runs step(state, active) -> (state, active) until no element is active (or _MAX_TERMS)."""
    for _block in range(_MAX_TERMS // _CHECK_EVERY):
        for _ in range(_CHECK_EVERY):
            state, active = step(state, active)
        if not bool(active.any()):
            break
    return state


def _prefactor(a, x):
    """x^a e^-x / Gamma(a)."""
    return (a * x.log() - x - a.lgamma()).exp()


def _p_series(a, x):
    """P(a, x) by sum x^n / ((a+1)...(a+n)), times the prefactor over a."""
    def step(state, active):
        r, c, total = state
        r = r + 1
        c = _C.where(active, c * x / r, c)
        total = _C.where(active, total + c, total)
        return (r, c, total), active & ~(c <= _EPSILON * total)

    ones = _C.ones_like(a)
    _, _, total = _iterate((a, ones, ones), step, ones.bool())
    return total * _prefactor(a, x) / a


_TAYLOR_COEFFICIENTS = []


def _lgamma_one_plus_taylor(a):
    """lgamma(1 + a) for |a| <= 1/2: -euler a + sum_{n=2}^{42} (-1)^n zeta(n) a^n / n, Cephes' series,
    with (-1)^n zeta(n) / n = polygamma(n - 1, 1) / n! (zeta(2) = pi^2/6 exactly: PyTorch's trigamma
    is good to 5e-10 only)."""
    if not _TAYLOR_COEFFICIENTS:
        one = _C.ones(1, dtype=_C.dtype.float64)
        _TAYLOR_COEFFICIENTS.append(math.pi ** 2 / 12)
        _TAYLOR_COEFFICIENTS.extend(float(_C.polygamma(n - 1, one)) / math.factorial(n) for n in range(3, 43))
    total = _C.zeros_like(a)
    for coefficient in reversed(_TAYLOR_COEFFICIENTS):
        total = (total + coefficient) * a
    return (total - _EULER) * a


def _lgamma_one_plus(a):
    """lgamma(1 + a), accurate for small a."""
    near_zero, near_one = a.abs() <= 0.5, (a - 1).abs() < 0.5
    taylor_at = _C.where(near_zero, a, _C.where(near_one, a - 1, _C.zeros_like(a)))
    taylor = _lgamma_one_plus_taylor(taylor_at)
    return _C.where(near_zero, taylor, _C.where(near_one, a.log() + taylor, (a + 1).lgamma()))


def _q_series(a, x):
    """Q(a, x) for small x: 1 - x^a / Gamma(a + 1) + x^a / Gamma(a) sum_{n>=1} (-x)^n / (n! (a + n))."""
    def step(state, active):
        n, factor, total = state
        n = n + 1
        factor = _C.where(active, factor * -x / n, factor)
        term = factor / (a + n)
        total = _C.where(active, total + term, total)
        return (n, factor, total), active & ~(term.abs() <= _EPSILON * total.abs())

    zeros = _C.zeros_like(a)
    _, _, total = _iterate((0.0, _C.ones_like(a), zeros), step, _C.ones_like(a).bool())
    log_x = x.log()
    return -(a * log_x - _lgamma_one_plus(a)).expm1() - (a * log_x - a.lgamma()).exp() * total


def _q_continued_fraction(a, x):
    """Q(a, x) for x > 1.1, x >= a: Cephes' continued fraction, rescaled when it grows."""
    def step(state, active):
        c, y, z, p2, q2, p1, q1, answer = state
        c, y, z = c + 1, y + 1, z + 2
        yc = y * c
        p, q = p1 * z - p2 * yc, q1 * z - q2 * yc
        nonzero = q != 0
        ratio = p / _C.where(nonzero, q, _C.ones_like(q))
        change = _C.where(nonzero, ((answer - ratio) / ratio).abs(), _C.ones_like(q))
        answer = _C.where(active & nonzero, ratio, answer)
        scale = _C.where(p.abs() > _BIG, _BIG_INVERSE, 1.0)
        p2, p1, q2, q1 = [_C.where(active, new * scale, old) for new, old in ((p1, p2), (p, p1), (q1, q2), (q, q1))]
        return (c, y, z, p2, q2, p1, q1, answer), active & ~(change <= _EPSILON)

    y = 1 - a
    z = x + y + 1
    start = (_C.zeros_like(a), y, z, _C.ones_like(a), x, x + 1, z * x, (x + 1) / (z * x))
    answer = _iterate(start, step, _C.ones_like(a).bool())[-1]
    return answer * _prefactor(a, x)


def _where_some(mask, compute, a, x, fallback):
    """compute(a, x) where mask holds (evaluated at a = x = 1 elsewhere, so every input is tame)."""
    ones = _C.ones_like(a)
    return _C.where(mask, compute(_C.where(mask, a, ones), _C.where(mask, x, ones)), fallback)


def _edges(a, x, value, lower):
    """PyTorch's answers where a or x is 0, infinite or negative (for P when lower, else for Q)."""
    nan, zero, one = _C.full_like(a, math.nan), _C.zeros_like(a), _C.ones_like(a)
    start, end = (zero, one) if lower else (one, zero)
    value = _C.where(x.isinf(), end, value)
    value = _C.where(a.isinf(), _C.where(x.isinf(), nan, start), value)
    value = _C.where(x == 0, start, value)
    value = _C.where(a == 0, _C.where(x > 0, end, nan), value)
    return _C.where((x < 0) | (a < 0) | a.isnan() | x.isnan(), nan, value)


def _upper_value(a, x):
    """Q(a, x) by PyTorch's choice of formula."""
    p_series = (((x > 1.1) & (x < a)) | ((x <= 1.1) & (x > 0.5) & (x * 1.1 < a))
                | ((x <= 0.5) & (-0.4 / x.log() < a)))
    fraction = (x > 1.1) & ~p_series
    value = _C.zeros_like(a)
    value = _where_some(p_series, lambda a, x: 1 - _p_series(a, x), a, x, value)
    value = _where_some(fraction, _q_continued_fraction, a, x, value)
    value = _where_some(~p_series & ~fraction, _q_series, a, x, value)
    return value


def _lower_value(a, x):
    """P(a, x) by PyTorch's choice of formula."""
    upper = (x > 1) & (x > a)
    value = _where_some(upper, lambda a, x: 1 - _upper_value(a, x), a, x, _C.zeros_like(a))
    return _where_some(~upper, _p_series, a, x, value)


def _incomplete_gamma(name, lower):
    def forward(ctx, a, x):
        ctx.save_for_backward(a, x)
        a64, x64 = a.double(), x.double()
        tame = (a64 > 0) & (x64 > 0) & a64.isfinite() & x64.isfinite()
        value = _where_some(tame, _lower_value if lower else _upper_value, a64, x64, _C.zeros_like(a64))
        return _edges(a64, x64, value, lower).to(a.dtype)

    def backward(ctx, grad):
        a, x = ctx.saved_tensors
        if ctx.needs_input_grad[0]:
            raise NotImplementedError(f"the derivative for '{name}: input' is not implemented.")
        density = ((a - 1) * x.log() - x - a.lgamma()).exp()
        return None, grad * (density if lower else -density)

    return type(name, (Function,), {"forward": staticmethod(forward), "backward": staticmethod(backward)})


# Functions of two same-shaped tensors (a, x); chainrule.special broadcasts and promotes for them.
LowerGamma = _incomplete_gamma("igamma", lower=True)
UpperGamma = _incomplete_gamma("igammac", lower=False)
