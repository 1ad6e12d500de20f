"""Named tuples returned by ops that give several tensors, like torch.return_types:
`t.max(dim)`, `t.min(dim)`, `t.sort()`, `t.topk(k)`, `t.kthvalue(k)`, `t.median(dim)`,
`t.cummax(dim)`, `t.cummin(dim)` and `t.mode(dim)` return (values, indices), `t.aminmax()` (min, max)
`t.histogram(bins)` (hist, bin_edges) and `t.frexp()` (mantissa, exponent), reachable by name or
by unpacking."""
from collections import namedtuple

__all__ = ["max", "min", "sort", "topk", "kthvalue", "median", "nanmedian", "cummax", "cummin", "aminmax", "mode",
           "histogram", "frexp"]


def _structseq_repr(self):
    """PyTorch's layout: the qualified type name, then one `field=value` per line."""
    fields = ",\n".join(f"{field}={value!r}" for field, value in zip(self._fields, self))
    return f"{__name__}.{type(self).__name__}(\n{fields})"


def _values_indices(name, fields=("values", "indices")):
    cls = namedtuple(name, fields)
    cls.__module__ = __name__
    cls.__qualname__ = name
    cls.__repr__ = _structseq_repr
    return cls


max = _values_indices("max")  # noqa: A001 -- the names mirror torch.return_types
min = _values_indices("min")  # noqa: A001
sort = _values_indices("sort")
topk = _values_indices("topk")
kthvalue = _values_indices("kthvalue")
median = _values_indices("median")
nanmedian = _values_indices("nanmedian")
cummax = _values_indices("cummax")
cummin = _values_indices("cummin")
aminmax = _values_indices("aminmax", ("min", "max"))
mode = _values_indices("mode")
histogram = _values_indices("histogram", ("hist", "bin_edges"))
frexp = _values_indices("frexp", ("mantissa", "exponent"))
