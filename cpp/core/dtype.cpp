// Names, sizes and promotion of the element types.
#include "core/dtype.h"

namespace cr {

const char* dtype_name(DType t) {
  switch (t) {
    case DType::Bool: return "bool";
    case DType::Int64: return "int64";
    case DType::Float32: return "float32";
    case DType::Float64: return "float64";
    case DType::UInt8: return "uint8";
    case DType::Int8: return "int8";
    case DType::Int32: return "int32";
    case DType::Int16: return "int16";
    case DType::Float16: return "float16";
    case DType::BFloat16: return "bfloat16";
  }
  return "unknown";
}

size_t itemsize(DType t) {
  switch (t) {
    case DType::Bool: return 1;
    case DType::Int64: return 8;
    case DType::Float32: return 4;
    case DType::Float64: return 8;
    case DType::UInt8: return 1;
    case DType::Int8: return 1;
    case DType::Int32: return 4;
    case DType::Int16: return 2;
    case DType::Float16: return 2;
    case DType::BFloat16: return 2;
  }
  return 0;
}

DType promote_types(DType a, DType b) {
  if (a == b) return a;
  // Bool goes into anything; floats above integers; otherwise the wider of the two, except that
  // uint8 with int8 needs a wider signed type, int16 (PyTorch's table).
  if (a == DType::Bool) return b;
  if (b == DType::Bool) return a;
  if (dtype_category(a) != dtype_category(b)) return dtype_category(a) > dtype_category(b) ? a : b;
  if (is_floating(a)) {  // the wider float; float16 with bfloat16 needs float32, which holds both
    if (is_reduced_float(a) && is_reduced_float(b)) return DType::Float32;
    return itemsize(a) > itemsize(b) ? a : b;
  }
  if ((a == DType::UInt8 && b == DType::Int8) || (a == DType::Int8 && b == DType::UInt8)) return DType::Int16;
  return itemsize(a) > itemsize(b) ? a : b;  // a signed type of more than 8 bits holds every uint8
}

}  // namespace cr
