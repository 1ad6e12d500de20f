"""default_collate and default_convert as in torch.utils.data: turn a list of samples into a batch."""
import collections.abc

import numpy as np

from chainrule import _C
from chainrule._C import Tensor
from chainrule._foreign_tensors import is_pytorch_tensor
from chainrule._tensor import as_tensor, tensor

__all__ = ["default_collate", "default_convert"]

_ERROR = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}")


def _is_numeric_array(elem):
    # NumPy string and object arrays have no tensor form; PyTorch refuses them the same way.
    return elem.dtype.kind not in "SaUO"


def _rebuild(elem, values):
    """`values` in a container of elem's type when it can be built from one, else a plain list/dict."""
    try:
        return type(elem)(values)
    except TypeError:
        return values


def default_collate(batch):
    """Stacks tensors (and NumPy arrays) along a new first dim; numbers become a tensor (float ->
    float64, int -> int64, bool -> bool); strings stay a list; dicts, tuples and lists are collated
    field by field (tuples come back as lists, as in PyTorch; namedtuples keep their type)."""
    elem = batch[0]
    if isinstance(elem, Tensor) or is_pytorch_tensor(elem):  # real PyTorch ones (a torch-based dataset) are copied in
        return _C.stack(batch, 0)
    if isinstance(elem, np.ndarray):
        if not _is_numeric_array(elem):
            raise TypeError(_ERROR.format(elem.dtype))
        return default_collate([as_tensor(b) for b in batch])
    if isinstance(elem, np.generic):
        if isinstance(elem, (np.str_, np.bytes_, np.object_)):
            raise TypeError(_ERROR.format(type(elem)))
        return as_tensor(np.asarray(batch))
    if isinstance(elem, bool):
        return tensor(batch)
    if isinstance(elem, float):
        return as_tensor(np.asarray(batch, dtype=np.float64))  # not via float32, which rounds
    if isinstance(elem, int):
        return tensor(batch, dtype=_C.dtype.int64)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        return _rebuild(elem, {key: default_collate([d[key] for d in batch]) for key in elem})
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(list(samples)) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(e) != size for e in batch):
            raise RuntimeError("default_collate: each element in list of batch should be of equal size")
        fields = [default_collate(list(samples)) for samples in zip(*batch)]
        return fields if isinstance(elem, tuple) else _rebuild(elem, fields)
    raise TypeError(_ERROR.format(type(elem)))


def default_convert(data):
    """What DataLoader does with each sample when batch_size=None: NumPy arrays and scalars become
    tensors (recursively inside dicts and sequences); everything else stays as it is."""
    if isinstance(data, np.ndarray) and _is_numeric_array(data):
        return as_tensor(data)
    if isinstance(data, np.generic) and not isinstance(data, (np.str_, np.bytes_, np.object_)):
        return as_tensor(np.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        return _rebuild(data, {key: default_convert(data[key]) for key in data})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _rebuild(data, [default_convert(d) for d in data])
    return data
