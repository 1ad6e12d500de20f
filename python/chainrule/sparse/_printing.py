"""repr of a sparse COO tensor, laid out as PyTorch's torch/_tensor_str.py prints one:

    tensor(indices=tensor([[0, 1],
                           [1, 0]]),
           values=tensor([1., 2.]),
           size=(2, 2), nnz=2, layout=torch.sparse_coo)
"""
from chainrule import _C
from chainrule._tensor_str import _grad_fn_name, add_suffixes, array_body

_PREFIX = "tensor("
_SHOWN_WITHOUT_DTYPE = (_C.dtype.int64, _C.dtype.bool)


def _part(name, t):
    """`name=tensor([...])` for the indices or values, with its size when it is empty."""
    prefix = f"{name}=tensor("
    array = t.detach().cpu().numpy()
    body = array_body(array, t.dtype, len(_PREFIX) + len(prefix))
    if array.size == 0:
        body += f", size={tuple(array.shape)}"
    return prefix + body + ")"


def sparse_repr(s):
    indent = len(_PREFIX)
    suffixes = [] if s.device.type == "cpu" else [f"device='{s.device}'"]
    suffixes += [f"size={tuple(s.shape)}", f"nnz={s._nnz()}"]
    if s.dtype not in _SHOWN_WITHOUT_DTYPE and s.dtype != _C._get_default_dtype():
        suffixes.append(f"dtype={s.dtype}")
    suffixes.append(f"layout={s.layout}")
    grad_fn = _grad_fn_name(s._values())
    if grad_fn is not None:
        suffixes.append(f"grad_fn=<{grad_fn}>")
    elif s.requires_grad:
        suffixes.append("requires_grad=True")
    body = _part("indices", s._indices()) + ",\n" + " " * indent + _part("values", s._values())
    return add_suffixes(_PREFIX + body, suffixes, indent, force_newline=True)
