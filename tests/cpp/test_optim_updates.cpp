// The GPU's multi-tensor optimizer steps (cuda/optim_updates.h: batching, update functors, each
// optimizer's dispatch) run on the host, batch by batch as the kernel runs them, against the CPU's
// steps (cpu/optim.h) on the same values: every optimizer, option combinations that pick other
// functors, the per-slice branches (SGD's new buffer, RAdam's adaptive step, ASGD's averaging) and
// per-parameter scalars, float and double, empty slices and more slices than one launch holds.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <random>
#include <vector>

#include "cpu/optim.h"
#include "cuda/optim_updates.h"

using namespace cr;
using cuda::OptimSlice;
using cuda::multi_tensor::SliceBatch;

namespace {

constexpr size_t kParams = 130;  // more than one launch holds (at most 84 slices)

// Runs each batch's elements in order on the host, as the kernel's threads would; counts launches.
struct HostLaunch {
  int* launches;

  template <typename Slice, int kSlices, typename Update>
  void operator()(const SliceBatch<Slice, kSlices>& batch, const Update& update) const {
    ++*launches;
    for (int64_t j = 0; j < batch.size(); ++j) batch.update_element(j, update);
  }
};

// kParams parameters of 0 to 40 elements, their gradients and kStates state arrays each (those
// not `used` stay absent: null pointers), random; the states are positive as square averages are,
// the first larger than the square of the others (a centered RMSprop's variance stays positive).
template <typename T, int kStates>
struct Group {
  std::array<bool, kStates> used;
  std::vector<std::vector<T>> param, grad;
  std::vector<std::array<std::vector<T>, kStates>> state;

  explicit Group(std::array<bool, kStates> used_states) : used(used_states), state(kParams) {
    std::mt19937 rng(7);
    std::normal_distribution<double> normal;
    std::uniform_real_distribution<double> first(1.0, 2.0), others(0.0, 0.5);
    for (size_t i = 0; i < kParams; ++i) {
      const size_t n = (i * 7) % 41;
      param.emplace_back(n);
      grad.emplace_back(n);
      for (size_t j = 0; j < n; ++j) param[i][j] = T(normal(rng)), grad[i][j] = T(normal(rng));
      for (int k = 0; k < kStates; ++k) {
        if (!used[k]) continue;
        state[i][k].resize(n);
        for (T& v : state[i][k]) v = T(k == 0 ? first(rng) : others(rng));
      }
    }
  }

  T* state_of(size_t i, int k) { return used[k] ? state[i][k].data() : nullptr; }
};

template <typename T>
void expect_near(const std::vector<T>& gpu, const std::vector<T>& cpu, const char* what, size_t i) {
  const double tolerance = sizeof(T) == 4 ? 1e-5 : 1e-12;
  ASSERT_EQ(gpu.size(), cpu.size());
  for (size_t j = 0; j < cpu.size(); ++j) {
    ASSERT_TRUE(std::isfinite(double(cpu[j])));
    ASSERT_NEAR(double(gpu[j]), double(cpu[j]), tolerance * (1 + std::abs(double(cpu[j]))))
        << what << " of parameter " << i << ", element " << j;
  }
}

// Two steps of the same group on both paths: cpu_step(i, param, grad, states) per parameter, and
// updates(slices, launch) over the slices with scalars_of(i); parameters and states must agree.
template <typename T, int kStates, typename ScalarsOf, typename CpuStep, typename Updates>
void expect_updates_match_the_cpu(std::array<bool, kStates> used, const ScalarsOf& scalars_of,
                                  const CpuStep& cpu_step, const Updates& updates) {
  Group<T, kStates> cpu(used), gpu(used);
  for (int step = 0; step < 2; ++step) {
    std::vector<OptimSlice<T, kStates, decltype(scalars_of(size_t{0}))>> slices;
    for (size_t i = 0; i < kParams; ++i) {
      std::array<T*, kStates> cpu_states;
      for (int k = 0; k < kStates; ++k) cpu_states[k] = cpu.state_of(i, k);
      cpu_step(i, cpu.param[i].data(), cpu.grad[i].data(), cpu_states.data(), int64_t(cpu.param[i].size()));
      auto& slice = slices.emplace_back();
      slice.param = gpu.param[i].data();
      slice.grad = gpu.grad[i].data();
      for (int k = 0; k < kStates; ++k) slice.state[k] = gpu.state_of(i, k);
      slice.numel = int64_t(gpu.param[i].size());
      slice.scalars = scalars_of(i);
    }
    int launches = 0;
    updates(slices, HostLaunch{&launches});
    EXPECT_GE(launches, 2);
  }
  for (size_t i = 0; i < kParams; ++i) {
    expect_near(gpu.param[i], cpu.param[i], "parameter", i);
    for (int k = 0; k < kStates; ++k) expect_near(gpu.state[i][k], cpu.state[i][k], "state", i);
  }
}

// fn(T{}) for float and double.
template <typename Fn>
void for_both_dtypes(const Fn& fn) {
  fn(float{});
  fn(double{});
}

}  // namespace

