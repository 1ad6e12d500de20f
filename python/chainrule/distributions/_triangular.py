"""Cholesky factor and lower-triangular solve composed from chainrule's differentiable ops.

chainrule has no linalg.cholesky or solve_triangular yet, so MultivariateNormal gets them here:
a row-by-row Cholesky-Banachiewicz and forward substitution over the last two dims, batched by
broadcasting. Each is O(n^2) small tensor ops for an n x n matrix, so they suit the event sizes of
toy models and policies (n up to a few dozen), not large covariance matrices. Gradients flow
through the composition. A matrix that is not positive definite gets NaN pivots.
"""
import chainrule


def cholesky(matrix):
    """L with L @ L.mT == matrix, for a batch (..., n, n) of symmetric positive definite matrices."""
    n = matrix.shape[-1]
    rows = [[None] * n for _ in range(n)]  # rows[i][j]: L[..., i, j], a (...) tensor
    for j in range(n):
        pivot = matrix[..., j, j] - sum((rows[j][k] * rows[j][k] for k in range(j)), 0.0)
        rows[j][j] = pivot.sqrt()
        for i in range(j + 1, n):
            dot = sum((rows[i][k] * rows[j][k] for k in range(j)), 0.0)
            rows[i][j] = (matrix[..., i, j] - dot) / rows[j][j]
    zero = chainrule.zeros_like(matrix[..., 0, 0])
    return chainrule.stack([chainrule.stack([rows[i][j] if j <= i else zero for j in range(n)], -1)
                            for i in range(n)], -2)


def solve_lower(tril, rhs):
    """X with tril @ X == rhs: tril (..., n, n) lower triangular, rhs (..., n, k); batch dims
    broadcast."""
    n = tril.shape[-1]
    solved = []  # solved[i]: row i of X, a (..., k) tensor
    for i in range(n):
        residual = rhs[..., i, :]
        for j in range(i):
            residual = residual - tril[..., i, j].unsqueeze(-1) * solved[j]
        solved.append(residual / tril[..., i, i].unsqueeze(-1))
    return chainrule.stack(solved, -2)


def mahalanobis_squared(tril, x):
    """|tril^-1 x|^2 over the last dim: tril (..., n, n), x (..., n), batch dims broadcast."""
    return solve_lower(tril, x.unsqueeze(-1)).squeeze(-1).pow(2).sum(-1)
