"""lgamma and digamma for positive arguments, composed from chainrule's differentiable ops.

chainrule has no lgamma/digamma ops yet; the Gamma family and Poisson.log_prob need them, and
their gradients (digamma, trigamma) follow from the composition by autograd. Both use the
recurrence to shift the argument up by SHIFT (f(x) = f(x + SHIFT) - sum over the shifted-away
terms) and then the asymptotic (Stirling) series, whose first omitted term is below 1e-13 at
x + SHIFT >= 10. Valid for x > 0 only (the distributions' parameters and counts + 1);
non-positive x gives NaN.
"""
import math

import chainrule

SHIFT = 10
_HALF_LOG_TWO_PI = 0.5 * math.log(2 * math.pi)
# Stirling series of lgamma(z) - ((z - 1/2) log z - z + log(2 pi)/2): B_2k / (2k (2k - 1) z^(2k-1))
_LGAMMA_SERIES = (1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360)
# digamma(z) - (log z - 1/(2z)) = -sum B_2k / (2k z^(2k))
_DIGAMMA_SERIES = (-1 / 12, 1 / 120, -1 / 252, 1 / 240, -1 / 132, 691 / 32760)


def _shift(x):
    return sum((chainrule.log(x + i) for i in range(SHIFT)), 0.0), x + SHIFT


def lgamma(x):
    """log Gamma(x) for x > 0."""
    log_rising, z = _shift(x)
    inverse_square = (z * z).reciprocal()
    series, power = 0.0, z.reciprocal()
    for coefficient in _LGAMMA_SERIES:
        series = series + coefficient * power
        power = power * inverse_square
    return (z - 0.5) * chainrule.log(z) - z + _HALF_LOG_TWO_PI + series - log_rising


def digamma(x):
    """d/dx log Gamma(x) for x > 0."""
    z = x + SHIFT
    rising = sum(((x + i).reciprocal() for i in range(SHIFT)), 0.0)
    inverse_square = (z * z).reciprocal()
    series, power = 0.0, inverse_square
    for coefficient in _DIGAMMA_SERIES:
        series = series + coefficient * power
        power = power * inverse_square
    return chainrule.log(z) - 0.5 * z.reciprocal() + series - rising

