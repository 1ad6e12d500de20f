"""MultivariateNormal(loc, covariance_matrix= | precision_matrix= | scale_tril=).

Everything runs on the lower Cholesky factor of the covariance (`_unbroadcasted_scale_tril`):
rsample is loc + L @ eps, log_prob solves L y = x - loc. The factorization and the solves are
composed in `_triangular.py` (O(n^2) tensor ops), fine for the event sizes of toy models.
"""
import math

import chainrule
from chainrule._tensor import Size
from chainrule.distributions import constraints
from chainrule.distributions._triangular import cholesky, mahalanobis_squared, solve_lower
from chainrule.distributions.distribution import Distribution
from chainrule.distributions.utils import _standard_normal, lazy_property

__all__ = ["MultivariateNormal"]


def _precision_to_scale_tril(precision):
    """The lower Cholesky factor of precision^-1, via the Cholesky of the flipped precision."""
    flipped_factor = cholesky(chainrule.flip(precision, (-2, -1)))
    inverse_factor = chainrule.flip(flipped_factor, (-2, -1)).mT
    identity = chainrule.eye(precision.shape[-1], dtype=precision.dtype)
    return solve_lower(inverse_factor, identity)


class MultivariateNormal(Distribution):
    arg_constraints = {
        "loc": constraints.real_vector,
        "covariance_matrix": constraints.positive_definite,
        "precision_matrix": constraints.positive_definite,
        "scale_tril": constraints.lower_cholesky,
    }
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc, covariance_matrix=None, precision_matrix=None, scale_tril=None, validate_args=None):
        if loc.dim() < 1:
            raise ValueError("loc must be at least one-dimensional.")
        given = {"scale_tril": scale_tril, "covariance_matrix": covariance_matrix,
                 "precision_matrix": precision_matrix}
        given = {name: matrix for name, matrix in given.items() if matrix is not None}
        if len(given) != 1:
            raise ValueError("Exactly one of covariance_matrix or precision_matrix or scale_tril may be specified.")
        ((name, matrix),) = given.items()
        if matrix.dim() < 2:
            what = "scale_tril matrix" if name == "scale_tril" else name
            raise ValueError(f"{what} must be at least two-dimensional, with optional leading batch dimensions")
        batch_shape = tuple(chainrule.broadcast_shapes(tuple(matrix.shape)[:-2], tuple(loc.shape)[:-1]))
        setattr(self, name, matrix.expand(batch_shape + (-1, -1)))
        self.loc = loc.expand(batch_shape + (-1,))
        super().__init__(batch_shape, tuple(self.loc.shape)[-1:], validate_args=validate_args)
        if name == "scale_tril":
            self._unbroadcasted_scale_tril = matrix
        elif name == "covariance_matrix":
            self._unbroadcasted_scale_tril = cholesky(matrix)
        else:
            self._unbroadcasted_scale_tril = _precision_to_scale_tril(matrix)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(MultivariateNormal, _instance)
        batch_shape = tuple(batch_shape)
        matrix_shape = batch_shape + tuple(self.event_shape) * 2
        new.loc = self.loc.expand(batch_shape + tuple(self.event_shape))
        new._unbroadcasted_scale_tril = self._unbroadcasted_scale_tril
        for name in ("covariance_matrix", "scale_tril", "precision_matrix"):
            if name in self.__dict__:
                setattr(new, name, getattr(self, name).expand(matrix_shape))
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _matrix_shape(self):
        return tuple(self._batch_shape) + tuple(self._event_shape) * 2

    @lazy_property
    def scale_tril(self):
        return self._unbroadcasted_scale_tril.expand(self._matrix_shape())

    @lazy_property
    def covariance_matrix(self):
        factor = self._unbroadcasted_scale_tril
        return chainrule.matmul(factor, factor.mT).expand(self._matrix_shape())

    @lazy_property
    def precision_matrix(self):
        factor = self._unbroadcasted_scale_tril
        inverse_factor = solve_lower(factor, chainrule.eye(factor.shape[-1], dtype=factor.dtype))
        return chainrule.matmul(inverse_factor.mT, inverse_factor).expand(self._matrix_shape())

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        return self._unbroadcasted_scale_tril.pow(2).sum(-1).expand(tuple(self._batch_shape) + tuple(self._event_shape))

    def rsample(self, sample_shape=Size()):
        eps = _standard_normal(self._extended_shape(sample_shape), self.loc.dtype)
        return self.loc + chainrule.matmul(self._unbroadcasted_scale_tril, eps.unsqueeze(-1)).squeeze(-1)

    def _half_log_det(self):
        return self._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        squared_distance = mahalanobis_squared(self._unbroadcasted_scale_tril, value - self.loc)
        return -0.5 * (self._event_shape[0] * math.log(2 * math.pi) + squared_distance) - self._half_log_det()

    def entropy(self):
        entropy = 0.5 * self._event_shape[0] * (1.0 + math.log(2 * math.pi)) + self._half_log_det()
        if len(self._batch_shape) == 0:
            return entropy
        return entropy.expand(self._batch_shape)
