// Shapes and strides: a small inline array of dims (no heap allocation per tensor), broadcasting,
// contiguous strides and dim wrapping. Strides and offsets are counted in elements, not bytes.
#pragma once

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <ostream>
#include <string>
#include <vector>

#include "core/error.h"

namespace cr {

constexpr int kMaxDims = 16;

class Shape {
 public:
  Shape() = default;
  explicit Shape(size_t n, int64_t fill = 0) { resize(n, fill); }
  Shape(std::initializer_list<int64_t> dims) { for (int64_t d : dims) push_back(d); }
  template <typename It>
  Shape(It first, It last) { for (; first != last; ++first) push_back(*first); }
  explicit Shape(const std::vector<int64_t>& v) : Shape(v.begin(), v.end()) {}

  size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  int64_t* data() { return d_; }
  const int64_t* data() const { return d_; }
  int64_t& operator[](size_t i) { return d_[i]; }
  int64_t operator[](size_t i) const { return d_[i]; }
  int64_t* begin() { return d_; }
  int64_t* end() { return d_ + n_; }
  const int64_t* begin() const { return d_; }
  const int64_t* end() const { return d_ + n_; }
  int64_t back() const { return d_[n_ - 1]; }

  void push_back(int64_t v) {
    CR_CHECK(n_ < kMaxDims, ValueError, "tensors have at most ", kMaxDims, " dimensions");
    d_[n_++] = v;
  }
  void pop_back() { --n_; }
  void resize(size_t n, int64_t fill = 0) {
    CR_CHECK(n <= kMaxDims, ValueError, "tensors have at most ", kMaxDims, " dimensions, got ", n);
    for (size_t i = n_; i < n; ++i) d_[i] = fill;
    n_ = static_cast<uint8_t>(n);
  }
  void insert(size_t pos, int64_t v) {
    push_back(0);
    for (size_t i = n_ - 1; i > pos; --i) d_[i] = d_[i - 1];
    d_[pos] = v;
  }
  void erase(size_t pos) {
    for (size_t i = pos; i + 1 < n_; ++i) d_[i] = d_[i + 1];
    --n_;
  }
  std::vector<int64_t> vec() const { return std::vector<int64_t>(begin(), end()); }

  bool operator==(const Shape& o) const { return n_ == o.n_ && std::equal(begin(), end(), o.begin()); }
  bool operator!=(const Shape& o) const { return !(*this == o); }

 private:
  int64_t d_[kMaxDims];
  uint8_t n_ = 0;
};

std::ostream& operator<<(std::ostream& os, const Shape& s);  // (2, 3)

// Size arithmetic that never wraps: every size, element count and byte count in the core is
// computed with these, and a result past int64 is a RuntimeError naming the op and the operands.
int64_t checked_mul(int64_t a, int64_t b, const char* op);
int64_t checked_add(int64_t a, int64_t b, const char* op);

// The number of elements of a shape; RuntimeError when it passes int64 (PyTorch's "numel:
// integer multiplication overflow"). Every tensor's shape has passed this check once, when the
// tensor was made, so it only throws for a shape that no tensor has.
int64_t shape_numel(const Shape& sizes, const char* op = "numel");
Shape contiguous_strides(const Shape& sizes);
// Whether (sizes, strides) is dense and row-major, size-1 dims aside (their strides never move a pointer).
bool is_row_major(const Shape& sizes, const Shape& strides);

// How many elements of storage a strided layout reaches: offset + 1 + sum((size - 1) * stride),
// or 0 when some size is 0. RuntimeError naming `op` when it passes int64.
int64_t storage_extent(const Shape& sizes, const Shape& strides, int64_t offset, const char* op);

// Maps a possibly negative dim into [0, ndim); IndexError naming the op otherwise.
// A 0-d tensor accepts dims -1 and 0, as in PyTorch.
int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op);

// NumPy broadcasting of two shapes; ValueError naming the op and both shapes on a mismatch.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

// The strides that read a tensor of (sizes, strides) as if expanded to `target` (stride 0 on
// broadcast dims). The caller has checked that sizes broadcast to target.
Shape broadcast_strides(const Shape& sizes, const Shape& strides, const Shape& target);

}  // namespace cr
