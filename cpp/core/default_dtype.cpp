// The process-wide default floating dtype behind chainrule.get_default_dtype / set_default_dtype.
#include "core/default_dtype.h"

#include <atomic>

#include "core/error.h"

namespace cr {

namespace {
std::atomic<DType> g_default_float{DType::Float32};
}  // namespace

DType default_float_dtype() { return g_default_float.load(std::memory_order_relaxed); }

void set_default_float_dtype(DType dtype) {
  CR_CHECK(is_floating(dtype), TypeError, "set_default_dtype: only floating-point types are supported as the ",
           "default type (float32, float64, float16 or bfloat16), got ", dtype_name(dtype));
  g_default_float.store(dtype, std::memory_order_relaxed);
}

}  // namespace cr
