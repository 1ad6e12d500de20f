"""Fuzz: view and shape ops (reshape, view, permute, transpose, expand, narrow, select, unsqueeze,
squeeze, flatten, unflatten, unfold, as_strided, movedim, flip, roll, diagonal, tril/triu, repeat)
with dims and sizes in and out of range, huge and negative sizes, on contiguous and strided inputs,
against PyTorch; each view is also copied (.contiguous()) to read it through its strides."""
import chainrule as cr
from hypothesis import given
from hypothesis import strategies as st

from conftest import requires_torch
from fuzz_harness import FUZZ_SETTINGS, Case, check
from fuzz_strategies import HUGE_SIZES, dims, sizes, tensors

pytestmark = requires_torch

HAS_METHOD = lambda name: hasattr(cr.Tensor, name)  # noqa: E731 - a filter for torch names chainrule lacks


@st.composite
def size_lists(draw, numel=None, huge=True):
    """A target shape: often a factorisation of numel (one dim maybe -1), else arbitrary or huge."""
    if numel is None or draw(st.integers(0, 2)) == 0:
        return tuple(draw(st.lists(sizes(huge=huge), max_size=4)))
    target, rest = [], numel
    for _ in range(draw(st.integers(0, 3))):
        d = draw(st.sampled_from([d for d in range(1, 6) if rest % d == 0] if rest else [0, 1, 2]))
        target.append(d)
        rest = rest // d if d else 0
    target.append(rest)
    if draw(st.integers(0, 3)) == 0:
        target[draw(st.integers(0, len(target) - 1))] = -1
    return tuple(draw(st.permutations(target)))


@st.composite
def view_cases(draw, huge=True):
    """A view op with drawn arguments; huge=False keeps every size small (the view is then summed)."""
    x = draw(tensors(kinds=["small", "special"]))
    n, numel = x.array.ndim, x.array.size
    name = draw(st.sampled_from(VIEW_OPS))
    dim, dim2 = draw(dims(n)), draw(dims(n))
    size = draw(sizes(huge=huge))
    size2 = draw(st.one_of(sizes(), st.sampled_from(HUGE_SIZES))) if huge else draw(sizes(huge=False))
    size_list = lambda numel=None: draw(size_lists(numel, huge))  # noqa: E731
    args = {
        "reshape": lambda: (size_list(numel),), "view": lambda: (size_list(numel),),
        "permute": lambda: (tuple(draw(st.one_of(st.permutations(range(n)), st.lists(dims(n), max_size=4)))),),
        "transpose": lambda: (dim, dim2), "expand": lambda: size_list(), "narrow": lambda: (dim, size2, size),
        "select": lambda: (dim, draw(st.one_of(dims(max(x.array.shape[dim % n] if n else 1, 1)), sizes(huge=huge)))),
        "unsqueeze": lambda: (draw(dims(n + 1)),), "squeeze": lambda: () if draw(st.booleans()) else (dim,),
        "flatten": lambda: (dim, dim2), "unflatten": lambda: (dim, size_list(x.array.shape[dim % n] if n else 1)),
        "unfold": lambda: (dim, size, draw(st.one_of(st.integers(1, 3), sizes(huge=huge)))),
        "as_strided": lambda: (size_list(), tuple(draw(st.lists(st.integers(0, 3), max_size=4))),
                               draw(st.integers(0, 2))),
        "movedim": lambda: (dim, dim2), "flip": lambda: (tuple(draw(st.lists(dims(n), max_size=3))),),
        "roll": lambda: (draw(st.one_of(st.integers(-7, 7), st.sampled_from(HUGE_SIZES if huge else [0]))), dim),
        "diagonal": lambda: (draw(st.integers(-3, 3)), dim, dim2), "tril": lambda: (draw(st.integers(-3, 3)),),
        "triu": lambda: (draw(st.integers(-3, 3)),), "repeat": lambda: size_list(),
        "t": lambda: (), "swapaxes": lambda: (dim, dim2),
    }[name]()
    return Case("method", name, (x, *args), then=(("contiguous", ()),))


VIEW_OPS = [name for name in ["reshape", "view", "permute", "transpose", "expand", "narrow", "select", "unsqueeze",
                              "squeeze", "flatten", "unflatten", "unfold", "as_strided", "movedim", "flip", "roll",
                              "diagonal", "tril", "triu", "repeat", "t", "swapaxes"] if HAS_METHOD(name)]


@FUZZ_SETTINGS
@given(case=view_cases())
def test_view_op(case):
    check(case)


@FUZZ_SETTINGS
@given(data=st.data())
def test_chained_views_then_reduce(data):
    """Two views in a row (a strided view of a strided view), then a sum through the strides."""
    first, second = data.draw(view_cases(huge=False)), data.draw(view_cases(huge=False))
    steps = ((second.name, second.args[1:]), ("sum", (0,)), ("contiguous", ()))
    case = Case("method", first.name, first.args, then=steps)
    check(case, 2e-4, 2e-5)
