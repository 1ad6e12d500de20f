"""Wishart(df, covariance_matrix= | precision_matrix= | scale_tril=): distributions over positive
definite matrices. rsample is Bartlett's decomposition (Chi2 diagonal with the implicit Gamma
gradient, normal strictly-lower part); log_prob and entropy use the composed Cholesky factors
(_triangular.py) for log-determinants and solves."""
import math
import warnings

import chainrule
from chainrule._tensor import Size
from chainrule.distributions import constraints
from chainrule.distributions._cholesky_parameterized import (CholeskyParameterized, inverse_from_cholesky,
                                                             one_matrix_given, scale_tril_of)
from chainrule._C import digamma
from chainrule._functions.multigamma import mvlgamma
from chainrule.distributions._triangular import cholesky
from chainrule.distributions.chi2 import Chi2
from chainrule.distributions.exp_family import ExponentialFamily

__all__ = ["Wishart"]

_LOG_2 = math.log(2)


def _mvdigamma(x, p):
    """The derivative of the multivariate log-gamma function of dimension p."""
    if not bool((x > (p - 1) / 2).all()):
        raise AssertionError("Wrong domain for multivariate digamma function.")
    return sum(digamma(x - j / 2) for j in range(p))


def _log_det(matrix):
    """log det of positive definite matrices, through their Cholesky factors."""
    return 2 * cholesky(matrix).diagonal(dim1=-2, dim2=-1).log().sum(-1)


class Wishart(CholeskyParameterized, ExponentialFamily):
    support = constraints.positive_definite
    has_rsample = True
    _mean_carrier_measure = 0

    @property
    def arg_constraints(self):
        return {"covariance_matrix": constraints.positive_definite,
                "precision_matrix": constraints.positive_definite,
                "scale_tril": constraints.lower_cholesky,
                "df": constraints.greater_than(self.event_shape[-1] - 1)}

    def __init__(self, df, covariance_matrix=None, precision_matrix=None, scale_tril=None, validate_args=None):
        name, param = one_matrix_given(scale_tril, covariance_matrix, precision_matrix, error=AssertionError)
        if param.dim() < 2:
            raise ValueError("scale_tril must be at least two-dimensional, with optional leading batch dimensions")
        if isinstance(df, chainrule.Tensor):
            batch_shape = tuple(chainrule.broadcast_shapes(tuple(param.shape)[:-2], tuple(df.shape)))
            self.df = df.expand(batch_shape)
        else:
            batch_shape = tuple(param.shape)[:-2]
            self.df = chainrule.tensor(df, dtype=param.dtype, device=param.device)
        event_shape = tuple(param.shape)[-2:]
        if bool((self.df <= event_shape[-1] - 1).any()):
            raise ValueError(f"Value of df={df} expected to be greater than ndim - 1 = {event_shape[-1] - 1}.")
        setattr(self, name, param.expand(batch_shape + (-1, -1)))
        if bool((self.df < event_shape[-1]).any()):
            warnings.warn("Low df values detected. Singular samples are highly likely to occur for "
                          "ndim - 1 < df < ndim.", stacklevel=2)
        super().__init__(batch_shape, event_shape, validate_args=validate_args)
        self._unbroadcasted_scale_tril = scale_tril_of(name, param)
        self._dist_chi2 = self._chi2(batch_shape)

    def _chi2(self, batch_shape):
        """The Chi2(df - i) laws of Bartlett's diagonal, i = 0 .. p - 1."""
        tril = self._unbroadcasted_scale_tril
        offsets = chainrule.arange(self._event_shape[-1], dtype=tril.dtype, device=tril.device)
        return Chi2(df=self.df.unsqueeze(-1) - offsets.expand(tuple(batch_shape) + (-1,)))

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Wishart, _instance)
        batch_shape = tuple(batch_shape)
        cov_shape = batch_shape + tuple(self.event_shape)
        new._unbroadcasted_scale_tril = self._unbroadcasted_scale_tril.expand(cov_shape)
        new.df = self.df.expand(batch_shape)
        self._expand_matrices(new, cov_shape)
        ExponentialFamily.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._dist_chi2 = new._chi2(batch_shape)
        new._validate_args = self._validate_args
        return new

    def _matrix_shape(self):
        return tuple(self._batch_shape) + tuple(self._event_shape)

    def _df_matrix(self, df):
        return df.reshape(tuple(self._batch_shape) + (1, 1))

    @property
    def mean(self):
        return self._df_matrix(self.df) * self.covariance_matrix

    @property
    def mode(self):
        factor = self.df - self.covariance_matrix.shape[-1] - 1
        factor = chainrule.where(factor <= 0, math.nan, factor)
        return self._df_matrix(factor) * self.covariance_matrix

    @property
    def variance(self):
        v = self.covariance_matrix
        diag_v = v.diagonal(dim1=-2, dim2=-1)
        return self._df_matrix(self.df) * (v.pow(2) + diag_v.unsqueeze(-1) * diag_v.unsqueeze(-2))

    def _bartlett_sampling(self, sample_shape):
        """L A A.mT L.mT with A lower triangular: sqrt(Chi2) diagonal, standard normal below."""
        p = self._event_shape[-1]
        chi = self._dist_chi2.rsample(sample_shape).sqrt().clamp(min=chainrule.finfo(self.df.dtype).eps)
        normal = chainrule.randn(tuple(sample_shape) + tuple(self._batch_shape) + (p, p), dtype=chi.dtype,
                                 device=chi.device)
        noise = normal.tril(-1) + chi.unsqueeze(-1) * chainrule.eye(p, dtype=chi.dtype, device=chi.device)
        chol = self._unbroadcasted_scale_tril @ noise
        return chol @ chol.mT

    def rsample(self, sample_shape=Size(), max_try_correction=None):
        """Bartlett draws; singular ones (possible for df < p) are redrawn up to max_try_correction times."""
        max_try_correction = 10 if max_try_correction is None else max_try_correction
        sample = self._bartlett_sampling(sample_shape)
        event_dims = (-2, -1)
        for _ in range(max_try_correction):
            singular = ~self.support.check(sample)
            if not bool(singular.any()):
                break
            warnings.warn("Singular sample detected.", stacklevel=2)
            redrawn = self._bartlett_sampling(sample_shape)
            sample = chainrule.where(singular.unsqueeze(event_dims[0]).unsqueeze(event_dims[1]), redrawn, sample)
        return sample

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        nu = self.df
        p = self._event_shape[-1]
        half_log_det_scale = self._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)
        trace_term = (inverse_from_cholesky(self._unbroadcasted_scale_tril) * value.mT).sum((-2, -1))
        return (-nu * (p * _LOG_2 / 2 + half_log_det_scale) - mvlgamma(nu / 2, p)
                + (nu - p - 1) / 2 * _log_det(value) - trace_term / 2)

    def entropy(self):
        nu = self.df
        p = self._event_shape[-1]
        half_log_det_scale = self._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)
        return ((p + 1) * (p * _LOG_2 / 2 + half_log_det_scale) + mvlgamma(nu / 2, p)
                - (nu - p - 1) / 2 * _mvdigamma(nu / 2, p) + nu * p / 2)

    @property
    def _natural_params(self):
        return -self.precision_matrix / 2, (self.df - self._event_shape[-1] - 1) / 2

    def _log_normalizer(self, x, y):
        p = self._event_shape[-1]
        return (y + (p + 1) / 2) * (-_log_det(-2 * x) + _LOG_2 * p) + mvlgamma(y + (p + 1) / 2, p)
