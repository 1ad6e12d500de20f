// Thread control and identification of the BLAS library chosen at configure time.
#include "cpu/blas.h"

#if defined(CHAINRULE_BLAS_MKL)
#include <mkl.h>
#endif

namespace cr::cpu {

void blas_use_one_thread() {
#if defined(CHAINRULE_BLAS_SCIPY_OPENBLAS)
  scipy_openblas_set_num_threads(1);
#elif defined(CHAINRULE_BLAS_MKL)
  mkl_set_num_threads(1);
#elif defined(CHAINRULE_BLAS_OPENBLAS)
  openblas_set_num_threads(1);
#endif  // a generic CBLAS has no standard thread control
}

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
