// CUDA runtime queries: how many GPUs this process can use.
#include <cuda_runtime.h>

#include "cuda/runtime.h"

namespace cr::cuda {

bool is_compiled() { return true; }

int device_count() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky "no driver" error so later calls start clean
    return 0;
  }
  return n;
}

}  // namespace cr::cuda
