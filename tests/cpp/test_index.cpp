// Indexing kernels: getitem views vs advanced indexing, index_put_ with duplicates, gather/scatter
// and index_select on strided inputs, bounds checks, and cat/split.
#include <gtest/gtest.h>

#include <vector>

#include "ops/copy.h"
#include "ops/creation.h"
#include "ops/index.h"
#include "ops/join.h"
#include "ops/view.h"

using namespace cr;

namespace {

Tensor iota(const Shape& sizes, DType dtype = DType::Float32) {
  return reshape(arange(Scalar(0), Scalar(shape_numel(sizes)), Scalar(1), dtype, kCpu), sizes);
}

Tensor longs(const std::vector<int64_t>& v, const Shape& sizes) {
  Tensor t = TensorImpl::empty(sizes, DType::Int64, kCpu);
  std::copy(v.begin(), v.end(), t->data<int64_t>());
  return t;
}

// Values in row-major order as doubles, whatever the strides.
std::vector<double> values(const Tensor& t) {
  Tensor c = contiguous(to_dtype(t, DType::Float64));
  return std::vector<double>(c->data<double>(), c->data<double>() + c->numel());
}

}  // namespace

TEST(Index, BasicIndicesGiveViews) {
  Tensor x = iota({3, 4, 5});
  Tensor v = index(x, {TensorIndex::make_int(-1), TensorIndex::make_slice(1, std::nullopt, 2), TensorIndex::make_none()});
  EXPECT_EQ(v->sizes(), Shape({2, 1, 5}));
  EXPECT_EQ(v->storage(), x->storage());
  EXPECT_EQ(values(v)[0], 45.0);  // x[2, 1, 0]
  EXPECT_THROW(index(x, {TensorIndex::make_int(3)}), IndexError);
  EXPECT_THROW(index(x, {TensorIndex::make_slice(0, 2, -1)}), ValueError);
  EXPECT_THROW(index(x, {TensorIndex::make_ellipsis(), TensorIndex::make_ellipsis()}), IndexError);
  EXPECT_THROW(index(x, std::vector<TensorIndex>(4, TensorIndex::make_int(0))), IndexError);
}

TEST(Index, IntThenSliceThenTensorFollowsPyTorch) {
  // x[0, :, [1, 2]] on (3, 4, 5): the int selects first, so the tensor dim stays in place: (4, 2).
  Tensor x = iota({3, 4, 5});
  Tensor r = index(x, {TensorIndex::make_int(0), TensorIndex::make_slice(std::nullopt, std::nullopt),
                       TensorIndex::make_tensor(longs({1, 2}, {2}))});
  EXPECT_EQ(r->sizes(), Shape({4, 2}));
  EXPECT_EQ(values(r)[1], 2.0);
  EXPECT_EQ(values(r)[2], 6.0);
  // Non-adjacent tensors put the broadcast dims first: x[[0, 1], :, [1, 2]] is (2, 4).
  Tensor s = index(x, {TensorIndex::make_tensor(longs({0, 1}, {2})), TensorIndex::make_slice(std::nullopt, std::nullopt),
                       TensorIndex::make_tensor(longs({1, 2}, {2}))});
  EXPECT_EQ(s->sizes(), Shape({2, 4}));
  EXPECT_EQ(values(s)[4], 22.0);  // x[1, 0, 2]
}

TEST(Index, AdvancedOnTransposedSourceAndOutOfRange) {
  Tensor x = transpose(iota({4, 3}), 0, 1);  // (3, 4), x[i][j] = 3 j + i
  Tensor r = index_tensors(x, {Tensor(), longs({3, -1, 0}, {3})});
  EXPECT_EQ(r->sizes(), Shape({3, 3}));
  EXPECT_EQ(values(r), (std::vector<double>{9, 9, 0, 10, 10, 1, 11, 11, 2}));
  EXPECT_THROW(index_tensors(x, {longs({3}, {1})}), IndexError);
  EXPECT_THROW(index_tensors(x, {longs({0, 1}, {2}), longs({0, 1, 2}, {3})}), IndexError);
}

