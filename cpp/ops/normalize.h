// What batch_norm, layer_norm and group_norm share: the checks on their input and affine
// parameters, and the gradient of a normalization written with recorded ops. The fused backward
// kernels handle the ordinary backward; these recorded forms run when the backward itself is
// being recorded (create_graph=True), so that the gradient differentiates again.
#pragma once

#include <vector>

#include "core/tensor.h"

namespace cr {

// The data of an optional tensor (weight, bias, a gradient not asked for): null when absent.
template <typename T>
T* data_or_null(const Tensor& t) { return t ? t->data<T>() : nullptr; }
// A float64 statistics tensor's data on its device.
inline double* f64(const Tensor& t) { return static_cast<double*>(t->device_data()); }

// contiguous(t), or null for an absent optional tensor.
Tensor contiguous_or_null(const Tensor& t);

// A float32/float64 tensor with at least `min_dim` dims; errors name `op`.
void check_norm_input(const Tensor& x, int64_t min_dim, const char* op);
// `param` (weight, bias, running_mean, ...; null is fine) must have `expected` sizes and x's dtype.
void check_norm_param(const Tensor& param, const char* name, const Shape& expected, const Tensor& x, const char* op);

// x normalized over `dims`: xhat = (x - mean) * rstd with rstd = 1 / sqrt(biased var + eps).
struct Normalized {
  Tensor xhat;
  Tensor rstd;  // keepdim over `dims`
};
Normalized normalize_recorded(const Tensor& x, const std::vector<int64_t>& dims, double eps);

// The gradient w.r.t. x of xhat = normalize(x) given gxhat, the gradient w.r.t. xhat:
// rstd * (gxhat - mean(gxhat) - xhat * mean(gxhat * xhat)), means over `dims`.
Tensor normalized_input_grad_recorded(const Tensor& gxhat, const Normalized& n, const std::vector<int64_t>& dims);

}  // namespace cr