TEST(OptimUpdates, SGDMatchesTheCpu) {
  for_both_dtypes([](auto tag) {
    using T = decltype(tag);
    for (SGDOptions o : {SGDOptions{0.1, 0, 0, 0, false, false}, SGDOptions{0.1, 0.9, 0, 0.01, true, false},
                         SGDOptions{0.1, 0.9, 0.1, 0, false, true}}) {
      const bool momentum = o.momentum != 0;
      auto first_step = [&](size_t i) { return momentum && i % 3 == 0; };
      expect_updates_match_the_cpu<T, 1>(
          {momentum}, first_step,
          [&](size_t i, T* p, const T* g, T* const* s, int64_t n) { cpu::sgd_step(p, g, s[0], n, o, first_step(i)); },
          [&](const auto& slices, const auto& launch) { cuda::multi_tensor::sgd_updates(slices, o, launch); });
    }
  });
}

TEST(OptimUpdates, AdamMatchesTheCpu) {
  for_both_dtypes([](auto tag) {
    using T = decltype(tag);
    for (AdamOptions o : {AdamOptions{1e-2, 0.9, 0.999, 1e-8, 0, false, false, false},
                          AdamOptions{1e-2, 0.9, 0.999, 1e-8, 0.1, true, true, false},
                          AdamOptions{1e-2, 0.9, 0.999, 1e-8, 0.1, false, false, true}}) {
      auto scalars = [&](size_t i) {
        const double step = 1.0 + i % 5;
        return AdamStepScalars{o.lr / (1 - std::pow(o.beta1, step)), std::sqrt(1 - std::pow(o.beta2, step))};
      };
      expect_updates_match_the_cpu<T, 3>(
          {true, true, o.amsgrad}, [&](size_t i) { return optim_formula::AdamStep<T>(scalars(i)); },
          [&](size_t i, T* p, const T* g, T* const* s, int64_t n) {
            cpu::adam_step(p, g, s[0], s[1], s[2], n, o, scalars(i));
          },
          [&](const auto& slices, const auto& launch) { cuda::multi_tensor::adam_updates(slices, o, launch); });
    }
  });
}

TEST(OptimUpdates, RMSpropMatchesTheCpu) {
  for_both_dtypes([](auto tag) {
    using T = decltype(tag);
    for (RMSpropOptions o : {RMSpropOptions{1e-2, 0.99, 1e-8, 0, 0, false, false},
                             RMSpropOptions{1e-2, 0.99, 1e-8, 0.1, 0.5, true, false},
                             RMSpropOptions{1e-2, 0.9, 1e-8, 0, 0, true, true},
                             RMSpropOptions{1e-2, 0.9, 1e-8, 0, 0.3, false, false}}) {
      expect_updates_match_the_cpu<T, 3>(
          {true, o.centered, o.momentum > 0}, [](size_t) { return cuda::NoScalars{}; },
          [&](size_t, T* p, const T* g, T* const* s, int64_t n) { cpu::rmsprop_step(p, g, s[0], s[1], s[2], n, o); },
          [&](const auto& slices, const auto& launch) { cuda::multi_tensor::rmsprop_updates(slices, o, launch); });
    }
  });
}

