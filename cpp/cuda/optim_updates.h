// The multi-tensor optimizer steps of cuda/optim.h as plain C++ that both devices compile: the
// batching of slices into launches (SliceBatch: as many slices as fit in a launch's 4 KB of
// arguments; each element finds its slice by binary search over the running sizes), the update
// functors (an optimizer's constants for one combination of options, applied to element k of a
// slice by the CPU's element formulas), and each optimizer's dispatch (*_updates: runtime options
// to a functor type, as PyTorch's multi_tensor_apply). A launcher runs each batch: cuda/optim.cu's
// starts a kernel over its elements; tests/cpp/test_optim_updates.cpp runs the same batches on the
// host against the CPU's steps. Options the slices differ in (SGD's new buffer, RAdam's adaptive
// step, ASGD's averaging) are branches on the slice's scalars, the same for a whole slice.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "core/formula.h"
#include "core/optim_element_formulas.h"
#include "cuda/optim.h"

namespace cr::cuda::multi_tensor {

namespace of = optim_formula;

// What every GPU accepts as a kernel's arguments.
constexpr size_t kMaxLaunchArgumentBytes = 4096;

// Up to kSlices slices; element j of the launch is element j - start[t] of slice t.
template <typename Slice, int kSlices>
struct SliceBatch {
  Slice slice[kSlices];
  int64_t start[kSlices + 1];
  int count;

  CR_FORMULA int64_t size() const { return start[count]; }  // elements in all the slices

