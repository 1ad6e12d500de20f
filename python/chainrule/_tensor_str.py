"""Tensor printing, character for character like PyTorch's torch/_tensor_str.py.

The values are read once as a NumPy array and formatted in Python with PyTorch's rules: integer-valued
floats print as `1.`, other floats with `precision` decimals, scientific notation when the magnitudes
span more than 1000x or leave [1e-4, 1e8]; columns share one width; tensors with more than
`threshold` elements are summarized with `...` keeping `edgeitems` items at each end of every dim;
lines wrap at `linewidth` columns.
"""
import contextlib
import dataclasses
import math

import numpy as np


@dataclasses.dataclass
class _PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: object = None  # None: chosen from the values; True/False: forced


PRINT_OPTS = _PrintOptions()

_PROFILES = {
    "default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
    "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
    "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80),
}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    """Sets the print options, as torch.set_printoptions (sci_mode is reset to `sci_mode` on every call)."""
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions: unknown profile {profile!r} (expected one of {sorted(_PROFILES)})")
        for name, value in _PROFILES[profile].items():
            setattr(PRINT_OPTS, name, value)
    for name, value in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems),
                        ("linewidth", linewidth)):
        if value is not None:
            setattr(PRINT_OPTS, name, value)
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions():
    """The current print options as a dict that set_printoptions(**options) accepts."""
    return dataclasses.asdict(PRINT_OPTS)


@contextlib.contextmanager
def printoptions(**kwargs):
    """Changes the print options inside a `with` block."""
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)


class _Formatter:
    """Chooses one width and notation for all values shown (PyTorch's _Formatter)."""

    def __init__(self, values, floating):
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        if not floating:
            for value in values.tolist():
                self.max_width = max(self.max_width, len(f"{value}"))
            return
        finite = values[np.isfinite(values) & (values != 0)]
        if finite.size == 0:
            return
        magnitudes = np.abs(finite).astype(np.float64)
        lo, hi = magnitudes.min(), magnitudes.max()
        self.int_mode = bool(np.all(finite == np.ceil(finite)))
        if PRINT_OPTS.sci_mode is None:
            self.sci_mode = bool(hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4)
        else:
            self.sci_mode = PRINT_OPTS.sci_mode
        precision = PRINT_OPTS.precision
        for value in finite.tolist():
            if self.sci_mode:
                width = len(f"{value:.{precision}e}")
            elif self.int_mode:
                width = len(f"{value:.0f}") + 1  # room for the trailing "."
            else:
                width = len(f"{value:.{precision}f}")
            self.max_width = max(self.max_width, width)

    def width(self):
        return self.max_width

    def format(self, value):
        if not self.floating:
            text = f"{value}"
        elif self.sci_mode:
            text = f"{value:{self.max_width}.{PRINT_OPTS.precision}e}"
        elif self.int_mode:
            text = f"{value:.0f}"
            if not (math.isinf(value) or math.isnan(value)):
                text += "."
        else:
            text = f"{value:.{PRINT_OPTS.precision}f}"
        return (self.max_width - len(text)) * " " + text


def _summarized(array, summarize):
    """The values that will be shown: the edge items of every dim when summarizing."""
    if not summarize or array.ndim == 0:
        return array
    edge = PRINT_OPTS.edgeitems
    if array.ndim > 1 and not edge:
        return array[:0]
    if array.shape[0] > 2 * edge:
        array = np.concatenate((array[:edge], array[-edge:]))  # with edge 0, [-0:] is all, as in PyTorch
    if array.ndim == 1:
        return array
    return np.stack([_summarized(row, True) for row in array])


