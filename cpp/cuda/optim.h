// The fused optimizer steps on a GPU, with the CPU's contracts (cpu/optim.h) and the same element
// formulas (core/optim_formulas.h): each updates one parameter of n elements and its state in
// place, one thread per element. SGD and Adam/AdamW for now; the other optimizers raise on CUDA
// parameters (ops/optim_group.cpp).
#pragma once

#include <cstdint>

#include "core/optim_options.h"

namespace cr::cuda {

template <typename T>
void sgd_step(T* p, const T* g, T* buf, int64_t n, const SGDOptions& o, bool first_step);
template <typename T>
void adam_step(T* p, const T* g, T* exp_avg, T* exp_avg_sq, T* max_exp_avg_sq, int64_t n, const AdamOptions& o,
               const AdamStepScalars& s);

}  // namespace cr::cuda
