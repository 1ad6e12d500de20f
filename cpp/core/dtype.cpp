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
  }
  return 0;
}

DType promote_types(DType a, DType b) {
  if (a == b) return a;
  // Bool goes into anything; uint8 and int8 together need a wider signed type (PyTorch: int16,
  // which chainrule spells int64); otherwise the wider of the two, floats above integers.
  if (a == DType::Bool) return b;
  if (b == DType::Bool) return a;
  if (dtype_category(a) != dtype_category(b)) return dtype_category(a) > dtype_category(b) ? a : b;
  if (is_floating(a)) return DType::Float64;  // float32 with float64
  return DType::Int64;  // two different integer types: uint8/int8 with int64, or uint8 with int8
}

}  // namespace cr
