// The caching allocator's bookkeeping: size classes, per-stream pools, statistics, the retry on
// out-of-memory.
#include "core/caching_allocator.h"

#include <algorithm>

#include "core/error.h"

namespace cr {

namespace {

constexpr size_t kSmallGranule = 512;
constexpr size_t kSmallLimit = size_t{1} << 20;  // 1 MiB
constexpr size_t kLargeGranule = size_t{2} << 20;  // 2 MiB

size_t round_up(size_t n, size_t granule) {
  CR_CHECK(n <= SIZE_MAX - granule, RuntimeError, "allocate: ", n, " bytes is more than any device holds");
  return (n + granule - 1) / granule * granule;
}

}  // namespace

size_t CachingAllocator::size_class(size_t nbytes) {
  return nbytes <= kSmallLimit ? round_up(std::max<size_t>(nbytes, 1), kSmallGranule) : round_up(nbytes, kLargeGranule);
}

CachingAllocator::~CachingAllocator() {
  std::lock_guard<std::mutex> lock(mutex_);
  empty_cache_locked();  // blocks still in use belong to live tensors; the process is ending
}

void* CachingAllocator::allocate(size_t nbytes, int64_t stream) {
  if (nbytes == 0) return nullptr;
  const size_t bytes = size_class(nbytes);
  std::lock_guard<std::mutex> lock(mutex_);
  void* block = nullptr;
  auto pool = cached_.find({stream, bytes});
  if (pool != cached_.end() && !pool->second.empty()) {
    block = pool->second.back();
    pool->second.pop_back();
  } else {
    block = from_backend(bytes);
  }
  in_use_.emplace(block, PoolKey{stream, bytes});
  stats_.allocated += bytes;
  stats_.peak_allocated = std::max(stats_.peak_allocated, stats_.allocated);
  return block;
}

void* CachingAllocator::from_backend(size_t bytes) {
  void* block = backend_.allocate(bytes);
  if (!block) {  // give the cached blocks back and try once more, as PyTorch does
    empty_cache_locked();
    block = backend_.allocate(bytes);
  }
  CR_CHECK(block != nullptr, OutOfMemoryError, backend_.name(), " out of memory: tried to allocate ", bytes,
           " bytes; ", stats_.allocated, " bytes are in use by tensors and ", stats_.reserved,
           " reserved by chainrule (free tensors, or use smaller batches)");
  stats_.reserved += bytes;
  stats_.peak_reserved = std::max(stats_.peak_reserved, stats_.reserved);
  ++stats_.backend_allocations;
  return block;
}

void CachingAllocator::release(void* block) {
  if (!block) return;
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = in_use_.find(block);
  CR_CHECK(it != in_use_.end(), RuntimeError, "release: ", block, " was not allocated by this allocator");
  cached_[it->second].push_back(block);
  stats_.allocated -= it->second.second;
  in_use_.erase(it);
}

void CachingAllocator::empty_cache() {
  std::lock_guard<std::mutex> lock(mutex_);
  empty_cache_locked();
}

void CachingAllocator::empty_cache_locked() {
  for (auto& [key, blocks] : cached_) {
    for (void* block : blocks) backend_.release(block);
    stats_.reserved -= key.second * blocks.size();
  }
  cached_.clear();
}

AllocatorStats CachingAllocator::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

void CachingAllocator::reset_peak() {
  std::lock_guard<std::mutex> lock(mutex_);
  stats_.peak_allocated = stats_.allocated;
  stats_.peak_reserved = stats_.reserved;
}

}  // namespace cr
