// The CUDA runtime queries the core needs. Defined in runtime.cu when CHAINRULE_CUDA finds nvcc,
// else by no_cuda/unavailable.cpp (no device, not compiled).
#pragma once

namespace cr::cuda {

// Whether this build compiled the CUDA sources.
bool is_compiled();
// Number of visible GPUs; 0 when the driver is missing or too old (never throws).
int device_count();

}  // namespace cr::cuda
