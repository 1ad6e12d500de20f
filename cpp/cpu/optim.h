// The fused optimizer updates: each updates one slice of n elements of one parameter and its state
// in place, in one pass, with PyTorch's formulas (torch/optim/*.py, single-tensor paths), and
// for_each_chunk spreads a group's slices over threads. cpp/ops/optim_*.cpp validate a parameter
// group, advance the step counters, compute the per-step scalars and call these per slice.
// Every pointer is an (n,) slice; state a step does not use may be null.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "core/optim_options.h"
#include "cpu/parallel.h"

namespace cr::cpu {

// p, g, buf (momentum_buffer, when momentum != 0) -> p, buf. first_step: buf starts as the
// (decayed) gradient, as torch does on a new buffer.
template <typename T>
void sgd_step(T* p, const T* g, T* buf, int64_t n, const SGDOptions& o, bool first_step);

// p, g, exp_avg, exp_avg_sq, max_exp_avg_sq (with amsgrad) -> all but g.
template <typename T>
void adam_step(T* p, const T* g, T* exp_avg, T* exp_avg_sq, T* max_exp_avg_sq, int64_t n, const AdamOptions& o,
               const AdamStepScalars& s);

// p, g, square_avg, grad_avg (when centered), buf (momentum_buffer, when momentum > 0) -> all but g.
template <typename T>
void rmsprop_step(T* p, const T* g, T* square_avg, T* grad_avg, T* buf, int64_t n, const RMSpropOptions& o);

// p, g, sum (of squares) -> p, sum; clr: this parameter's decayed rate lr / (1 + (step - 1) * lr_decay).
template <typename T>
void adagrad_step(T* p, const T* g, T* sum, int64_t n, const AdagradOptions& o, double clr);

// p, g, square_avg, acc_delta -> all but g.
template <typename T>
void adadelta_step(T* p, const T* g, T* square_avg, T* acc_delta, int64_t n, const AdadeltaOptions& o);

// p, g, exp_avg, exp_inf -> all but g; clr: lr / (1 - beta1^step).
template <typename T>
void adamax_step(T* p, const T* g, T* exp_avg, T* exp_inf, int64_t n, const AdamaxOptions& o, double clr);

// p, g, exp_avg, exp_avg_sq -> all but g.
template <typename T>
void nadam_step(T* p, const T* g, T* exp_avg, T* exp_avg_sq, int64_t n, const NAdamOptions& o,
                const NAdamStepScalars& s);

// p, g, exp_avg, exp_avg_sq -> all but g.
template <typename T>
void radam_step(T* p, const T* g, T* exp_avg, T* exp_avg_sq, int64_t n, const RAdamOptions& o,
                const RAdamStepScalars& s);

// p, g, ax (the average) -> p, ax.
template <typename T>
void asgd_step(T* p, const T* g, T* ax, int64_t n, const ASGDOptions& o, const ASGDStepScalars& s);

// fn(i, begin, end) over the element ranges of parameters of sizes[i] elements: in order on one
// thread for a small group, else in chunks of kMinChunk elements spread over the OpenMP threads.
template <typename Fn>
void for_each_chunk(const std::vector<int64_t>& sizes, const Fn& fn) {
  int64_t total = 0;
  for (int64_t n : sizes) total += n;
  if (!should_parallelize(total)) {
    for (size_t i = 0; i < sizes.size(); ++i) fn(i, int64_t{0}, sizes[i]);
    return;
  }
  struct Chunk {
    size_t param;
    int64_t begin, end;
  };
  std::vector<Chunk> chunks;
  for (size_t i = 0; i < sizes.size(); ++i)
    for (int64_t b = 0; b < sizes[i]; b += kMinChunk) chunks.push_back({i, b, std::min(sizes[i], b + kMinChunk)});
  const auto n_chunks = static_cast<int64_t>(chunks.size());
#ifdef _OPENMP
#pragma omp parallel for num_threads(get_num_threads()) schedule(static)
#endif
  for (int64_t c = 0; c < n_chunks; ++c) fn(chunks[c].param, chunks[c].begin, chunks[c].end);
}

}  // namespace cr::cpu
