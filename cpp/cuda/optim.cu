// The fused optimizer steps on a GPU (cuda/optim.h), multi-tensor as PyTorch's multi_tensor_apply:
// the slices go as many at a time as fit in a launch's 4 KB of arguments into a struct passed by
// value to one launch, whose threads stride over the elements of all of them and find their slice
// by binary search over the running sizes. One kernel template (multi_tensor_kernel); each optimizer
// brings an update functor per combination of options (with_flags) that calls the CPU's element
// formula on element k of a slice. Options the slices differ in (SGD's new buffer, RAdam's adaptive
// step, ASGD's averaging) are branches on the slice's scalars, the same for a whole slice.
#include <cuda_runtime.h>

#include <utility>
#include <vector>

#include "core/error.h"
#include "core/optim_element_formulas.h"
#include "cuda/optim.h"
#include "cuda/strided_launch.cuh"

namespace cr::cuda {

namespace {

namespace of = optim_formula;

// What every GPU accepts as a kernel's arguments.
constexpr size_t kMaxLaunchArgumentBytes = 4096;

// Up to kSlices slices; element j of the launch is element j - start[t] of slice t.
template <typename Slice, int kSlices>
struct SliceBatch {
  Slice slice[kSlices];
  int64_t start[kSlices + 1];
  int count;

