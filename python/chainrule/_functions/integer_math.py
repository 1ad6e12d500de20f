"""Number theory on int64 tensors: gcd and lcm (non-negative, as PyTorch's), with Tensor methods and
in-place forms. gcd runs Euclid's algorithm on all elements at once, one remainder step per round,
until every pair is done (at most ~92 rounds for int64)."""
from chainrule import _C
from chainrule._C import Tensor
from chainrule._functions.in_place import in_place
from chainrule._functions.shapes import broadcast_tensors


def _require_integers(op, *tensors):
    for t in tensors:
        if t.is_floating_point():
            raise NotImplementedError(f"{op}: not implemented for {t.dtype} tensors (integers only)")


def gcd(input, other):
    """The greatest common divisor of each pair (gcd(0, 0) = 0)."""
    _require_integers("gcd", input, other)
    a, b = broadcast_tensors(input.abs(), other.abs())
    while bool((b != 0).any()):
        active = b != 0
        remainder = a % _C.where(active, b, _C.ones_like(b))
        a, b = _C.where(active, b, a), _C.where(active, remainder, b)
    return a


def lcm(input, other):
    """The least common multiple of each pair (0 when either is 0)."""
    _require_integers("lcm", input, other)
    divisor = gcd(input, other)
    safe = _C.where(divisor == 0, _C.ones_like(divisor), divisor)
    return (input // safe * other).abs()


for _fn in (gcd, lcm):
    setattr(Tensor, _fn.__name__, _fn)
    setattr(Tensor, _fn.__name__ + "_", in_place(_fn))
gcd_, lcm_ = Tensor.gcd_, Tensor.lcm_