TEST(OptimUpdates, AdagradAdadeltaAndAdamaxMatchTheCpu) {
  for_both_dtypes([](auto tag) {
    using T = decltype(tag);
    auto clr = [](size_t i) { return 0.1 / (1 + (i % 4) * 0.01); };
    auto rate = [&](size_t i) { return optim_formula::NegatedRate<T>(clr(i)); };
    for (double decay : {0.0, 0.1}) {
      const AdagradOptions adagrad{0.1, 0.01, decay, 1e-10, decay != 0};
      expect_updates_match_the_cpu<T, 1>(
          {true}, rate,
          [&](size_t i, T* p, const T* g, T* const* s, int64_t n) {
            cpu::adagrad_step(p, g, s[0], n, adagrad, clr(i));
          },
          [&](const auto& slices, const auto& launch) {
            cuda::multi_tensor::adagrad_updates(slices, adagrad, launch);
          });
      const AdadeltaOptions adadelta{0.5, 0.9, 1e-6, decay, decay != 0};
      expect_updates_match_the_cpu<T, 2>(
          {true, true}, [](size_t) { return cuda::NoScalars{}; },
          [&](size_t, T* p, const T* g, T* const* s, int64_t n) { cpu::adadelta_step(p, g, s[0], s[1], n, adadelta); },
          [&](const auto& slices, const auto& launch) {
            cuda::multi_tensor::adadelta_updates(slices, adadelta, launch);
          });
      const AdamaxOptions adamax{2e-3, 0.9, 0.999, 1e-8, decay, decay != 0};
      expect_updates_match_the_cpu<T, 2>(
          {true, true}, rate,
          [&](size_t i, T* p, const T* g, T* const* s, int64_t n) {
            cpu::adamax_step(p, g, s[0], s[1], n, adamax, clr(i));
          },
          [&](const auto& slices, const auto& launch) {
            cuda::multi_tensor::adamax_updates(slices, adamax, launch);
          });
    }
  });
}

TEST(OptimUpdates, NAdamAndRAdamMatchTheCpu) {
  for_both_dtypes([](auto tag) {
    using T = decltype(tag);
    for (int decay = 0; decay < 3; ++decay) {  // none, coupled, decoupled
      const NAdamOptions nadam{1e-2, 0.9, 0.999, 1e-8, decay ? 0.1 : 0, 4e-3, decay == 2, decay == 2};
      auto nadam_scalars = [](size_t i) { return NAdamStepScalars{0.001 * (1 + i % 3), -0.01 * (1 + i % 2), -0.02}; };
      expect_updates_match_the_cpu<T, 2>(
          {true, true}, [&](size_t i) { return optim_formula::NAdamStep<T>(nadam_scalars(i)); },
          [&](size_t i, T* p, const T* g, T* const* s, int64_t n) {
            cpu::nadam_step(p, g, s[0], s[1], n, nadam, nadam_scalars(i));
          },
          [&](const auto& slices, const auto& launch) { cuda::multi_tensor::nadam_updates(slices, nadam, launch); });
      const RAdamOptions radam{1e-2, 0.9, 0.999, 1e-8, decay ? 0.1 : 0, decay == 2, decay == 1};
      auto radam_scalars = [](size_t i) { return RAdamStepScalars{0.1 * (1 + i % 3), 0.05, 0.5, i % 2 == 0}; };
      expect_updates_match_the_cpu<T, 2>(
          {true, true}, [&](size_t i) { return optim_formula::RAdamStep<T>(radam_scalars(i)); },
          [&](size_t i, T* p, const T* g, T* const* s, int64_t n) {
            cpu::radam_step(p, g, s[0], s[1], n, radam, radam_scalars(i));
          },
          [&](const auto& slices, const auto& launch) { cuda::multi_tensor::radam_updates(slices, radam, launch); });
    }
  });
}

TEST(OptimUpdates, ASGDMatchesTheCpu) {
  for_both_dtypes([](auto tag) {
    using T = decltype(tag);
    for (double decay : {0.0, 0.1}) {
      const ASGDOptions o{1e-2, 1e-4, 0.75, 1e6, decay, decay != 0};
      auto scalars = [](size_t i) { return ASGDStepScalars{0.01 / (1 + i % 3), i % 2 ? 1.0 : 0.5}; };
      expect_updates_match_the_cpu<T, 1>(
          {true}, [&](size_t i) { return optim_formula::ASGDStep<T>(o, scalars(i)); },
          [&](size_t i, T* p, const T* g, T* const* s, int64_t n) { cpu::asgd_step(p, g, s[0], n, o, scalars(i)); },
          [&](const auto& slices, const auto& launch) { cuda::multi_tensor::asgd_updates(slices, o, launch); });
    }
  });
}
