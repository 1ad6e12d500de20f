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

void blas_set_num_threads(int n);
std::string blas_info();  // which BLAS, and its build configuration

// BLAS on one thread for the lifetime of the guard, for regions where each OpenMP thread runs its
// own products; the previous BLAS thread count comes back at the end.
class SingleThreadedBlas {
 public:
  SingleThreadedBlas();
  ~SingleThreadedBlas();
  SingleThreadedBlas(const SingleThreadedBlas&) = delete;
  SingleThreadedBlas& operator=(const SingleThreadedBlas&) = delete;

 private:
  int saved_;
};

}  // namespace cr::cpu