TEST(Index, PutWritesThroughAndAccumulatesDuplicates) {
  Tensor x = zeros({5}, DType::Float32, kCpu);
  uint64_t before = x->version();
  index_put_tensors_(x, {longs({1, 1, 3}, {3})}, ones({3}, DType::Float32, kCpu), true);
  EXPECT_EQ(values(x), (std::vector<double>{0, 2, 0, 1, 0}));
  EXPECT_GT(x->version(), before);
  index_put_(x, {TensorIndex::make_slice(2, std::nullopt)}, Scalar(7.0));
  EXPECT_EQ(values(x), (std::vector<double>{0, 2, 7, 7, 7}));
  index_put_(x, {TensorIndex::make_tensor(longs({4, 4}, {2}))}, Scalar(1.0), true);  // getitem's backward
  index_put_(x, {TensorIndex::make_slice(std::nullopt, 2)}, Scalar(1.0), true);
  EXPECT_EQ(values(x), (std::vector<double>{1, 3, 7, 7, 9}));
  EXPECT_THROW(index_put_tensors_(x, {longs({0, 1}, {2})}, ones({3}, DType::Float32, kCpu), false), ValueError);
}

TEST(Index, BoolMaskSelectsLikeNonzero) {
  Tensor x = iota({2, 3});
  Tensor mask = to_dtype(longs({1, 0, 1, 0, 0, 1}, {2, 3}), DType::Bool);
  EXPECT_EQ(values(index(x, {TensorIndex::make_tensor(mask)})), (std::vector<double>{0, 2, 5}));
  EXPECT_EQ(values(nonzero(mask)), (std::vector<double>{0, 0, 0, 2, 1, 2}));
  EXPECT_EQ(values(masked_fill(x, mask, Scalar(-1.0))), (std::vector<double>{-1, 1, -1, 3, 4, -1}));
  EXPECT_THROW(index(x, {TensorIndex::make_tensor(to_dtype(longs({1, 0, 1}, {3}), DType::Bool))}), IndexError);
}

TEST(GatherScatter, GatherAndScatterAlongDim) {
  Tensor x = transpose(iota({3, 2}), 0, 1);  // (2, 3), x[i][j] = 2 j + i
  Tensor idx = longs({2, 0, 1, 1}, {2, 2});
  EXPECT_EQ(values(gather(x, 1, idx)), (std::vector<double>{4, 0, 3, 3}));
  EXPECT_THROW(gather(x, 1, longs({3}, {1, 1})), IndexError);
  EXPECT_THROW(gather(x, 1, longs({0, 0, 0, 0, 0, 0}, {3, 2})), ValueError);
  EXPECT_THROW(gather(x, 1, zeros({2, 2}, DType::Float32, kCpu)), RuntimeError);
  Tensor s = scatter_add(zeros({2, 3}, DType::Float32, kCpu), 1, idx, ones({2, 2}, DType::Float32, kCpu));
  EXPECT_EQ(values(s), (std::vector<double>{1, 0, 1, 0, 2, 0}));
  Tensor t = zeros({2, 3}, DType::Float32, kCpu);
  scatter_(t, 0, longs({1, 0, 1}, {1, 3}), Scalar(5.0));
  EXPECT_EQ(values(t), (std::vector<double>{0, 5, 0, 5, 0, 5}));
  EXPECT_THROW(scatter_(t, 0, longs({2}, {1, 1}), Scalar(1.0)), IndexError);
}

TEST(GatherScatter, IndexSelectAndIndexAdd) {
  Tensor x = iota({3, 2});
  EXPECT_EQ(values(index_select(x, 0, longs({2, 0}, {2}))), (std::vector<double>{4, 5, 0, 1}));
  EXPECT_THROW(index_select(x, 0, longs({-1}, {1})), IndexError);
  Tensor y = zeros({3, 2}, DType::Float32, kCpu);
  index_add_(y, 0, longs({1, 1}, {2}), ones({2, 2}, DType::Float32, kCpu), Scalar(3.0));
  EXPECT_EQ(values(y), (std::vector<double>{0, 0, 6, 6, 0, 0}));
  EXPECT_EQ(values(take(x, longs({5, -6}, {2}))), (std::vector<double>{5, 0}));
}

TEST(Join, CatPromotesAndSkipsLegacyEmpty) {
  Tensor a = iota({2, 2}), b = iota({1, 2}, DType::Int64), e = zeros({0}, DType::Float32, kCpu);
  Tensor c = cat({a, e, b}, 0);
  EXPECT_EQ(c->sizes(), Shape({3, 2}));
  EXPECT_EQ(c->dtype(), DType::Float32);
  EXPECT_EQ(values(c), (std::vector<double>{0, 1, 2, 3, 0, 1}));
  EXPECT_THROW(cat({a, iota({2, 3})}, 0), ValueError);
  EXPECT_EQ(stack({a, a}, 2)->sizes(), Shape({2, 2, 2}));
  auto parts = split(iota({5}), 2);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[2]->sizes(), Shape({1}));
  EXPECT_EQ(chunk(iota({6}), 4).size(), 3u);
  EXPECT_THROW(split_with_sizes(iota({5}), {2, 2}), ValueError);
}