  CR_FORMULA int find(int64_t j) const {  // the slice holding element j
    int lo = 0, hi = count - 1;
    while (lo < hi) {
      const int mid = (lo + hi + 1) / 2;
      if (start[mid] <= j) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  // Element j of the batch, updated.
  template <typename Update>
  CR_FORMULA void update_element(int64_t j, const Update& update) const {
    const int t = find(j);
    update(slice[t], j - start[t]);
  }
};

// The most slices one launch carries next to an Update: a slice and its start each, plus the last
// start, the count (padded) and the update itself.
template <typename Slice, typename Update>
constexpr int slices_per_launch() {
  constexpr size_t fixed = sizeof(int64_t) + sizeof(int64_t) + sizeof(Update);
  return static_cast<int>((kMaxLaunchArgumentBytes - fixed) / (sizeof(Slice) + sizeof(int64_t)));
}

// Calls launch(batch, update) for the non-empty slices, as few batches as hold them.
template <typename Slice, typename Update, typename Launch>
void for_each_batch(const std::vector<Slice>& slices, const Update& update, const Launch& launch) {
  constexpr int kSlices = slices_per_launch<Slice, Update>();
  using Batch = SliceBatch<Slice, kSlices>;
  static_assert(sizeof(Batch) + sizeof(Update) <= kMaxLaunchArgumentBytes, "a launch's arguments exceed 4 KB");
  Batch batch{};
  auto flush = [&] {
    if (batch.count > 0) launch(batch, update);
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

// The update functors: an optimizer's constants (rounded to T once per launch) for one combination of
// options, and element k of a slice.

template <typename T, bool kDecay, bool kMomentum, bool kNesterov>
struct SgdUpdate {
  SGDOptions o;
  CR_FORMULA void operator()(const SgdSlice<T>& s, int64_t k) const {
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
  CR_FORMULA void operator()(const AdamSlice<T>& s, int64_t k) const {
    T unused = 0;
    of::adam_element<T, kCoupledDecay, kDecoupledDecay, kAmsgrad>(c.moments, s.param[k], s.grad[k], s.state[0][k],
                                                                  s.state[1][k], kAmsgrad ? s.state[2][k] : unused,
                                                                  c.eps, s.scalars);
  }
};

template <typename T, bool kDecay, bool kCentered, bool kMomentum>
struct RMSpropUpdate {
  of::RMSpropConstants<T> c;
  CR_FORMULA void operator()(const RMSpropSlice<T>& s, int64_t k) const {
    T unused = 0;
    of::rmsprop_element<T, kDecay, kCentered, kMomentum>(c, s.param[k], s.grad[k], s.state[0][k],
                                                         kCentered ? s.state[1][k] : unused,
                                                         kMomentum ? s.state[2][k] : unused);
  }
};

template <typename T, bool kDecay>
struct AdagradUpdate {
  of::AdagradConstants<T> c;
  CR_FORMULA void operator()(const AdagradSlice<T>& s, int64_t k) const {
    of::adagrad_element<T, kDecay>(c, s.param[k], s.grad[k], s.state[0][k], s.scalars);
  }
};

template <typename T, bool kDecay>
struct AdadeltaUpdate {
  of::AdadeltaConstants<T> c;
  CR_FORMULA void operator()(const AdadeltaSlice<T>& s, int64_t k) const {
    of::adadelta_element<T, kDecay>(c, s.param[k], s.grad[k], s.state[0][k], s.state[1][k]);
  }
};

template <typename T, bool kDecay>
struct AdamaxUpdate {
  of::AdamaxConstants<T> c;
  CR_FORMULA void operator()(const AdamaxSlice<T>& s, int64_t k) const {
    of::adamax_element<T, kDecay>(c, s.param[k], s.grad[k], s.state[0][k], s.state[1][k], s.scalars);
  }
};

template <typename T, bool kCoupledDecay, bool kDecoupledDecay>
struct NAdamUpdate {
  of::AdamFamilyConstants<T> c;
  CR_FORMULA void operator()(const NAdamSlice<T>& s, int64_t k) const {
    of::nadam_element<T, kCoupledDecay, kDecoupledDecay>(c, s.param[k], s.grad[k], s.state[0][k], s.state[1][k],
                                                         s.scalars);
  }
};

template <typename T, bool kCoupledDecay, bool kDecoupledDecay>
struct RAdamUpdate {
  of::AdamFamilyConstants<T> c;
  CR_FORMULA void operator()(const RAdamSlice<T>& s, int64_t k) const {
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
  CR_FORMULA void operator()(const ASGDSlice<T>& s, int64_t k) const {
    if (s.scalars.average) {
      of::asgd_element<T, kDecay, true>(gradient, s.param[k], s.grad[k], s.state[0][k], s.scalars);
    } else {
      of::asgd_element<T, kDecay, false>(gradient, s.param[k], s.grad[k], s.state[0][k], s.scalars);
    }
  }
};

// for_each_batch with Update<T, flags...>{constants}, each runtime flag made a compile-time one.
template <template <typename, bool...> class Update, typename T, typename Slice, typename Constants, typename Launch,
          typename... Flags>
void for_each_update(const std::vector<Slice>& slices, const Constants& constants, const Launch& launch,
                     Flags... flags) {
  of::with_flags([&](auto... flag) { for_each_batch(slices, Update<T, decltype(flag)::value...>{constants}, launch); },
                 flags...);
}

// Weight decay as the Adam family applies it: (coupled, decoupled).
template <typename Options>
std::pair<bool, bool> decay_kinds(const Options& o) {
  const bool decay = o.weight_decay != 0;
  return {decay && !o.decoupled_weight_decay, decay && o.decoupled_weight_decay};
}

// Each optimizer's step over its slices, launch(batch, update) running each batch.

template <typename T, typename Launch>
void sgd_updates(const std::vector<SgdSlice<T>>& slices, const SGDOptions& o, const Launch& launch) {
  const bool use_momentum = o.momentum != 0;
  for_each_update<SgdUpdate, T>(slices, o, launch, o.weight_decay != 0, use_momentum, use_momentum && o.nesterov);
}

template <typename T, typename Launch>
void adam_updates(const std::vector<AdamSlice<T>>& slices, const AdamOptions& o, const Launch& launch) {
  const auto [coupled, decoupled] = decay_kinds(o);
  for_each_update<AdamUpdate, T>(slices, of::AdamFamilyConstants<T>(o), launch, coupled, decoupled, o.amsgrad);
}

template <typename T, typename Launch>
void rmsprop_updates(const std::vector<RMSpropSlice<T>>& slices, const RMSpropOptions& o, const Launch& launch) {
  for_each_update<RMSpropUpdate, T>(slices, of::RMSpropConstants<T>(o), launch, o.weight_decay != 0, o.centered,
                                    o.momentum > 0);
}

template <typename T, typename Launch>
void adagrad_updates(const std::vector<AdagradSlice<T>>& slices, const AdagradOptions& o, const Launch& launch) {
  for_each_update<AdagradUpdate, T>(slices, of::AdagradConstants<T>(o), launch, o.weight_decay != 0);
}

template <typename T, typename Launch>
void adadelta_updates(const std::vector<AdadeltaSlice<T>>& slices, const AdadeltaOptions& o, const Launch& launch) {
  for_each_update<AdadeltaUpdate, T>(slices, of::AdadeltaConstants<T>(o), launch, o.weight_decay != 0);
}

template <typename T, typename Launch>
void adamax_updates(const std::vector<AdamaxSlice<T>>& slices, const AdamaxOptions& o, const Launch& launch) {
  for_each_update<AdamaxUpdate, T>(slices, of::AdamaxConstants<T>(o), launch, o.weight_decay != 0);
}

template <typename T, typename Launch>
void nadam_updates(const std::vector<NAdamSlice<T>>& slices, const NAdamOptions& o, const Launch& launch) {
  const auto [coupled, decoupled] = decay_kinds(o);
  for_each_update<NAdamUpdate, T>(slices, of::AdamFamilyConstants<T>(o), launch, coupled, decoupled);
}

template <typename T, typename Launch>
void radam_updates(const std::vector<RAdamSlice<T>>& slices, const RAdamOptions& o, const Launch& launch) {
  const auto [coupled, decoupled] = decay_kinds(o);
  for_each_update<RAdamUpdate, T>(slices, of::AdamFamilyConstants<T>(o), launch, coupled, decoupled);
}

template <typename T, typename Launch>
void asgd_updates(const std::vector<ASGDSlice<T>>& slices, const ASGDOptions& o, const Launch& launch) {
  for_each_update<ASGDUpdate, T>(slices, of::DecayedGradient<T>(o), launch, o.weight_decay != 0);
}

}  // namespace cr::cuda::multi_tensor
