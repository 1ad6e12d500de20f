"""Dtypes in files versus dtypes in chainrule: the raw NumPy dtype of each PyTorch storage type and
dtype name, and the lossless widening of foreign dtypes that chainrule lacks (it has float32,
float64, int64, int32, int16, uint8, int8 and bool): float16 and bfloat16 -> float32, uint16 and
uint32 -> int64.
"""
import numpy as np

NATIVE = (np.float32, np.float64, np.int64, np.int32, np.int16, np.uint8, np.int8, np.bool_)

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
STORAGE_OF_NATIVE = {"float32": "FloatStorage", "float64": "DoubleStorage", "int64": "LongStorage",
                     "int32": "IntStorage", "int16": "ShortStorage", "uint8": "ByteStorage", "int8": "CharStorage",
                     "bool": "BoolStorage"}


def bfloat16_to_float32(raw):
    """bfloat16 values held as uint16 bits -> float32 (bfloat16 is the top half of a float32)."""
    return (raw.astype(np.uint32) << 16).view(np.float32)


def native_array(array, what):
    """array in a dtype chainrule has, widened losslessly if needed; what names it in errors."""
    if array.dtype in NATIVE:
        # Arrays over a file's bytes are read-only; chainrule tensors are writable.
        return array if array.flags.writeable else array.copy()
    if array.dtype == np.float16:
        return array.astype(np.float32)
    if array.dtype.kind in "iu" and array.dtype != np.uint64:
        return array.astype(np.int64)
    raise ValueError(f"load: {what} has dtype {array.dtype}, which chainrule cannot hold "
                     "(it has float32, float64, int64, int32, int16, uint8, int8 and bool)")
