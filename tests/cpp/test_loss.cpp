// Activation and loss kernels in C++: values against the formulas computed the obvious way,
// the fused cross_entropy kernel against log_softmax + pick for row and (N, C, d) layouts and
// its fused backward against softmax - onehot, and the errors on bad targets (never a read out
// of bounds).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "ops/activation.h"
#include "ops/copy.h"
#include "ops/creation.h"
#include "ops/loss.h"
#include "ops/reduce.h"
#include "ops/softmax.h"
#include "ops/view.h"
#include "test_support.h"

using namespace cr;
using cr::test::values_of;

namespace {

Tensor from_values(const std::vector<double>& v, const Shape& shape) {
  Tensor t = TensorImpl::empty(shape, DType::Float64, kCpu);
  std::copy(v.begin(), v.end(), t->data<double>());
  return t;
}

Tensor int_tensor(const std::vector<int64_t>& v, const Shape& shape) {
  Tensor t = TensorImpl::empty(shape, DType::Int64, kCpu);
  std::copy(v.begin(), v.end(), t->data<int64_t>());
  return t;
}

}  // namespace

TEST(Activation, GeluSiluAndHardswishMatchTheirFormulas) {
  std::vector<double> xs{-4.0, -1.5, -0.2, 0.0, 0.3, 2.0, 5.0};
  Tensor x = from_values(xs, {7});
  std::vector<double> gelu = values_of(activation(x, Activation::gelu("none")));
  std::vector<double> silu = values_of(activation(x, Activation::silu()));
  std::vector<double> hswish = values_of(activation(x, Activation::hardswish()));
  for (size_t i = 0; i < xs.size(); ++i) {
    const double v = xs[i];
    EXPECT_NEAR(gelu[i], 0.5 * v * (1 + std::erf(v / std::sqrt(2.0))), 1e-15);
    EXPECT_NEAR(silu[i], v / (1 + std::exp(-v)), 1e-15);
    EXPECT_NEAR(hswish[i], v * std::min(std::max(v + 3, 0.0), 6.0) / 6, 1e-15);
  }
}

TEST(Activation, Float32GeluIsCloseToTheExactOne) {
  Tensor x = to_dtype(linspace(-6, 6, 1001, DType::Float64, kCpu), DType::Float32);
  std::vector<double> got = values_of(activation(x, Activation::gelu("none")));
  std::vector<double> xs = values_of(x);
  for (size_t i = 0; i < xs.size(); ++i) {
    EXPECT_NEAR(got[i], 0.5 * xs[i] * (1 + std::erf(xs[i] / std::sqrt(2.0))), 1e-6) << "at x = " << xs[i];
  }
}

TEST(CrossEntropy, FusedKernelMatchesLogSoftmaxAndPickOnRowsAndPlanes) {
  // (N, C) = (3, 4) and (N, C, d) = (2, 3, 5), one ignored target each
  for (Shape shape : {Shape{3, 4}, Shape{2, 3, 5}}) {
    Tensor x = randn(shape, DType::Float64, kCpu);
    Shape tshape{shape[0]};
    if (shape.size() == 3) tshape.push_back(shape[2]);
    std::vector<int64_t> tv(shape_numel(tshape));
    for (size_t i = 0; i < tv.size(); ++i) tv[i] = static_cast<int64_t>(i * 7 % shape[1]);
    tv[1] = -100;
    Tensor target = int_tensor(tv, tshape);
    std::vector<double> got = values_of(cross_entropy(x, target, nullptr, Reduction::None, -100, 0.0));
    std::vector<double> logp = values_of(log_softmax(x, 1));
    const int64_t classes = shape[1], inner = shape.size() == 3 ? shape[2] : 1;
    for (int64_t n = 0; n < shape[0]; ++n) {
      for (int64_t j = 0; j < inner; ++j) {
        const int64_t pos = n * inner + j, t = tv[pos];
        const double want = t == -100 ? 0.0 : -logp[(n * classes + t) * inner + j];
        EXPECT_NEAR(got[pos], want, 1e-12) << "position " << pos;
      }
    }
  }
}

TEST(CrossEntropy, FusedBackwardIsSoftmaxMinusOneHotOverN) {
  Tensor x = randn({4, 6}, DType::Float64, kCpu);
  x->set_requires_grad(true);
  Tensor target = int_tensor({5, 0, 2, 2}, {4});
  Tensor loss = cross_entropy(x, target, nullptr, Reduction::Mean, -100, 0.0);
  std::vector<double> p = values_of(softmax(x, 1));
  const int64_t t[] = {5, 0, 2, 2};
  for (bool create_graph : {false, true}) {  // the fused kernel, then the recorded-op formula
    GradModeGuard mode(create_graph);
    std::vector<double> got = values_of(loss->grad_fn()->apply({ones({}, DType::Float64, kCpu)})[0]);
    for (int64_t n = 0; n < 4; ++n) {
      for (int64_t c = 0; c < 6; ++c) {
        EXPECT_NEAR(got[n * 6 + c], (p[n * 6 + c] - (c == t[n] ? 1.0 : 0.0)) / 4, 1e-14) << "create_graph " << create_graph;
      }
    }
  }
}

TEST(ClassLosses, BadTargetsAreRejectedBeforeAnyRead) {
  Tensor x = randn({3, 4}, DType::Float32, kCpu);
  EXPECT_THROW(cross_entropy(x, int_tensor({0, 4, 1}, {3}), nullptr, Reduction::Mean, -100, 0.0), IndexError);
  EXPECT_THROW(nll_loss(x, int_tensor({0, -1, 1}, {3}), nullptr, Reduction::Sum, -100), IndexError);
  EXPECT_THROW(nll_loss(x, int_tensor({0, 1}, {2}), nullptr, Reduction::Sum, -100), ValueError);
  EXPECT_THROW(nll_loss(x, int_tensor({0, 1, 2}, {3}), ones({3}, DType::Float32, kCpu), Reduction::Sum, -100), ValueError);
  EXPECT_THROW(nll_loss(x, zeros({3}, DType::Float32, kCpu), nullptr, Reduction::Sum, -100), TypeError);
  EXPECT_THROW(parse_reduction("avg", "mse_loss"), ValueError);
}
