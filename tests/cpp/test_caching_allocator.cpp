// The caching allocator's policy on a counting fake backend (host memory with a capacity): reuse
// per size class and stream, no backend calls once a repeated step is warm, the statistics
// chainrule.cuda reports, empty_cache, and the retry and error when the backend runs out.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "core/caching_allocator.h"
#include "core/error.h"

namespace cr {
namespace {

class FakeBackend : public DeviceMemoryBackend {
 public:
  explicit FakeBackend(size_t capacity) : capacity_(capacity) {}
  ~FakeBackend() override { EXPECT_TRUE(sizes_.empty()) << sizes_.size() << " blocks never released"; }
  void* allocate(size_t nbytes) override {
    if (used_ + nbytes > capacity_) return nullptr;
    void* block = std::malloc(nbytes);
    sizes_[block] = nbytes;
    used_ += nbytes;
    ++allocations;
    return block;
  }
  void release(void* block) override {
    used_ -= sizes_.at(block);
    sizes_.erase(block);
    std::free(block);
    ++releases;
  }
  const char* name() const override { return "fake:0"; }
  int allocations = 0, releases = 0;

 private:
  size_t capacity_, used_ = 0;
  std::map<void*, size_t> sizes_;
};

constexpr size_t kMiB = size_t{1} << 20;

TEST(CachingAllocator, SizeClassesFollowPytorch) {
  EXPECT_EQ(CachingAllocator::size_class(1), 512u);
  EXPECT_EQ(CachingAllocator::size_class(512), 512u);
  EXPECT_EQ(CachingAllocator::size_class(513), 1024u);
  EXPECT_EQ(CachingAllocator::size_class(kMiB), kMiB);
  EXPECT_EQ(CachingAllocator::size_class(kMiB + 1), 2 * kMiB);
  EXPECT_EQ(CachingAllocator::size_class(5 * kMiB + 7), 6 * kMiB);
  EXPECT_THROW(CachingAllocator::size_class(SIZE_MAX - 3), RuntimeError);
}

TEST(CachingAllocator, ARepeatedStepAsksTheBackendForNothingOnceWarm) {
  FakeBackend backend(64 * kMiB);
  CachingAllocator allocator(backend);
  const std::vector<size_t> step = {100, 4096, 3 * kMiB, 100, 70000, 4096};  // one step's tensors
  for (int iteration = 0; iteration < 5; ++iteration) {
    std::vector<void*> live;
    for (size_t n : step) live.push_back(allocator.allocate(n));
    for (void* block : live) allocator.release(block);
    if (iteration == 0) EXPECT_EQ(backend.allocations, 6);
  }
  EXPECT_EQ(backend.allocations, 6) << "later steps reuse the cached blocks";
  const AllocatorStats stats = allocator.stats();
  EXPECT_EQ(stats.allocated, 0u);
  EXPECT_EQ(stats.reserved, 2 * 512 + 2 * 4096 + 70144 + 4 * kMiB);
  EXPECT_EQ(stats.peak_allocated, stats.reserved);
  allocator.empty_cache();
  EXPECT_EQ(allocator.stats().reserved, 0u);
  EXPECT_EQ(allocator.stats().peak_reserved, stats.reserved);
  EXPECT_EQ(backend.releases, 6);
}

TEST(CachingAllocator, BlocksAreReusedOnlyWithinTheirStream) {
  FakeBackend backend(kMiB);
  CachingAllocator allocator(backend);
  void* a = allocator.allocate(1000, /*stream=*/0);
  allocator.release(a);
  void* b = allocator.allocate(1000, /*stream=*/1);
  EXPECT_NE(a, b);
  EXPECT_EQ(allocator.allocate(1000, /*stream=*/0), a);
  allocator.release(a);
  allocator.release(b);
}

TEST(CachingAllocator, PeakAndCurrentBytesAreReportedAndResettable) {
  FakeBackend backend(kMiB);
  CachingAllocator allocator(backend);
  void* a = allocator.allocate(1000);
  void* b = allocator.allocate(3000);
  EXPECT_EQ(allocator.stats().allocated, 1024u + 3072u);
  allocator.release(b);
  EXPECT_EQ(allocator.stats().allocated, 1024u);
  EXPECT_EQ(allocator.stats().peak_allocated, 1024u + 3072u);
  allocator.reset_peak();
  EXPECT_EQ(allocator.stats().peak_allocated, 1024u);
  allocator.release(a);
  EXPECT_EQ(allocator.allocate(0), nullptr);
}

TEST(CachingAllocator, OutOfMemoryEmptiesTheCacheRetriesThenNamesTheFigures) {
  FakeBackend backend(8 * kMiB);
  CachingAllocator allocator(backend);
  allocator.release(allocator.allocate(6 * kMiB));  // cached, holding 6 of the 8 MiB
  void* big = allocator.allocate(4 * kMiB);         // fits only after the cache is emptied
  EXPECT_NE(big, nullptr);
  EXPECT_EQ(backend.releases, 1);
  try {
    allocator.allocate(6 * kMiB);
    FAIL() << "expected out of memory";
  } catch (const OutOfMemoryError& e) {  // chainrule.OutOfMemoryError in Python, a RuntimeError
    const std::string message = e.what();
    EXPECT_NE(message.find("fake:0 out of memory: tried to allocate 6291456 bytes"), std::string::npos) << message;
    EXPECT_NE(message.find("4194304 bytes are in use"), std::string::npos) << message;
  }
  allocator.release(big);
}

TEST(CachingAllocator, ReleasingAForeignPointerIsAnError) {
  FakeBackend backend(kMiB);
  CachingAllocator allocator(backend);
  int local = 0;
  EXPECT_THROW(allocator.release(&local), RuntimeError);
  allocator.release(nullptr);
}

}  // namespace
}  // namespace cr
