// The nll_loss and cross_entropy kernels for class-index targets, forward and backward, on
// contiguous float/double buffers: the input viewed as (N, C, inner) (C the class dim, inner the
// product of d1, ...), the int64 target as (N, inner). cross_entropy takes the log-softmax of each
// position's C logits on the fly (lse = logsumexp, kept for backward) and adds label smoothing eps;
// its gradient is g ((A + B sum(w)) softmax(x) - A onehot(t) - B w), with A = (1 - eps) w[t] scale
// and B = eps / C * scale (both 0 where t is ignore_index). nll_loss is the eps = 0 case on
// log-probs. cpp/ops/loss_nll.cpp checks the arguments and targets, allocates and records
// autograd; these only compute.
#pragma once

#include <cstdint>

namespace cr::cpu {

struct ClassLossShape {
  int64_t n, classes, inner;  // input (N, C, inner), target (N, inner)
  int64_t ignore_index;
  double smoothing;     // label smoothing eps; 0 for nll_loss
  double weight_total;  // sum(w) over the classes (C without a weight)
  double scale;         // the reduction's factor on each position's terms: 1, or 1 / kept weight ('mean')
};

// w (C,) or null -> sum(w) in float64, or C when null.
template <typename T>
double class_weight_total(const T* w, int64_t classes);
// target (N, inner), w (C,) or null -> the total weight of the targets not ignored (their count without w).
template <typename T>
double kept_target_weight(const int64_t* target, const T* w, const ClassLossShape& s);

// x (N, C, inner) logits, target (N, inner), w (C,) or null -> lse (N, inner) = logsumexp over C,
// nll (N, inner) = -w[t] (x[t] - lse) and, when smoothing, smooth (N, inner) = sum(w) lse - sum_c w_c x_c
// (smooth null otherwise); both 0 at ignored positions, lse then unset.
template <typename T>
void cross_entropy_terms(const T* x, const int64_t* target, const T* w, const ClassLossShape& s, T* lse, double* nll,
                         double* smooth);
// x (N, C, inner) log-probs, target (N, inner), w (C,) or null -> nll (N, inner) = -w[t] x[t] (0 where ignored).
template <typename T>
void nll_loss_terms(const T* x, const int64_t* target, const T* w, const ClassLossShape& s, double* nll);

// nll, smooth (N, inner) (smooth null without smoothing) -> out (N, inner) = (1 - eps) nll + eps / C smooth.
template <typename T>
void class_loss_per_position(const double* nll, const double* smooth, const ClassLossShape& s, T* out);
// nll, smooth (N, inner) -> scale * ((1 - eps) sum(nll) + eps / C sum(smooth)).
double class_loss_total(const double* nll, const double* smooth, const ClassLossShape& s);

// x (N, C, inner) logits, lse (N, inner), target (N, inner), w (C,) or null, g (1,), or (N, inner)
// when g_per_position -> dx (N, C, inner), the gradient above.
template <typename T>
void cross_entropy_backward(const T* x, const T* lse, const int64_t* target, const T* w, const T* g,
                            bool g_per_position, const ClassLossShape& s, T* dx);
// target (N, inner), w (C,) or null, g as above -> dx (N, C, inner) = -g A onehot(t).
template <typename T>
void nll_loss_backward(const int64_t* target, const T* w, const T* g, bool g_per_position, const ClassLossShape& s,
                       T* dx);

// target (N, inner), w (C,) or null -> the constants of the gradient written as recorded ops (create_graph):
// k (N, 1, inner) = A + B sum(w) and q (N, C, inner) = A onehot(t) + B w, written at positions not
// ignored (the caller zeroes both).
template <typename T>
void class_loss_gradient_constants(const int64_t* target, const T* w, const ClassLossShape& s, T* k, T* q);

}  // namespace cr::cpu
