// matmul and its strict forms: operand checks, PyTorch's 1-D rules, batch broadcasting, how BLAS
// reads each operand (transposed and row-strided views are passed as they are, not copied), and
// the backward formulas of every rank case.
#include "ops/matmul.h"

#include <optional>
#include <vector>

#include "autograd/autocast.h"
#include "autograd/grad_mode.h"
#include "autograd/record.h"
#include "cpu/gemm.h"
#include "cuda/matmul.h"
#include "ops/copy.h"
#include "ops/creation.h"
#include "ops/elementwise.h"
#include "ops/float32_staging.h"
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
  common_device(op, {&a, &b});
  CR_CHECK(a->dim() >= 1 && b->dim() >= 1, ValueError, op, ": both arguments need to be at least 1-D, but they are ",
           a->dim(), "-D and ", b->dim(), "-D (shapes ", a->sizes(), " and ", b->sizes(), ")");
  CR_CHECK(a->dtype() == b->dtype(), RuntimeError, op, ": expected both operands to have the same dtype, got ",
           a->dtype(), " and ", b->dtype(), " (shapes ", a->sizes(), " and ", b->sizes(), ")");
  CR_CHECK(a->dtype() != DType::Bool, DTypeError, op, ": dtype bool is not supported (expected float32, float64 or "
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
  if (!out->device().is_cpu()) {  // the family's dispatch point: cuBLAS
    return cuda::gemm_batched(out->dtype(), shape_numel(batch), m, n, k,
                              {a->device_data(), offsets_a.data(), la.trans, la.ld},
                              {b->device_data(), offsets_b.data(), lb.trans, lb.ld}, out->device_data());
  }
  cpu::gemm_batched<T>(shape_numel(batch), m, n, k, {a->data<T>(), offsets_a.data(), la.trans, la.ld},
                       {b->data<T>(), offsets_b.data(), lb.trans, lb.ld}, out->data<T>());
}


// ---- Backward ----------------------------------------------------------------------------------
// With the operands in their 2-D forms (a 1-D a is a (1, K) row, a 1-D b a (K, 1) column), the
// gradients of a @ b are da = g @ b^T and db = a^T @ g (transposes are views: gemm reads them in
// place), each summed over the batch dims its operand was broadcast along and reshaped back.
// They are written with matmul itself, so they differentiate again (double backward).

// The node's name: what the rank case reduces to, as PyTorch reports it.
const char* backward_name(int64_t a_dim, int64_t b_dim) {
  if (a_dim == 1 && b_dim == 1) return "DotBackward0";
  if (a_dim == 2 && b_dim == 1) return "MvBackward0";
  if (b_dim <= 2) return "MmBackward0";  // 1-D @ 2-D, 2-D @ 2-D, and a batch on a alone (one tall mm)
  return "BmmBackward0";
}

Tensor matrix_transpose(const Tensor& t) { return transpose(t, -1, -2); }

// t reshaped to `sizes`, or t itself when it has them already (no extra view node).
Tensor with_sizes(const Tensor& t, const Shape& sizes) { return t->sizes() == sizes ? t : reshape(t, sizes); }

// The gradient g of a @ b with the dims that 1-D operands dropped put back: (batch..., M, N).
Tensor unsqueeze_grad(Tensor g, int64_t a_dim, int64_t b_dim) {
  if (b_dim == 1) g = unsqueeze(g, g->dim());
  if (a_dim == 1) g = unsqueeze(g, g->dim() - 1);
  return g;
}

// da for the 2-D forms a2 (.., M, K), b2 (.., K, N) and g2 (.., M, N), in a's shape.
Tensor matmul_grad_a(const Tensor& g2, const Tensor& b2, const Shape& a2_sizes, const Shape& a_sizes) {
  return with_sizes(sum_to(matmul(g2, matrix_transpose(b2)), a2_sizes), a_sizes);
}

// db likewise. When b is a single matrix and a carries the batch, the batch folds into the rows:
// (K, B*M) @ (B*M, N) sums over the batch inside one gemm. The row count is spelled out, not -1,
// which cannot be inferred when K or N is 0.
Tensor matmul_grad_b(const Tensor& g2, const Tensor& a2, const Shape& b2_sizes, const Shape& b_sizes) {
  if (b2_sizes.size() == 2 && a2->dim() > 2) {
    const int64_t k = a2->size(a2->dim() - 1), n = g2->size(g2->dim() - 1);
    const int64_t rows = shape_numel(batch_dims(a2->sizes())) * a2->size(a2->dim() - 2);
    Tensor db = matmul(matrix_transpose(reshape(a2, {rows, k})), reshape(g2, {rows, n}));
    return with_sizes(db, b_sizes);
  }
  return with_sizes(sum_to(matmul(matrix_transpose(a2), g2), b2_sizes), b_sizes);
}

