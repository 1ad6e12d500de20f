"""What MultivariateNormal and Wishart share: exactly one of covariance_matrix, precision_matrix
or scale_tril given, reduced to the lower Cholesky factor of the covariance
(`_unbroadcasted_scale_tril`), from which the other two are computed lazily."""
import chainrule
from chainrule.distributions._triangular import cholesky, solve_lower
from chainrule.distributions.utils import lazy_property

__all__ = ["CholeskyParameterized", "inverse_from_cholesky", "one_matrix_given", "scale_tril_of"]

MATRIX_NAMES = ("covariance_matrix", "scale_tril", "precision_matrix")


def one_matrix_given(scale_tril, covariance_matrix, precision_matrix, error=ValueError):
    """(name, matrix) of the one parameterization given; else raises `error` (PyTorch's
    MultivariateNormal raises ValueError, its Wishart an AssertionError)."""
    given = {"scale_tril": scale_tril, "covariance_matrix": covariance_matrix,
             "precision_matrix": precision_matrix}
    given = {name: matrix for name, matrix in given.items() if matrix is not None}
    if len(given) != 1:
        raise error("Exactly one of covariance_matrix or precision_matrix or scale_tril may be specified.")
    ((name, matrix),) = given.items()
    return name, matrix


def _precision_to_scale_tril(precision):
    """The lower Cholesky factor of precision^-1, via the Cholesky of the flipped precision."""
    flipped_factor = cholesky(chainrule.flip(precision, (-2, -1)))
    inverse_factor = chainrule.flip(flipped_factor, (-2, -1)).mT
    identity = chainrule.eye(precision.shape[-1], dtype=precision.dtype, device=precision.device)
    return solve_lower(inverse_factor, identity)


def scale_tril_of(name, matrix):
    """The lower Cholesky factor of the covariance, from the matrix given as `name`."""
    if name == "scale_tril":
        return matrix
    if name == "covariance_matrix":
        return cholesky(matrix)
    return _precision_to_scale_tril(matrix)


def inverse_from_cholesky(factor):
    """(L L.mT)^-1 from L."""
    inverse_factor = solve_lower(factor, chainrule.eye(factor.shape[-1], dtype=factor.dtype, device=factor.device))
    return chainrule.matmul(inverse_factor.mT, inverse_factor)


class CholeskyParameterized:
    """Mixin: the three matrices from self._unbroadcasted_scale_tril, expanded to the shape
    self._matrix_shape() gives."""

    def _expand_matrices(self, new, matrix_shape):
        """expand(): the matrices the user gave or that were computed, expanded onto `new`."""
        for name in MATRIX_NAMES:
            if name in self.__dict__:
                setattr(new, name, getattr(self, name).expand(matrix_shape))

    @lazy_property
    def scale_tril(self):
        return self._unbroadcasted_scale_tril.expand(self._matrix_shape())

    @lazy_property
    def covariance_matrix(self):
        factor = self._unbroadcasted_scale_tril
        return chainrule.matmul(factor, factor.mT).expand(self._matrix_shape())

    @lazy_property
    def precision_matrix(self):
        return inverse_from_cholesky(self._unbroadcasted_scale_tril).expand(self._matrix_shape())
