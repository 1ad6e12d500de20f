// Thread control and identification of the BLAS library chosen at configure time.
#include "cpu/blas.h"

#include "cpu/parallel.h"

#if defined(CHAINRULE_BLAS_MKL)
#include <mkl.h>
#endif

namespace cr::cpu {

void blas_set_num_threads(int n) {
#if defined(CHAINRULE_BLAS_SCIPY_OPENBLAS)
  scipy_openblas_set_num_threads(n);
#elif defined(CHAINRULE_BLAS_MKL)
  mkl_set_num_threads(n);
#elif defined(CHAINRULE_BLAS_OPENBLAS)
  openblas_set_num_threads(n);
#else
  (void)n;  // a generic CBLAS has no standard thread control
#endif
}

namespace {

// BLAS's own thread count (a generic CBLAS has none to ask: chainrule's count stands in).
int blas_num_threads() {
#if defined(CHAINRULE_BLAS_SCIPY_OPENBLAS)
  return scipy_openblas_get_num_threads();
#elif defined(CHAINRULE_BLAS_MKL)
  return mkl_get_max_threads();
#elif defined(CHAINRULE_BLAS_OPENBLAS)
  return openblas_get_num_threads();
#else
  return get_num_threads();
#endif
}

}  // namespace

SingleThreadedBlas::SingleThreadedBlas() : saved_(blas_num_threads()) { blas_set_num_threads(1); }
SingleThreadedBlas::~SingleThreadedBlas() { blas_set_num_threads(saved_); }

std::string blas_info() {
#if defined(CHAINRULE_BLAS_SCIPY_OPENBLAS)
  return std::string("scipy-openblas32: ") + scipy_openblas_get_config();
#elif defined(CHAINRULE_BLAS_MKL)
  return "MKL";
#elif defined(CHAINRULE_BLAS_OPENBLAS)
  return std::string("OpenBLAS: ") + openblas_get_config();
#else
  return "system CBLAS";
#endif
}

}  // namespace cr::cpu