  __device__ int find(int64_t j) const {  // the slice holding launch element j
    int lo = 0, hi = count - 1;
    while (lo < hi) {
      const int mid = (lo + hi + 1) / 2;
      if (start[mid] <= j) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
};

// The most slices one launch carries next to an Update: a slice and its start each, plus the last
// start, the count (padded) and the update itself.
template <typename Slice, typename Update>
constexpr int slices_per_launch() {
  constexpr size_t fixed = sizeof(int64_t) + sizeof(int64_t) + sizeof(Update);
  return static_cast<int>((kMaxLaunchArgumentBytes - fixed) / (sizeof(Slice) + sizeof(int64_t)));
}

template <typename Slice, int kSlices, typename Update>
__global__ void multi_tensor_kernel(SliceBatch<Slice, kSlices> batch, Update update) {
  for (int64_t j = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; j < batch.start[batch.count];
       j += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int t = batch.find(j);
    update(batch.slice[t], j - batch.start[t]);
  }
}

// Runs update(slice, k) on every element k of the non-empty slices, as few launches as fit them.
template <typename Slice, typename Update>
void launch_slices(const char* name, const std::vector<Slice>& slices, const Update& update) {
  constexpr int kSlices = slices_per_launch<Slice, Update>();
  using Batch = SliceBatch<Slice, kSlices>;
  static_assert(sizeof(Batch) + sizeof(Update) <= kMaxLaunchArgumentBytes, "a launch's arguments exceed 4 KB");
  Batch batch{};
  auto flush = [&] {
    const int64_t n = batch.start[batch.count];
    if (batch.count > 0) {
      multi_tensor_kernel<Slice, kSlices, Update><<<launch_blocks(n), kLaunchThreads>>>(batch, update);
      check_launch(name);
    }
    batch.count = 0;
  };
  for (const Slice& s : slices) {
    if (s.numel == 0) continue;
    batch.slice[batch.count] = s;
    batch.start[batch.count + 1] = batch.start[batch.count] + s.numel;
    if (++batch.count == kSlices) flush();
  }
  flush();
}

// The update functors: the options' constants, rounded to T once per launch, and element k of a slice.

template <typename T, bool kDecay, bool kMomentum, bool kNesterov>
struct SgdUpdate {
  SGDOptions o;
  __device__ void operator()(const SgdSlice<T>& s, int64_t k) const {
    T unused = 0;
    T& buf = kMomentum ? s.state[0][k] : unused;
    if (s.scalars) {  // first_step
      of::sgd_element<T, kDecay, kMomentum, true, kNesterov>(s.param[k], s.grad[k], buf, o);
    } else {
      of::sgd_element<T, kDecay, kMomentum, false, kNesterov>(s.param[k], s.grad[k], buf, o);
    }
  }
};

template <typename T, bool kCoupledDecay, bool kDecoupledDecay, bool kAmsgrad>
struct AdamUpdate {
  of::AdamFamilyConstants<T> c;
  __device__ void operator()(const AdamSlice<T>& s, int64_t k) const {
    T unused = 0;
    of::adam_element<T, kCoupledDecay, kDecoupledDecay, kAmsgrad>(c.moments, s.param[k], s.grad[k], s.state[0][k],
                                                                  s.state[1][k], kAmsgrad ? s.state[2][k] : unused,
                                                                  c.eps, s.scalars);
  }
};

template <typename T, bool kDecay, bool kCentered, bool kMomentum>
struct RMSpropUpdate {
  of::RMSpropConstants<T> c;
  __device__ void operator()(const RMSpropSlice<T>& s, int64_t k) const {
    T unused = 0;
    of::rmsprop_element<T, kDecay, kCentered, kMomentum>(c, s.param[k], s.grad[k], s.state[0][k],
                                                         kCentered ? s.state[1][k] : unused,
                                                         kMomentum ? s.state[2][k] : unused);
  }
};

template <typename T, bool kDecay>
struct AdagradUpdate {
  of::AdagradConstants<T> c;
  __device__ void operator()(const AdagradSlice<T>& s, int64_t k) const {
    of::adagrad_element<T, kDecay>(c, s.param[k], s.grad[k], s.state[0][k], s.scalars);
  }
};

template <typename T, bool kDecay>
struct AdadeltaUpdate {
  of::AdadeltaConstants<T> c;
  __device__ void operator()(const AdadeltaSlice<T>& s, int64_t k) const {
    of::adadelta_element<T, kDecay>(c, s.param[k], s.grad[k], s.state[0][k], s.state[1][k]);
  }
};

template <typename T, bool kDecay>
struct AdamaxUpdate {
  of::AdamaxConstants<T> c;
  __device__ void operator()(const AdamaxSlice<T>& s, int64_t k) const {
    of::adamax_element<T, kDecay>(c, s.param[k], s.grad[k], s.state[0][k], s.state[1][k], s.scalars);
  }
};

template <typename T, bool kCoupledDecay, bool kDecoupledDecay>
struct NAdamUpdate {
  of::AdamFamilyConstants<T> c;
  __device__ void operator()(const NAdamSlice<T>& s, int64_t k) const {
    of::nadam_element<T, kCoupledDecay, kDecoupledDecay>(c, s.param[k], s.grad[k], s.state[0][k], s.state[1][k],
                                                         s.scalars);
  }
};

template <typename T, bool kCoupledDecay, bool kDecoupledDecay>
struct RAdamUpdate {
  of::AdamFamilyConstants<T> c;
  __device__ void operator()(const RAdamSlice<T>& s, int64_t k) const {
    if (s.scalars.adaptive) {
      of::radam_element<T, kCoupledDecay, kDecoupledDecay, true>(c, s.param[k], s.grad[k], s.state[0][k],
                                                                 s.state[1][k], s.scalars);
    } else {
      of::radam_element<T, kCoupledDecay, kDecoupledDecay, false>(c, s.param[k], s.grad[k], s.state[0][k],
                                                                  s.state[1][k], s.scalars);
    }
  }
};

template <typename T, bool kDecay>
struct ASGDUpdate {
  of::DecayedGradient<T> gradient;
  __device__ void operator()(const ASGDSlice<T>& s, int64_t k) const {
    if (s.scalars.average) {
      of::asgd_element<T, kDecay, true>(gradient, s.param[k], s.grad[k], s.state[0][k], s.scalars);
    } else {
      of::asgd_element<T, kDecay, false>(gradient, s.param[k], s.grad[k], s.state[0][k], s.scalars);
    }
  }
};

// launch_slices with Update<T, flags...>{constants}, each runtime flag made a compile-time one.
template <template <typename, bool...> class Update, typename T, typename Slice, typename Constants,
          typename... Flags>
void launch_updates(const char* name, const std::vector<Slice>& slices, const Constants& constants, Flags... flags) {
  of::with_flags([&](auto... flag) { launch_slices(name, slices, Update<T, decltype(flag)::value...>{constants}); },
                 flags...);
}

// Weight decay as the Adam family applies it: (coupled, decoupled).
template <typename Options>
std::pair<bool, bool> decay_kinds(const Options& o) {
  const bool decay = o.weight_decay != 0;
  return {decay && !o.decoupled_weight_decay, decay && o.decoupled_weight_decay};
}

}  // namespace

template <typename T>
void sgd_steps(const std::vector<SgdSlice<T>>& slices, const SGDOptions& o) {
  const bool use_momentum = o.momentum != 0;
  launch_updates<SgdUpdate, T>("SGD", slices, o, o.weight_decay != 0, use_momentum, use_momentum && o.nesterov);
}

template <typename T>
void adam_steps(const std::vector<AdamSlice<T>>& slices, const AdamOptions& o) {
  const auto [coupled, decoupled] = decay_kinds(o);
  launch_updates<AdamUpdate, T>(o.decoupled_weight_decay ? "AdamW" : "Adam", slices, of::AdamFamilyConstants<T>(o),
                                coupled, decoupled, o.amsgrad);
}

template <typename T>
void rmsprop_steps(const std::vector<RMSpropSlice<T>>& slices, const RMSpropOptions& o) {
  launch_updates<RMSpropUpdate, T>("RMSprop", slices, of::RMSpropConstants<T>(o), o.weight_decay != 0, o.centered,
                                   o.momentum > 0);
}

template <typename T>
void adagrad_steps(const std::vector<AdagradSlice<T>>& slices, const AdagradOptions& o) {
  launch_updates<AdagradUpdate, T>("Adagrad", slices, of::AdagradConstants<T>(o), o.weight_decay != 0);
}

template <typename T>
void adadelta_steps(const std::vector<AdadeltaSlice<T>>& slices, const AdadeltaOptions& o) {
  launch_updates<AdadeltaUpdate, T>("Adadelta", slices, of::AdadeltaConstants<T>(o), o.weight_decay != 0);
}

template <typename T>
void adamax_steps(const std::vector<AdamaxSlice<T>>& slices, const AdamaxOptions& o) {
  launch_updates<AdamaxUpdate, T>("Adamax", slices, of::AdamaxConstants<T>(o), o.weight_decay != 0);
}

template <typename T>
void nadam_steps(const std::vector<NAdamSlice<T>>& slices, const NAdamOptions& o) {
  const auto [coupled, decoupled] = decay_kinds(o);
  launch_updates<NAdamUpdate, T>("NAdam", slices, of::AdamFamilyConstants<T>(o), coupled, decoupled);
}

template <typename T>
void radam_steps(const std::vector<RAdamSlice<T>>& slices, const RAdamOptions& o) {
  const auto [coupled, decoupled] = decay_kinds(o);
  launch_updates<RAdamUpdate, T>("RAdam", slices, of::AdamFamilyConstants<T>(o), coupled, decoupled);
}

template <typename T>
void asgd_steps(const std::vector<ASGDSlice<T>>& slices, const ASGDOptions& o) {
  launch_updates<ASGDUpdate, T>("ASGD", slices, of::DecayedGradient<T>(o), o.weight_decay != 0);
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
