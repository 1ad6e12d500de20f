// Shape arithmetic shared by every op: numel, strides, dim wrapping and broadcasting.
#include "core/shape.h"

namespace cr {

std::ostream& operator<<(std::ostream& os, const Shape& s) {
  os << "(";
  for (size_t i = 0; i < s.size(); ++i) os << (i ? ", " : "") << s[i];
  return os << (s.size() == 1 ? ",)" : ")");
}

int64_t checked_mul(int64_t a, int64_t b, const char* op) {
  int64_t product;
  CR_CHECK(!__builtin_mul_overflow(a, b, &product), RuntimeError, op, ": integer multiplication overflow (",
           a, " * ", b, " does not fit in int64)");
  return product;
}

int64_t checked_add(int64_t a, int64_t b, const char* op) {
  int64_t total;
  CR_CHECK(!__builtin_add_overflow(a, b, &total), RuntimeError, op, ": integer addition overflow (", a,
           " + ", b, " does not fit in int64)");
  return total;
}

int64_t shape_numel(const Shape& sizes, const char* op) {
  int64_t n = 1;
  for (int64_t d : sizes) {
    CR_CHECK(!__builtin_mul_overflow(n, d, &n), RuntimeError, op,
             ": integer multiplication overflow: a tensor of sizes ", sizes,
             " would hold more than 2**63 - 1 elements");
  }
  return n;
}

int64_t storage_extent(const Shape& sizes, const Shape& strides, int64_t offset, const char* op) {
  if (shape_numel(sizes, op) == 0) return 0;
  int64_t last = offset;
  for (size_t i = 0; i < sizes.size(); ++i) {
    int64_t reach;
    CR_CHECK(!__builtin_mul_overflow(sizes[i] - 1, strides[i], &reach) && !__builtin_add_overflow(last, reach, &last),
             RuntimeError, op, ": sizes ", sizes, " with strides ", strides, " and offset ", offset,
             " reach past 2**63 - 1 elements");
  }
  return checked_add(last, 1, op);
}

Shape contiguous_strides(const Shape& sizes) {
  Shape strides(sizes.size());
  int64_t s = 1;
  for (size_t i = sizes.size(); i-- > 0;) {
    strides[i] = s;
    CR_CHECK(i == 0 || !__builtin_mul_overflow(s, std::max<int64_t>(sizes[i], 1), &s), RuntimeError,
             "stride calculation overflowed: contiguous strides of sizes ", sizes, " pass 2**63 - 1");
  }
  return strides;
}

bool is_row_major(const Shape& sizes, const Shape& strides) {
  int64_t expected = 1;
  for (size_t d = sizes.size(); d-- > 0;) {
    if (sizes[d] == 1) continue;
    if (strides[d] != expected) return false;
    expected *= sizes[d];
  }
  return true;
}

int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op) {
  int64_t n = std::max<int64_t>(ndim, 1);
  CR_CHECK(dim >= -n && dim < n, IndexError, op, ": dim ", dim, " is out of range for a tensor with ",
           ndim, " dims (expected a dim in [", -n, ", ", n - 1, "])");
  return dim < 0 ? dim + n : dim;
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    CR_CHECK(da == db || da == 1 || db == 1, ValueError, op, ": shapes ", a, " and ", b,
             " cannot be broadcast together (dim ", i, " of the result has sizes ", da, " and ", db, ")");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

Shape broadcast_strides(const Shape& sizes, const Shape& strides, const Shape& target) {
  Shape out(target.size());
  size_t lead = target.size() - sizes.size();
  for (size_t i = 0; i < target.size(); ++i) {
    if (i < lead) continue;  // out[i] is already 0
    size_t j = i - lead;
    out[i] = (sizes[j] == 1 && target[i] != 1) ? 0 : strides[j];
  }
  return out;
}

}  // namespace cr
