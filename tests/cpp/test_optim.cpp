// Fused optimizer steps: SGD momentum by hand, chunked (multi-threaded) groups equal to the
// one-parameter-at-a-time result, version bumps, and validation before anything is written.
#include <gtest/gtest.h>

#include <vector>

#include "core/error.h"
#include "ops/copy.h"
#include "ops/creation.h"
#include "ops/optim.h"
#include "test_support.h"

using namespace cr;
using cr::test::values_of;

namespace {

const SGDOptions kMomentum{/*lr=*/0.5, /*momentum=*/0.9, /*dampening=*/0, /*weight_decay=*/0, false, false};

}  // namespace

TEST(OptimSGD, FirstStepSetsTheBufferToTheGradientThenAccumulates) {
  Tensor p = full({3}, Scalar(1.0), DType::Float64, kCpu), g = full({3}, Scalar(2.0), DType::Float64, kCpu);
  Tensor buf = zeros({3}, DType::Float64, kCpu);
  sgd_step({p}, {g}, {buf}, {true}, kMomentum);
  EXPECT_EQ(values_of(buf), std::vector<double>(3, 2.0));
  EXPECT_EQ(values_of(p), std::vector<double>(3, 0.0));  // 1 - 0.5 * 2
  sgd_step({p}, {g}, {buf}, {false}, kMomentum);
  EXPECT_EQ(values_of(buf), std::vector<double>(3, 0.9 * 2 + 2));
  EXPECT_EQ(values_of(p), std::vector<double>(3, -0.5 * 3.8));
}

TEST(OptimAdam, LargeGroupSplitAcrossThreadsEqualsOneParameterAtATime) {
  AdamOptions options{1e-3, 0.9, 0.999, 1e-8, 0.01, true, false, true};
  auto run = [&](bool together) {
    TensorList params, grads, m, v, vmax, steps;
    for (int64_t n : {70000, 5, 40000}) {
      params.push_back(arange(Scalar(0.0), Scalar(static_cast<double>(n)), Scalar(1.0), DType::Float32, kCpu));
      grads.push_back(full({n}, Scalar(0.25), DType::Float32, kCpu));
      for (TensorList* s : {&m, &v, &vmax}) s->push_back(zeros({n}, DType::Float32, kCpu));
      steps.push_back(zeros({}, DType::Float32, kCpu));
    }
    if (together) {
      adam_step(params, grads, m, v, vmax, steps, options);
    } else {
      for (size_t i = 0; i < params.size(); ++i)
        adam_step({params[i]}, {grads[i]}, {m[i]}, {v[i]}, {vmax[i]}, {steps[i]}, options);
    }
    return params;
  };
  TensorList a = run(true), b = run(false);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(values_of(a[i]), values_of(b[i]));
}

TEST(OptimStep, BumpsVersionsAndValidatesBeforeWriting) {
  Tensor p = zeros({2, 3}, DType::Float32, kCpu), g = full({2, 3}, Scalar(1.0), DType::Float32, kCpu);
  uint64_t before = p->version();
  adagrad_step({p}, {g}, {zeros({2, 3}, DType::Float32, kCpu)}, {zeros({}, DType::Float32, kCpu)}, {0.1, 0, 0, 1e-10, false});
  EXPECT_GT(p->version(), before);
  std::vector<double> written = values_of(p);
  EXPECT_THROW(adagrad_step({p}, {g}, {zeros({3, 2}, DType::Float32, kCpu)}, {zeros({}, DType::Float32, kCpu)}, {0.1, 0, 0, 1e-10, false}), ValueError);
  EXPECT_THROW(adagrad_step({p}, {g}, {zeros({2, 3}, DType::Float32, kCpu)}, {}, {0.1, 0, 0, 1e-10, false}), ValueError);
  EXPECT_THROW(rmsprop_step({p}, {zeros({2, 3}, DType::Float64, kCpu)}, {zeros({2, 3}, DType::Float32, kCpu)}, {}, {}, {zeros({}, DType::Float32, kCpu)},
                            {0.1, 0.99, 1e-8, 0, 0, false, false}),
               TypeError);
  EXPECT_EQ(values_of(p), written);
}
