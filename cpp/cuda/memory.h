// GPU memory for the core: each device's caching allocator (cudaMalloc/cudaFree behind
// core/caching_allocator.h), copies between host and device, and synchronization. Defined in
// memory.cu when CHAINRULE_CUDA finds nvcc, else by no_cuda/unavailable.cpp; core/device.cpp is
// the one caller.
#pragma once

#include <cstddef>
#include <string>

#include "core/caching_allocator.h"

namespace cr::cuda {

CachingAllocator& allocator(int device);
// cudaMemcpy between any two of host and device memory (the runtime finds which from the
// pointers: unified addressing); waits for the copy.
void copy_bytes(void* dst, const void* src, size_t nbytes);
void synchronize(int device);
std::string device_name(int device);

}  // namespace cr::cuda
