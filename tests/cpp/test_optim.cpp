// Fused optimizer steps: SGD momentum by hand, chunked (multi-threaded) groups equal to the
// one-parameter-at-a-time result, version bumps, validation before anything is written, and the
// slices a group hands the multi-tensor GPU kernels (built the same from CPU tensors).
#include <gtest/gtest.h>

#include <type_traits>
#include <vector>

#include "core/error.h"
#include "ops/copy.h"
#include "ops/creation.h"
#include "ops/optim.h"
#include "ops/optim_group.h"
#include "ops/view.h"
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

TEST(OptimGpuSlices, CarryTheChosenParametersTheirListedStatesAndScalars) {
  TensorList params, grads, first, second;
  for (int64_t n : {4, 0, 6}) {
    params.push_back(zeros({n}, DType::Float32, kCpu));
    grads.push_back(zeros({n}, DType::Float32, kCpu));
    first.push_back(zeros({n}, DType::Float32, kCpu));
    second.push_back(zeros({n}, DType::Float32, kCpu));
  }
  Tensor wide = zeros({3, 2}, DType::Float32, kCpu);
  params.push_back(transpose(wide, 0, 1));  // non-contiguous: the slice holds its working copy
  for (TensorList* list : {&grads, &first, &second}) list->push_back(zeros({2, 3}, DType::Float32, kCpu));
  optim_detail::FusedGroup group("Test", params, grads, {{"first", &first}, {"second", &second}});
  const int no_state = optim_detail::FusedGroup::kNoState;
  auto slices = group.gpu_slices<float>({0, 1, 3}, {1, no_state, 0},
                                        [](size_t i) { return optim_formula::NegatedRate<float>(0.5 * i); });
  using Slice = cuda::OptimSlice<float, 3, optim_formula::NegatedRate<float>>;
  static_assert(std::is_same_v<decltype(slices), std::vector<Slice>>);
  ASSERT_EQ(slices.size(), 3u);
  const size_t members[] = {0, 1, 3};
  for (size_t m = 0; m < 3; ++m) {
    const size_t i = members[m];
    EXPECT_EQ(slices[m].param, group.param<float>(i));
    EXPECT_EQ(slices[m].grad, group.grad<float>(i));
    EXPECT_EQ(slices[m].state[0], second[i]->device_data());
    EXPECT_EQ(slices[m].state[1], nullptr);
    EXPECT_EQ(slices[m].state[2], first[i]->device_data());
    EXPECT_EQ(slices[m].numel, params[i]->numel());
    EXPECT_EQ(slices[m].scalars.neg_rate, -0.5f * static_cast<float>(i));
  }
  EXPECT_EQ(slices[0].param, params[0]->device_data());
  EXPECT_NE(slices[2].param, params[3]->device_data());
  group.commit();
}
