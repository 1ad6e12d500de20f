"""What Normal, Laplace and Cauchy share as location-scale families on the real line: the real loc
and positive scale parameters (broadcast together), rsample support, and the mode at loc."""
from chainrule.distributions import constraints
from chainrule.distributions.utils import batch_shape_of, broadcast_all

__all__ = ["LocationScale"]


class LocationScale:
    """Mixin (listed before the Distribution base): loc and scale broadcast together; the batch
    shape is () when both are Python numbers."""
    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = broadcast_all(loc, scale)
        super().__init__(batch_shape_of((loc, scale), (self.loc,)), validate_args=validate_args)

    @property
    def mode(self):
        return self.loc
