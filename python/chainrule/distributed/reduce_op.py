"""ReduceOp (SUM, AVG, PRODUCT, MIN, MAX) and the MPI operation each one is for a given dtype.

MPI has no average: AVG is a sum divided by the world size afterwards, for floating-point tensors
only (an integer average would have to round). On bool tensors MPI allows only logical operations,
so SUM and MAX are a logical or and PRODUCT and MIN a logical and, as PyTorch's CPU backend gives.
"""
import enum

import numpy as np

__all__ = ["ReduceOp"]


class ReduceOp(enum.Enum):
    SUM = "sum"
    AVG = "avg"
    PRODUCT = "product"
    MIN = "min"
    MAX = "max"

    def __repr__(self):
        return f"<ReduceOp.{self.name}>"


_BOOL_OPS = {ReduceOp.SUM: "LOR", ReduceOp.MAX: "LOR", ReduceOp.PRODUCT: "LAND", ReduceOp.MIN: "LAND"}
_NUMBER_OPS = {ReduceOp.SUM: "SUM", ReduceOp.AVG: "SUM", ReduceOp.PRODUCT: "PROD", ReduceOp.MIN: "MIN",
               ReduceOp.MAX: "MAX"}


def mpi_op(MPI, op, np_dtype, name):
    """The MPI operation that computes `op` over buffers of np_dtype (AVG: the sum, divided later)."""
    if not isinstance(op, ReduceOp):
        raise TypeError(f"{name}: op must be a chainrule.distributed.ReduceOp, got {op!r}")
    if np_dtype == np.bool_:
        if op not in _BOOL_OPS:
            raise ValueError(f"{name}: ReduceOp.{op.name} is not defined for bool tensors")
        return getattr(MPI, _BOOL_OPS[op])
    if op is ReduceOp.AVG and not np.issubdtype(np_dtype, np.floating):
        raise ValueError(f"{name}: ReduceOp.AVG needs a floating-point tensor, got {np_dtype} (use SUM and divide)")
    return getattr(MPI, _NUMBER_OPS[op])
