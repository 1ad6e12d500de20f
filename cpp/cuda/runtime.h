// The CUDA runtime queries the core needs; compiled only when CHAINRULE_CUDA finds nvcc.
#pragma once

namespace cr::cuda {

// Number of visible GPUs; 0 when the driver is missing or too old (never throws).
int device_count();

}  // namespace cr::cuda
