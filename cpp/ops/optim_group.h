// The machinery shared by the fused optimizer steps (optim_*.cpp): validating one group's
// parameters, gradients and state lists, presenting each tensor as contiguous memory, walking all
// parameters' elements in chunks spread over threads (for the kernels of cpu/optim.h) or, on a GPU,
// gathering them into the slices of the multi-tensor kernels (cuda/optim.h), and writing back +
// bumping versions at the end.
#pragma once

#include <type_traits>
#include <vector>

#include "autograd/grad_mode.h"
#include "cpu/optim.h"
#include "cuda/optim.h"
#include "ops/optim.h"

namespace cr::optim_detail {

// One per-parameter state list of a step call, named for errors ("exp_avg").
struct StateList {
  const char* name;
  const TensorList* tensors;
};

class FusedGroup {
 public:
  // Validates the lists (errors name the optimizer, the list and the parameter index), turns grad
  // mode off until commit(), and makes contiguous working copies of non-contiguous tensors. The
  // parameters share one device.
  FusedGroup(const char* optimizer, const TensorList& params, const TensorList& grads,
             const std::vector<StateList>& states);

  size_t size() const { return params_.size(); }
  DType dtype(size_t i) const { return params_[i]->dtype(); }
  int64_t numel(size_t i) const { return params_[i]->numel(); }
  // Whether the step runs on a GPU: it then calls the cuda:: kernels, with the device pointers
  // below (on the CPU, the same pointers for the cpu:: kernels).
  bool on_gpu() const { return on_gpu_; }
  template <typename T>
  T* param(size_t i) const { return static_cast<T*>(params_[i]->device_data()); }
  template <typename T>
  const T* grad(size_t i) const { return static_cast<const T*>(grads_[i]->device_data()); }
  template <typename T>
  T* state(size_t list, size_t i) const { return static_cast<T*>(states_[list][i]->device_data()); }

  // fn(i, begin, end) over the element ranges of every parameter (cpu::for_each_chunk).
  template <typename Fn>
  void for_each_chunk(const Fn& fn) const;
  // fn(T{}, the indices of the parameters of dtype T) for float and double, where there are any:
  // the multi-tensor GPU steps take all the parameters of one dtype at once.
  template <typename Fn>
  void for_each_dtype(const Fn& fn) const;
  // The GPU slices (cuda::OptimSlice) of the parameters `members`, of dtype T: state k is from the
  // state list lists[k] (kNoState: null), the scalars are scalars_of(parameter index).
  static constexpr int kNoState = -1;
  template <typename T, size_t N, typename ScalarsOf>
  auto gpu_slices(const std::vector<size_t>& members, const int (&lists)[N], const ScalarsOf& scalars_of) const;

  // Copies working copies back into their non-contiguous originals; bumps every written version.
  void commit();

 private:
  GradModeGuard no_grad_{false};
  bool on_gpu_ = false;
  TensorList params_, grads_;              // contiguous
  std::vector<TensorList> states_;         // contiguous, one list per StateList
  std::vector<std::pair<Tensor, Tensor>> write_back_;  // (original, contiguous working copy)
  TensorList written_;                     // originals whose version commit() bumps
};

// Checks a per-parameter scalar state list (step, mu_product, eta, ...): one tensor per parameter,
// each a one-element float32/float64 CPU tensor (kept like torch 2.x). Errors name the list.
void check_scalar_states(const char* optimizer, const char* name, const TensorList& tensors, size_t n_params);

// The value of a checked one-element float tensor.
double scalar_value(const Tensor& t);

// Sets a checked one-element float tensor t to fn(value), computed in t's own dtype (fn takes and
// returns that scalar type, as torch's in-place ops on the 0-d state tensor do); bumps its version
// and returns the new value.
template <typename Fn>
double update_scalar(const char* optimizer, const Tensor& t, const Fn& fn) {
  double result = 0;
  CR_DISPATCH_FLOATING(t->dtype(), optimizer, [&] {
    scalar_t* value = t->data<scalar_t>();
    *value = fn(*value);
    result = static_cast<double>(*value);
  });
  t->bump_version();
  return result;
}

// Adds one to each step counter (in the counter's own dtype, as torch's step_t += 1) and returns the
// new counts.
std::vector<double> advance_steps(const char* optimizer, const TensorList& steps, size_t n_params);

template <typename Fn>
void FusedGroup::for_each_chunk(const Fn& fn) const {
  std::vector<int64_t> sizes;
  for (size_t i = 0; i < size(); ++i) sizes.push_back(numel(i));
  cpu::for_each_chunk(sizes, fn);
}

template <typename Fn>
void FusedGroup::for_each_dtype(const Fn& fn) const {
  std::vector<size_t> floats, doubles;
  for (size_t i = 0; i < size(); ++i) (dtype(i) == DType::Float32 ? floats : doubles).push_back(i);
  if (!floats.empty()) fn(float{}, floats);
  if (!doubles.empty()) fn(double{}, doubles);
}

template <typename T, size_t N, typename ScalarsOf>
auto FusedGroup::gpu_slices(const std::vector<size_t>& members, const int (&lists)[N],
                            const ScalarsOf& scalars_of) const {
  using Scalars = std::decay_t<decltype(scalars_of(size_t{0}))>;
  std::vector<cuda::OptimSlice<T, static_cast<int>(N), Scalars>> slices(members.size());
  for (size_t m = 0; m < members.size(); ++m) {
    const size_t i = members[m];
    auto& slice = slices[m];
    slice.param = param<T>(i);
    slice.grad = grad<T>(i);
    for (size_t k = 0; k < N; ++k) slice.state[k] = lists[k] == kNoState ? nullptr : state<T>(lists[k], i);
    slice.numel = numel(i);
    slice.scalars = scalars_of(i);
  }
  return slices;
}

}  // namespace cr::optim_detail
