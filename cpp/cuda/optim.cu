// The fused optimizer steps on a GPU (cuda/optim.h), multi-tensor as PyTorch's multi_tensor_apply:
// cuda/optim_updates.h batches the slices (as many as fit in a launch's 4 KB of arguments) and picks
// each optimizer's update functor; here one kernel template runs a batch, its threads striding over
// the elements of all its slices.
#include <cuda_runtime.h>

#include <vector>

#include "core/error.h"
#include "cuda/optim.h"
#include "cuda/optim_updates.h"
#include "cuda/strided_launch.cuh"

namespace cr::cuda {

namespace {

using multi_tensor::SliceBatch;

template <typename Slice, int kSlices, typename Update>
__global__ void multi_tensor_kernel(SliceBatch<Slice, kSlices> batch, Update update) {
  for (int64_t j = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; j < batch.size();
       j += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    batch.update_element(j, update);
  }
}

// Runs a batch on the GPU; op names the optimizer when the launch fails.
struct KernelLaunch {
  const char* op;

  template <typename Slice, int kSlices, typename Update>
  void operator()(const SliceBatch<Slice, kSlices>& batch, const Update& update) const {
    multi_tensor_kernel<Slice, kSlices, Update><<<launch_blocks(batch.size()), kLaunchThreads>>>(batch, update);
    check_launch(op);
  }
};

}  // namespace

template <typename T>
void sgd_steps(const std::vector<SgdSlice<T>>& slices, const SGDOptions& o) {
  multi_tensor::sgd_updates(slices, o, KernelLaunch{"SGD"});
}
template <typename T>
void adam_steps(const std::vector<AdamSlice<T>>& slices, const AdamOptions& o) {
  multi_tensor::adam_updates(slices, o, KernelLaunch{o.decoupled_weight_decay ? "AdamW" : "Adam"});
}
template <typename T>
void rmsprop_steps(const std::vector<RMSpropSlice<T>>& slices, const RMSpropOptions& o) {
  multi_tensor::rmsprop_updates(slices, o, KernelLaunch{"RMSprop"});
}
template <typename T>
void adagrad_steps(const std::vector<AdagradSlice<T>>& slices, const AdagradOptions& o) {
  multi_tensor::adagrad_updates(slices, o, KernelLaunch{"Adagrad"});
}
template <typename T>
void adadelta_steps(const std::vector<AdadeltaSlice<T>>& slices, const AdadeltaOptions& o) {
  multi_tensor::adadelta_updates(slices, o, KernelLaunch{"Adadelta"});
}
template <typename T>
void adamax_steps(const std::vector<AdamaxSlice<T>>& slices, const AdamaxOptions& o) {
  multi_tensor::adamax_updates(slices, o, KernelLaunch{"Adamax"});
}
template <typename T>
void nadam_steps(const std::vector<NAdamSlice<T>>& slices, const NAdamOptions& o) {
  multi_tensor::nadam_updates(slices, o, KernelLaunch{"NAdam"});
}
template <typename T>
void radam_steps(const std::vector<RAdamSlice<T>>& slices, const RAdamOptions& o) {
  multi_tensor::radam_updates(slices, o, KernelLaunch{"RAdam"});
}
template <typename T>
void asgd_steps(const std::vector<ASGDSlice<T>>& slices, const ASGDOptions& o) {
  multi_tensor::asgd_updates(slices, o, KernelLaunch{"ASGD"});
}

#define CR_INSTANTIATE_OPTIM_STEPS(T)                                                                  \
  template void sgd_steps<T>(const std::vector<SgdSlice<T>>&, const SGDOptions&);                      \
  template void adam_steps<T>(const std::vector<AdamSlice<T>>&, const AdamOptions&);                   \
  template void rmsprop_steps<T>(const std::vector<RMSpropSlice<T>>&, const RMSpropOptions&);          \
  template void adagrad_steps<T>(const std::vector<AdagradSlice<T>>&, const AdagradOptions&);          \
  template void adadelta_steps<T>(const std::vector<AdadeltaSlice<T>>&, const AdadeltaOptions&);       \
  template void adamax_steps<T>(const std::vector<AdamaxSlice<T>>&, const AdamaxOptions&);             \
  template void nadam_steps<T>(const std::vector<NAdamSlice<T>>&, const NAdamOptions&);                \
  template void radam_steps<T>(const std::vector<RAdamSlice<T>>&, const RAdamOptions&);                \
  template void asgd_steps<T>(const std::vector<ASGDSlice<T>>&, const ASGDOptions&);
CR_INSTANTIATE_OPTIM_STEPS(float)
CR_INSTANTIATE_OPTIM_STEPS(double)
#undef CR_INSTANTIATE_OPTIM_STEPS

}  // namespace cr::cuda
