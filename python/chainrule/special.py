"""chainrule.special, PyTorch's torch.special: each function delegates to a chainrule op of another
name or is composed from them, with torch.special's signature (out= is added by _functions/out_argument.py).

Composed here: ndtr = erfc(-x/sqrt 2)/2; ndtri = sqrt(2) erfinv(2p - 1) (its float64 relative error
grows as p nears 0 or 1, where 2p - 1 rounds: ~1e-11 at p = 1e-6); log_ndtr as PyTorch computes it,
log(erfcx(-x/sqrt 2)/2) - x^2/2 below x = -1, log1p(-erfc(x/sqrt 2)/2) above; xlog1py, entr,
spherical_bessel_j0; entr's, log_ndtr's and xlog1py's gradients are PyTorch's
formulas (xlog1py's for input is log1p(other) even where input is 0). The modified_bessel_* and
spherical_bessel_j0 results, as PyTorch's, carry no gradient.

Not here (each in KNOWN_OMISSIONS, which the tests keep equal to what torch.special has and this
module lacks), as each needs a kernel rather than a composition: airy_ai and the Bessel J, Y and K
(Cephes' piecewise rational fits), and the orthogonal polynomials (recurrences of elementwise
length n). zeta is Cephes' algorithm composed, with one host read (the smallest q sets how many
terms are summed directly); gammainc/gammaincc (torch.igamma/igammac, Tensor.igamma(_)/igammac(_)
here too) are in _functions/incomplete_gamma.py.
"""
import math

from chainrule import _C
from chainrule._C import Tensor
from chainrule._C import (  # noqa: F401  -- torch.special names of chainrule ops
    erf, erfinv, expm1, log1p, digamma, polygamma, logsumexp, xlogy, sigmoid as expit, lgamma as gammaln,
    digamma as psi)
from chainrule._functions.bessel import i0, i1, i0e, i1e  # noqa: F401
from chainrule._functions.elementwise_math import _floating, exp2, logit, sinc  # noqa: F401
from chainrule._C import erfc  # noqa: F401
from chainrule._functions.error_function import erfcx  # noqa: F401
from chainrule._functions.in_place import in_place
from chainrule._functions.incomplete_gamma import LowerGamma, UpperGamma
from chainrule._functions.multigamma import mvlgamma as multigammaln  # noqa: F401
from chainrule._functions.pointwise_function import pointwise_function
from chainrule._functions.rounding import round  # noqa: F401
from chainrule._functions.promotion import result_type
from chainrule._functions.shapes import broadcast_tensors
from chainrule.autograd.function import Function
from chainrule._tensor import as_tensor

KNOWN_OMISSIONS = frozenset({
    "airy_ai", "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1",
    "modified_bessel_k0", "modified_bessel_k1", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1",
    "chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v", "chebyshev_polynomial_w",
    "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
    "shifted_chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he", "laguerre_polynomial_l",
    "legendre_polynomial_p"})

_SQRT_HALF = math.sqrt(0.5)


def softmax(input, dim, *, dtype=None):
    return _C.softmax(input, dim, dtype=dtype)


def log_softmax(input, dim, *, dtype=None):
    return _C.log_softmax(input, dim, dtype=dtype)


def ndtr(input):
    """The standard normal CDF."""
    return erfc(_floating(input) * -_SQRT_HALF) * 0.5


def ndtri(input):
    """The standard normal quantile function, the inverse of ndtr."""
    return (_floating(input) * 2 - 1).erfinv() * math.sqrt(2)


def _log_ndtr_value(x):
    t = x * _SQRT_HALF
    lower_t = t.clamp(max=-_SQRT_HALF)  # x <= -1
    lower = (erfcx(-lower_t) * 0.5).log() - lower_t * lower_t
    upper = (erfc(t.clamp(min=-_SQRT_HALF)) * -0.5).log1p()
    return _C.where(x < -1, lower, upper)


_LogNdtr = pointwise_function("_LogNdtr", _log_ndtr_value,
                              lambda x: (x * x * -0.5 - _LogNdtr.apply(x)).exp() / math.sqrt(2 * math.pi))


def log_ndtr(input):
    """log(ndtr(input)), accurate far into the lower tail."""
    return _LogNdtr.apply(_floating(input))


def _entr_value(x):
    value = _C.where(x > 0, -x * x.log(), _C.where(x == 0, _C.zeros_like(x), _C.full_like(x, -math.inf)))
    return _C.where(x.isnan(), x, value)


_Entr = pointwise_function("_Entr", _entr_value, lambda x: -(x.log() + 1))


def entr(input):
    """-x log(x) elementwise: 0 at 0, -inf below."""
    return _Entr.apply(_floating(input))


def _promoted(input, other):
    """input and other as tensors of their promoted floating dtype (Python numbers join a tensor's)."""
    tensors = [t for t in (input, other) if isinstance(t, _C.Tensor)]
    dtype = result_type(*tensors) if len(tensors) == 2 else tensors[0].dtype
    dtype = dtype if dtype.is_floating_point else _C._get_default_dtype()
    device = tensors[0].device
    return [as_tensor(t, dtype=dtype, device=device) if not isinstance(t, _C.Tensor) else t.to(dtype)
            for t in (input, other)]


