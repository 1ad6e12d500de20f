// Shape arithmetic: broadcasting, strides, dim wrapping, and views computed from them.
#include <gtest/gtest.h>

#include "core/shape.h"
#include "ops/view.h"
#include "ops/creation.h"

using namespace cr;

TEST(Shape, BroadcastsLikeNumPy) {
  EXPECT_EQ(broadcast_shapes({3, 1}, {4}, "t"), Shape({3, 4}));
  EXPECT_EQ(broadcast_shapes({}, {2, 2}, "t"), Shape({2, 2}));
  EXPECT_EQ(broadcast_shapes({5, 1, 7}, {6, 1}, "t"), Shape({5, 6, 7}));
  EXPECT_THROW(broadcast_shapes({3}, {4}, "t"), ValueError);
}

TEST(Shape, ContiguousStridesAndWrap) {
  EXPECT_EQ(contiguous_strides({2, 3, 4}), Shape({12, 4, 1}));
  EXPECT_EQ(wrap_dim(-1, 3, "t"), 2);
  EXPECT_EQ(wrap_dim(0, 0, "t"), 0);  // 0-d tensors accept dims 0 and -1
  EXPECT_THROW(wrap_dim(3, 3, "t"), IndexError);
}

TEST(Shape, TooManyDimsIsAValueError) {
  Shape s;
  for (int i = 0; i < kMaxDims; ++i) s.push_back(1);
  EXPECT_THROW(s.push_back(1), ValueError);
}

TEST(Shape, SizeArithmeticNeverWraps) {
  const int64_t big = int64_t{1} << 62;
  EXPECT_EQ(checked_mul(big, 1, "t"), big);
  EXPECT_THROW(checked_mul(big, 2, "t"), RuntimeError);
  EXPECT_THROW(checked_mul(-big, 3, "t"), RuntimeError);
  EXPECT_THROW(checked_add(big, big, "t"), RuntimeError);
  EXPECT_EQ(shape_numel({big, 1, 0}), 0);
  EXPECT_THROW(shape_numel({int64_t{1} << 32, int64_t{1} << 32}), RuntimeError);  // once numel 0
  EXPECT_THROW(contiguous_strides({0, int64_t{1} << 40, int64_t{1} << 40}), RuntimeError);
  EXPECT_EQ(storage_extent({2, 3}, {3, 1}, 4, "t"), 10);
  EXPECT_EQ(storage_extent({2, 0}, {3, 1}, 4, "t"), 0);
  EXPECT_THROW(storage_extent({int64_t{1} << 40}, {int64_t{1} << 40}, 0, "t"), RuntimeError);
}

TEST(Tensor, ImpossibleSizesFailBeforeAllocating) {
  EXPECT_THROW(TensorImpl::empty({int64_t{1} << 62}, DType::Float32, kCpu), RuntimeError);  // 2**64 bytes
  EXPECT_THROW(TensorImpl::empty({-1}, DType::Float32, kCpu), ValueError);
  Tensor t = TensorImpl::empty({4}, DType::Float32, kCpu);
  EXPECT_THROW(TensorImpl::view_of(t, {5}, {1}, 0, "t"), RuntimeError);  // past the storage
  EXPECT_THROW(TensorImpl::view_of(t, {2}, {1}, 3, "t"), RuntimeError);
  EXPECT_EQ(TensorImpl::view_of(t, {2}, {2}, 1, "t")->numel(), 2);
}

TEST(View, TransposedTensorViewsOnlyWhereMemoryAllows) {
  Tensor a = zeros({4, 6}, DType::Float32, kCpu);
  Tensor t = transpose(a, 0, 1);  // (6, 4), strides (1, 6)
  EXPECT_FALSE(t->is_contiguous());
  EXPECT_THROW(view(t, {24}), RuntimeError);
  Tensor split = view(t, {3, 2, 4});  // splitting one dim is always a view
  EXPECT_EQ(split->strides(), Shape({2, 1, 6}));
  Tensor r = reshape(t, {24});  // reshape copies instead
  EXPECT_TRUE(r->is_contiguous());
  EXPECT_NE(r->storage(), a->storage());
}