def _vector_str(array, indent, summarize, formatter):
    element_length = formatter.width() + 2  # the value, a comma and a space
    per_line = max(1, math.floor((PRINT_OPTS.linewidth - indent) / element_length))
    edge = PRINT_OPTS.edgeitems
    if summarize and not edge:
        data = ["..."]
    elif summarize and array.shape[0] > 2 * edge:
        data = ([formatter.format(v) for v in array[:edge].tolist()] + [" ..."]
                + [formatter.format(v) for v in array[-edge:].tolist()])
    else:
        data = [formatter.format(v) for v in array.tolist()]
    lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_str(array, indent, summarize, formatter):
    if array.ndim == 0:
        return formatter.format(array.item())
    if array.ndim == 1:
        return _vector_str(array, indent, summarize, formatter)
    edge = PRINT_OPTS.edgeitems
    rows = range(array.shape[0])
    if summarize and array.shape[0] > 2 * edge:
        shown = [_nested_str(array[i], indent + 1, summarize, formatter) for i in range(edge)]
        shown += ["..."]
        shown += [_nested_str(array[i], indent + 1, summarize, formatter) for i in rows[len(rows) - edge:]]
    else:
        shown = [_nested_str(array[i], indent + 1, summarize, formatter) for i in rows]
    return ("," + "\n" * (array.ndim - 1) + " " * (indent + 1)).join(shown).join("[]")


def add_suffixes(text, suffixes, indent, force_newline=False):
    """text, then the suffixes (", size=(2, 3)"), wrapping at the line width, then ")"; force_newline
    puts the first suffix on a new line (PyTorch does for sparse tensors)."""
    parts = [text]
    last_line_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if force_newline or last_line_len + len(suffix) + 2 > PRINT_OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
            force_newline = False
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


def _grad_fn_name(t):
    grad_fn = getattr(t, "grad_fn", None)
    if grad_fn is None:
        return None
    name = getattr(grad_fn, "name", None)
    return name() if callable(name) else type(grad_fn).__name__


def array_body(array, dtype, indent):
    """The bracketed values of `array` (a tensor's, of chainrule `dtype`) as printed after a prefix
    `indent` characters long: "[]" when empty."""
    if array.size == 0:
        return "[]"
    summarize = array.size > PRINT_OPTS.threshold
    formatter = _Formatter(_summarized(array, summarize).reshape(-1), dtype.is_floating_point)
    return _nested_str(array, indent, summarize, formatter)


def tensor_repr(t):
    """repr(t): `tensor([...])` plus the device, size, dtype and autograd suffixes PyTorch prints."""
    from chainrule import _C

    prefix = "tensor("
    indent = len(prefix)
    suffixes = []
    if t.device.type != "cpu":
        suffixes.append(f"device='{t.device}'")
    dtype = t.dtype
    if t.is_meta:  # no values to print: `...` and the size, as PyTorch's
        suffixes.append(f"size={tuple(t.shape)}")
        if dtype != _C._get_default_dtype():
            suffixes.append(f"dtype={dtype}")
        return add_suffixes(prefix + "...", suffixes + _autograd_suffixes(t), indent)
    # the 16-bit floats print their values as PyTorch does, through float32 (NumPy has no bfloat16)
    array = (t.detach().cpu().float() if dtype in (_C.dtype.float16, _C.dtype.bfloat16) else t.detach().cpu()).numpy()
    if array.size == 0:
        if array.ndim != 1:
            suffixes.append(f"size={tuple(array.shape)}")
        if dtype != _C._get_default_dtype():
            suffixes.append(f"dtype={dtype}")
        body = "[]"
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append(f"size={tuple(array.shape)}")
        if dtype not in (_C._get_default_dtype(), _C.dtype.int64, _C.dtype.bool):  # PyTorch's rule
            suffixes.append(f"dtype={dtype}")
        body = array_body(array, dtype, indent)
    return add_suffixes(prefix + body, suffixes + _autograd_suffixes(t), indent)


def _autograd_suffixes(t):
    grad_fn = _grad_fn_name(t)
    if grad_fn is not None:
        return [f"grad_fn=<{grad_fn}>"]
    return ["requires_grad=True"] if t.requires_grad else []
