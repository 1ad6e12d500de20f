// cuBLAS, loaded when the first GPU product runs (dlopen of libcublas.so.13), so chainrule builds
// without cuBLAS's headers and imports without the library: only a GPU matmul needs it (pip
// install nvidia-cublas, or chainrule's "cuda" extra). Declares the few entry points chainrule
// calls, with cuBLAS's C signatures (cublas_api.h, CUDA 13).
#pragma once

#include <cstdint>

namespace cr::cuda {

using CublasHandle = struct cublasContext*;
using CublasStatus = int;  // CUBLAS_STATUS_SUCCESS = 0
enum CublasOperation : int { kCublasOpN = 0, kCublasOpT = 1 };

struct CublasLibrary {
  CublasStatus (*create)(CublasHandle*);
  CublasStatus (*sgemm_strided_batched)(CublasHandle, CublasOperation, CublasOperation, int, int, int, const float*,
                                        const float*, int, long long, const float*, int, long long, const float*,
                                        float*, int, long long, int);
  CublasStatus (*dgemm_strided_batched)(CublasHandle, CublasOperation, CublasOperation, int, int, int, const double*,
                                        const double*, int, long long, const double*, int, long long, const double*,
                                        double*, int, long long, int);
};

// The library (loaded once; a RuntimeError saying how to install it when it cannot be found) and
// this thread's handle on the current device.
const CublasLibrary& cublas();
CublasHandle cublas_handle();

}  // namespace cr::cuda
