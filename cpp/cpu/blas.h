// The one include of the BLAS library. OpenBLAS from the scipy-openblas32 wheel prefixes every
// symbol with scipy_; CR_CBLAS(sgemm) names the right function whichever BLAS the build chose.
#pragma once

#include <string>

#include <cblas.h>

#if defined(CHAINRULE_BLAS_SCIPY_OPENBLAS)
#define CR_CBLAS(name) scipy_cblas_##name
#else
#define CR_CBLAS(name) cblas_##name
#endif

namespace cr::cpu {

// BLAS always runs on one thread: chainrule's own threads split products (cpu/gemm.cpp).
void blas_use_one_thread();
std::string blas_info();  // which BLAS, and its build configuration

}  // namespace cr::cpu
