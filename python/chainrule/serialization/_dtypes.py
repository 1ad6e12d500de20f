"""Dtypes in files versus dtypes in chainrule: the raw NumPy dtype of each PyTorch storage type and
dtype name, and the lossless widening of foreign dtypes that chainrule lacks (it has float32,
float64, float16, bfloat16, int64, int32, int16, uint8, int8 and bool): uint16 and uint32 -> int64.
bfloat16, which NumPy lacks, travels as its 16 raw bits.
"""
import numpy as np

from chainrule import _C

NATIVE = (np.float32, np.float64, np.float16, np.int64, np.int32, np.int16, np.uint8, np.int8, np.bool_)

# PyTorch dtype name -> the NumPy dtype of its bytes (bfloat16, which NumPy lacks, as raw uint16).
TORCH_DTYPE_BYTES = {
    "float32": "f4", "float64": "f8", "float16": "f2", "bfloat16": "u2", "int64": "i8", "int32": "i4",
    "int16": "i2", "int8": "i1", "uint8": "u1", "bool": "?", "uint16": "u2", "uint32": "u4", "uint64": "u8",
    "complex64": "c8", "complex128": "c16",
}

# Legacy typed storage class (what torch.save names in a storage's persistent id) -> dtype name.
TORCH_STORAGE_DTYPES = {
    "FloatStorage": "float32", "DoubleStorage": "float64", "HalfStorage": "float16",
    "BFloat16Storage": "bfloat16", "LongStorage": "int64", "IntStorage": "int32", "ShortStorage": "int16",
    "CharStorage": "int8", "ByteStorage": "uint8", "BoolStorage": "bool",
    "ComplexFloatStorage": "complex64", "ComplexDoubleStorage": "complex128",
}

# chainrule dtype name -> the storage class torch.save names for it, for writing.
STORAGE_OF_NATIVE = {"float32": "FloatStorage", "float64": "DoubleStorage", "float16": "HalfStorage",
                     "bfloat16": "BFloat16Storage", "int64": "LongStorage",
                     "int32": "IntStorage", "int16": "ShortStorage", "uint8": "ByteStorage", "int8": "CharStorage",
                     "bool": "BoolStorage"}


def tensor_of_array(array, dtype_name, what):
    """A chainrule tensor of a storage's values (what names it in errors): bfloat16 bits (as uint16)
    become a bfloat16 tensor; other dtypes as native_array gives them."""
    if dtype_name == "bfloat16":
        bits = _C.from_numpy(native_array(array.view(np.int16), what))
        return _C._view_same_size(bits, _C.dtype.bfloat16)
    return _C.from_numpy(native_array(array, what))


def bytes_array(tensor):
    """A CPU tensor's values as a NumPy array of the same bytes (bfloat16 as int16)."""
    if tensor.dtype == _C.dtype.bfloat16:
        tensor = _C._view_same_size(tensor, _C.dtype.int16)
    return tensor.numpy()


def native_array(array, what):
    """array in a dtype chainrule has, widened losslessly if needed; what names it in errors."""
    if array.dtype in NATIVE:
        # Arrays over a file's bytes are read-only; chainrule tensors are writable.
        return array if array.flags.writeable else array.copy()
    if array.dtype.kind in "iu" and array.dtype != np.uint64:
        return array.astype(np.int64)
    raise ValueError(f"load: {what} has dtype {array.dtype}, which chainrule cannot hold "
                     "(it has float32, float64, float16, bfloat16, int64, int32, int16, uint8, int8 and bool)")
