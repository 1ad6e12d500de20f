"""std_mean and var_mean: a spread and the mean over the same dims in one call, as PyTorch returns
them (a tuple), with var/std's arguments (dim, correction/unbiased, keepdim)."""
import warnings

from chainrule._C import Tensor


def var_mean(input, *args, **kwargs):
    """(input.var(...), the mean over the same dims)."""
    return _spread(input, "var", args, kwargs), input.mean(*_mean_args(input, args, kwargs))


def std_mean(input, *args, **kwargs):
    """(input.std(...), the mean over the same dims)."""
    return _spread(input, "std", args, kwargs), input.mean(*_mean_args(input, args, kwargs))


def _spread(input, name, args, kwargs):
    """input.var/std(...), its warnings (no degrees of freedom) re-issued under var_mean/std_mean's name at the
    caller's line, as PyTorch names them."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        spread = getattr(input, name)(*args, **kwargs)
    for w in caught:
        warnings.warn(str(w.message).replace(f"{name}():", f"{name}_mean():", 1), w.category, stacklevel=3)
    return spread


def _mean_args(input, args, kwargs):
    """mean's (dim, keepdim) from var/std's positional forms (dim, unbiased, keepdim) or keywords."""
    dim = kwargs.get("dim", args[0] if args and not isinstance(args[0], bool) else None)
    keepdim = kwargs.get("keepdim", args[2] if len(args) > 2 else False)
    return (tuple(range(input.ndim)) if dim is None else dim, keepdim)


Tensor.var_mean = var_mean
Tensor.std_mean = std_mean
