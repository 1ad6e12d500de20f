// The softmax and log_softmax kernels, forward and backward, on contiguous float/double buffers
// viewed as (outer, n, inner) with the softmax dim in the middle. cpp/ops/softmax.cpp checks the
// arguments, allocates and records autograd; these only compute.
#pragma once

#include <cstdint>

namespace cr::cpu {

// A contiguous tensor split around the softmax dim: (outer, n, inner), n the size of that dim.
struct SoftmaxShape {
  int64_t outer, n, inner;
};

// x (outer, n, inner) -> y (outer, n, inner): y = e^x / sum(e^x) along n.
template <typename T>
void softmax(const T* x, const SoftmaxShape& s, T* y);
// x (outer, n, inner) -> y (outer, n, inner): y = x - log(sum(e^x)) along n.
template <typename T>
void log_softmax(const T* x, const SoftmaxShape& s, T* y);

// g, y (outer, n, inner) -> dx (outer, n, inner): dx = y * (g - sum(g * y)) along n, y = softmax(x).
template <typename T>
void softmax_backward(const T* g, const T* y, const SoftmaxShape& s, T* dx);
// g, y (outer, n, inner) -> dx (outer, n, inner): dx = g - e^y * sum(g) along n, y = log_softmax(x).
template <typename T>
void log_softmax_backward(const T* g, const T* y, const SoftmaxShape& s, T* dx);

}  // namespace cr::cpu