class _Xlog1py(Function):
    """input * log1p(other) of same-shaped tensors, with PyTorch's gradients: log1p(other) for input
    (also where input is 0) and input / (other + 1) for other."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return _C.where((x == 0) & ~y.isnan(), _C.zeros_like(x), x * y.log1p())

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        return grad * y.log1p(), grad * x / (y + 1)


def xlog1py(input, other):
    """input * log1p(other), 0 where input is 0 (unless other is NaN)."""
    return _Xlog1py.apply(*broadcast_tensors(*_promoted(input, other)))


# Euler-Maclaurin's divisors for the Hurwitz zeta's tail: (2k)! / B_2k, as in Cephes' zeta.
_ZETA_DIVISORS = (12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9, 7.47242496e10,
                  -2.950130727918164224e12, 1.1646782814350067249e14, -4.5979787224074726105e15,
                  1.8152105401943546773e17, -7.1661652561756670113e18)
_EPSILON = 1.11022302462515654042e-16


def _zeta_value(x, q):
    """Cephes' zeta (PyTorch's, in float64): sum (q + n)^-x up to q + n > 9, then Euler-Maclaurin,
    each element stopping where its next term is below 2^-53 of its sum."""
    x, q = x.double(), q.double()
    finite_q = _C.where(q.isfinite(), q, _C.ones_like(q))
    lowest = float(finite_q.min()) if q.numel() else 1.0  # the one host read: how many terms
    total = q.pow(-x)
    active = _C.ones_like(q, dtype=_C.dtype.bool)
    a, term = q, _C.zeros_like(q)
    for _ in range(max(9, math.floor(9 - lowest) + 1)):
        a = a + 1
        term = a.pow(-x)
        total = _C.where(active, total + term, total)
        active = active & ~(term.abs() < _EPSILON * total)
    w = a
    total = _C.where(active, total + term * w / (x - 1) - 0.5 * term, total)
    factor, k = _C.ones_like(q), 0.0
    for divisor in _ZETA_DIVISORS:
        factor = factor * (x + k)
        term = term / w
        correction = factor * term / divisor
        total = _C.where(active, total + correction, total)
        active = active & ~((correction / total).abs() < _EPSILON)
        factor = factor * (x + k + 1)
        term = term / w
        k += 2
    nan, inf = _C.full_like(total, math.nan), _C.full_like(total, math.inf)
    total = _C.where((q <= 0) & (x != x.floor()), nan, total)
    total = _C.where((q <= 0) & (q == q.floor()), inf, total)
    return _C.where(x == 1, inf, _C.where(x < 1, nan, total))


class _Zeta(Function):
    """zeta(x, q) of same-shaped tensors; PyTorch's gradient for q, -x zeta(x + 1, q), and none for x."""

    @staticmethod
    def forward(ctx, x, q):
        ctx.save_for_backward(x, q)
        return _zeta_value(x, q).to(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        x, q = ctx.saved_tensors
        if ctx.needs_input_grad[0]:
            raise NotImplementedError("the derivative for 'zeta' is not implemented.")
        return None, grad * -x * _Zeta.apply(x + 1, q)


def zeta(input, other):
    """The Hurwitz zeta function sum_n (other + n)^-input (Riemann's at other = 1)."""
    return _Zeta.apply(*broadcast_tensors(*_promoted(input, other)))


def gammainc(input, other):
    """The regularized lower incomplete gamma function P(input, other)."""
    return LowerGamma.apply(*broadcast_tensors(*_promoted(input, other)))


def gammaincc(input, other):
    """The regularized upper incomplete gamma function Q(input, other) = 1 - P(input, other)."""
    return UpperGamma.apply(*broadcast_tensors(*_promoted(input, other)))


Tensor.igamma, Tensor.igammac = gammainc, gammaincc
Tensor.igamma_, Tensor.igammac_ = in_place(gammainc), in_place(gammaincc)


def spherical_bessel_j0(input):
    """sin(x)/x, by PyTorch's Taylor polynomial below |x| = 1/2 and 0 at +-inf; no gradient, as PyTorch's."""
    x = _floating(input).detach()
    square = x * x
    series = _C.zeros_like(x)
    for k in range(6, 0, -1):  # Horner over (-1)^k x^(2k) / (2k + 1)!
        series = square * ((-1) ** k / math.factorial(2 * k + 1) + series)
    small = x.abs() < 0.5
    safe = _C.where(small | x.isinf(), _C.ones_like(x), x)
    return _C.where(small, series + 1, _C.where(x.isinf(), _C.zeros_like(x), safe.sin() / safe))


def modified_bessel_i0(input):
    """i0 without a gradient, as PyTorch's."""
    return i0(input.detach())


def modified_bessel_i1(input):
    """i1 without a gradient, as PyTorch's."""
    return i1(input.detach())
