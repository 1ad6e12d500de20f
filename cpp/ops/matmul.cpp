// matmul and its strict forms: operand checks, PyTorch's 1-D rules, batch broadcasting, and how
// BLAS reads each operand (transposed and row-strided views are passed as they are, not copied).
#include "ops/matmul.h"

#include <optional>
#include <vector>

#include "cpu/gemm.h"
#include "ops/copy.h"
#include "ops/creation.h"
#include "ops/elementwise.h"
#include "ops/view.h"

namespace cr {

namespace {

Shape batch_dims(const Shape& s) { return Shape(s.begin(), s.end() - 2); }

// "cannot multiply (32, 784) by (256, 10)": the start of every shape error.
std::string cannot_multiply(const char* op, const Tensor& a, const Tensor& b) {
  return str_cat(op, ": cannot multiply ", a->sizes(), " by ", b->sizes());
}

// Device, rank and dtype rules shared by every product.
void check_operands(const char* op, const Tensor& a, const Tensor& b) {
  CR_CHECK(a->device().is_cpu() && b->device().is_cpu(), RuntimeError, op,
           ": only CPU tensors are supported, got tensors on ", a->device(), " and ", b->device());
  CR_CHECK(a->dim() >= 1 && b->dim() >= 1, ValueError, op, ": both arguments need to be at least 1-D, but they are ",
           a->dim(), "-D and ", b->dim(), "-D (shapes ", a->sizes(), " and ", b->sizes(), ")");
  CR_CHECK(a->dtype() == b->dtype(), RuntimeError, op, ": expected both operands to have the same dtype, got ",
           a->dtype(), " and ", b->dtype(), " (shapes ", a->sizes(), " and ", b->sizes(), ")");
  CR_CHECK(a->dtype() != DType::Bool, TypeError, op, ": dtype bool is not supported (expected float32, float64 or "
           "int64), got shapes ", a->sizes(), " and ", b->sizes());
}

// How BLAS reads the last two dims (R, C) of t: row-major with ld = row stride, or (trans) as the
// transpose of a row-major (C, R) matrix with ld = column stride. nullopt when memory fits neither.
struct MatrixLayout {
  bool trans;
  int64_t ld;
};

std::optional<MatrixLayout> blas_layout(const Tensor& t) {
  const int64_t d = t->dim();
  const int64_t rows = t->size(d - 2), cols = t->size(d - 1);
  const int64_t row_stride = t->stride(d - 2), col_stride = t->stride(d - 1);
  auto usable = [](int64_t ld, int64_t stored_cols) {
    return ld >= std::max<int64_t>(1, stored_cols) && ld <= cpu::kMaxBlasInt;
  };
  if (cols == 1 || col_stride == 1) {  // a single row's stride is free: any ld covering it works
    int64_t ld = rows == 1 ? std::max<int64_t>(1, cols) : row_stride;
    if (usable(ld, cols)) return MatrixLayout{false, ld};
  }
  if (rows == 1 || row_stride == 1) {
    int64_t ld = cols == 1 ? std::max<int64_t>(1, rows) : col_stride;
    if (usable(ld, rows)) return MatrixLayout{true, ld};
  }
  return std::nullopt;
}

// t's layout, first copying t to contiguous memory when BLAS cannot read it in place.
MatrixLayout readable_layout(Tensor& t) {
  if (auto layout = blas_layout(t)) return *layout;
  t = contiguous(t);
  return MatrixLayout{false, std::max<int64_t>(1, t->size(t->dim() - 1))};
}

// Element offset of each matrix of t (relative to t's data) when its batch dims are broadcast to
// `batch`; a broadcast dim has stride 0, so expanded operands are never materialized.
std::vector<int64_t> batch_offsets(const Tensor& t, const Shape& batch) {
  Shape strides = broadcast_strides(batch_dims(t->sizes()), batch_dims(t->strides()), batch);
  std::vector<int64_t> offsets(static_cast<size_t>(shape_numel(batch)));
  Shape index(batch.size(), 0);
  int64_t offset = 0;
  for (int64_t& o : offsets) {
    o = offset;
    for (size_t d = batch.size(); d-- > 0;) {  // next index, last dim fastest
      if (++index[d] < batch[d]) {
        offset += strides[d];
        break;
      }
      offset -= (batch[d] - 1) * strides[d];
      index[d] = 0;
    }
  }
  return offsets;
}

// Whether all dims of t but the last collapse into one dim of uniform stride (a view, no copy).
bool rows_collapse(const Tensor& t) {
  int64_t expected = -1;  // the stride the next outer dim needs; size-1 dims need nothing
  for (int64_t d = t->dim() - 2; d >= 0; --d) {
    if (t->size(d) == 1) continue;
    if (expected >= 0 && t->stride(d) != expected) return false;
    expected = t->stride(d) * t->size(d);
  }
  return true;
}

// out (batch..., M, N), contiguous = a (..., M, K) @ b (..., K, N); M, N, K > 0.
template <typename T>
void product_into(const Tensor& out, Tensor a, Tensor b, Shape batch) {
  const int64_t k = a->size(a->dim() - 1), n = b->size(b->dim() - 1);
  // A batch on a alone is one tall gemm: (B, M, K) @ (K, N) is (B*M, K) @ (K, N) in out's memory.
  const bool fold = a->dim() > 2 && shape_numel(batch_dims(b->sizes())) == 1 && rows_collapse(a) &&
                    a->numel() / k <= cpu::kMaxBlasInt;
  if (fold) {
    a = view(a, {-1, k});
    b = reshape(b, {k, n});
    batch = Shape();
  }
  const int64_t m = a->size(a->dim() - 2);
  MatrixLayout la = readable_layout(a), lb = readable_layout(b);
  std::vector<int64_t> offsets_a = batch_offsets(a, batch), offsets_b = batch_offsets(b, batch);
  cpu::gemm_batched<T>(shape_numel(batch), m, n, k, {a->data<T>(), offsets_a.data(), la.trans, la.ld},
                       {b->data<T>(), offsets_b.data(), lb.trans, lb.ld}, out->data<T>());
}

// Everything matmul does; the strict forms check their ranks first and pass their name.
Tensor matmul_impl(const char* op, const Tensor& a, const Tensor& b) {
  check_operands(op, a, b);
  // 1-D operands become (1, K) and (K, 1); those dims leave the result at the end.
  Tensor a2 = a->dim() == 1 ? unsqueeze(a, 0) : a;
  Tensor b2 = b->dim() == 1 ? unsqueeze(b, 1) : b;
  const int64_t m = a2->size(a2->dim() - 2), k = a2->size(a2->dim() - 1);
  const int64_t k_b = b2->size(b2->dim() - 2), n = b2->size(b2->dim() - 1);
  CR_CHECK(k == k_b, ValueError, cannot_multiply(op, a, b), ": inner dimensions ", k, " and ", k_b, " differ");
  const Shape batch_a = batch_dims(a2->sizes()), batch_b = batch_dims(b2->sizes());
  Shape batch;
  try {
    batch = broadcast_shapes(batch_a, batch_b, op);
  } catch (const ValueError&) {
    CR_FAIL(ValueError, cannot_multiply(op, a, b), ": batch dimensions ", batch_a, " and ", batch_b,
            " do not broadcast");
  }
  if (is_floating(a->dtype())) {
    CR_CHECK(m <= cpu::kMaxBlasInt && n <= cpu::kMaxBlasInt && k <= cpu::kMaxBlasInt, ValueError,
             cannot_multiply(op, a, b), ": M=", m, ", N=", n, ", K=", k, " exceed the 32-bit BLAS index limit ",
             cpu::kMaxBlasInt);
  }

  Shape out_shape = batch;
  out_shape.push_back(m);
  out_shape.push_back(n);
  Tensor out = TensorImpl::empty(out_shape, a->dtype(), a->device());
  if (k == 0) {
    fill_(out, Scalar(int64_t{0}));
  } else if (out->numel() > 0) {
    CR_DISPATCH_NUMERIC(a->dtype(), op, [&] { product_into<scalar_t>(out, a2, b2, batch); });
  }

  Shape result_shape = batch;
  if (a->dim() > 1) result_shape.push_back(m);
  if (b->dim() > 1) result_shape.push_back(n);
  return view(out, result_shape);
}

void check_dims(const char* op, const Tensor& a, int64_t a_dims, const Tensor& b, int64_t b_dims) {
  CR_CHECK(a->dim() == a_dims && b->dim() == b_dims, ValueError, op, ": expected a ", a_dims, "-D and a ", b_dims,
           "-D tensor, got shapes ", a->sizes(), " and ", b->sizes());
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) { return matmul_impl("matmul", a, b); }

Tensor mm(const Tensor& a, const Tensor& b) {
  check_dims("mm", a, 2, b, 2);
  return matmul_impl("mm", a, b);
}

Tensor bmm(const Tensor& a, const Tensor& b) {
  check_dims("bmm", a, 3, b, 3);
  CR_CHECK(a->size(0) == b->size(0), ValueError, cannot_multiply("bmm", a, b), ": batch sizes ", a->size(0), " and ",
           b->size(0), " differ (bmm does not broadcast)");
  return matmul_impl("bmm", a, b);
}

Tensor mv(const Tensor& a, const Tensor& v) {
  check_dims("mv", a, 2, v, 1);
  return matmul_impl("mv", a, v);
}

Tensor dot(const Tensor& a, const Tensor& b) {
  check_dims("dot", a, 1, b, 1);
  return matmul_impl("dot", a, b);
}

Tensor outer(const Tensor& a, const Tensor& b) {
  check_dims("outer", a, 1, b, 1);
  return binary(BinaryOp::Mul, unsqueeze(a, 1), b);
}

}  // namespace cr