// Records the backward of result = a @ b. da needs b's values and db needs a's, so each operand is
// saved only when the other one needs a gradient.
void record_matmul(const Tensor& a, const Tensor& b, const Tensor& result) {
  if (!needs_grad({&a, &b})) return;
  const int64_t a_dim = a->dim(), b_dim = b->dim();
  // PyTorch's names for the second operand: mm's and bmm's mat2, mv's vec, dot's tensor
  const char* b_name = a_dim == 1 && b_dim == 1 ? "tensor" : a_dim == 2 && b_dim == 1 ? "vec" : "mat2";
  const SavedTensor saved_a = b->requires_grad() ? SavedTensor(a, false, "self") : SavedTensor();
  const SavedTensor saved_b = a->requires_grad() ? SavedTensor(b, false, b_name) : SavedTensor();
  const Shape a_sizes = a->sizes(), b_sizes = b->sizes();
  Shape a2_sizes = a_sizes, b2_sizes = b_sizes;
  if (a_dim == 1) a2_sizes.insert(0, 1);
  if (b_dim == 1) b2_sizes.push_back(1);
  record(backward_name(a_dim, b_dim), {a, b}, {result},
         [=](const TensorList& grads, const Node& node) -> TensorList {
           Tensor g2 = unsqueeze_grad(grads[0], a_dim, b_dim);
           Tensor da, db;
           if (node.needs_input_grad(0)) {
             da = matmul_grad_a(g2, with_sizes(saved_b.unpack(node), b2_sizes), a2_sizes, a_sizes);
           }
           if (node.needs_input_grad(1)) {
             db = matmul_grad_b(g2, with_sizes(saved_a.unpack(node), a2_sizes), b2_sizes, b_sizes);
           }
           return {da, db};
         });
}

// The product a @ b with matmul's rules, not recorded (its views of a and b are internal).
Tensor product(const char* op, const Tensor& a, const Tensor& b) {
  GradModeGuard no_record(false);
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

  // The result owns its memory; the kernel writes through a (batch..., M, N) view of it.
  Shape result_shape = batch;
  if (a->dim() > 1) result_shape.push_back(m);
  if (b->dim() > 1) result_shape.push_back(n);
  Tensor result = TensorImpl::empty(result_shape, a->dtype(), a->device());
  if (k == 0) {
    fill_(result, Scalar(int64_t{0}));
  } else if (result->numel() > 0) {
    Shape out_shape = batch;
    out_shape.push_back(m);
    out_shape.push_back(n);
    Tensor out = TensorImpl::view_of(result, out_shape, contiguous_strides(out_shape), 0, op);
    auto multiply = [&](const Tensor& o, const Tensor& x, const Tensor& y) {
      CR_DISPATCH_NUMERIC(o->dtype(), op, [&] { product_into<scalar_t>(o, x, y, batch); });
    };
    if (!staged_in_float32(out, multiply, a2, b2)) multiply(out, a2, b2);
  }
  return result;
}

// Everything matmul does; the strict forms check their ranks first and pass their name.
Tensor matmul_impl(const char* op, const Tensor& a, const Tensor& b) {
  Tensor result = product(op, a, b);
  record_matmul(a, b, result);
  return result;
}

void check_dims(const char* op, const Tensor& a, int64_t a_dims, const Tensor& b, int64_t b_dims) {
  CR_CHECK(a->dim() == a_dims && b->dim() == b_dims, ValueError, op, ": expected a ", a_dims, "-D and a ", b_dims,
           "-D tensor, got shapes ", a->sizes(), " and ", b->sizes());
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  CR_AUTOCAST(lowered, matmul, a, b);
  return matmul_impl("matmul", a, b);
}

Tensor mm(const Tensor& a, const Tensor& b) {
  CR_AUTOCAST(lowered, mm, a, b);
  check_dims("mm", a, 2, b, 2);
  return matmul_impl("mm", a, b);
}

Tensor bmm(const Tensor& a, const Tensor& b) {
  CR_AUTOCAST(lowered, bmm, a, b);
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
