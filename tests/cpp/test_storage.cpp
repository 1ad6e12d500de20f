// Storage's in-place memory changes: grow keeps the old bytes as a prefix for every holder and
// refuses wrapped memory; move_to_shared_memory keeps the bytes in a shared-memory file that another
// mapping (map_shared_memory, as a receiving process makes) reads and writes.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>

#include "core/error.h"
#include "core/storage.h"

using namespace cr;

namespace {

std::shared_ptr<Storage> storage_of(const char* text) {
  auto s = Storage::allocate(std::strlen(text), kCpu);
  std::memcpy(s->data(), text, std::strlen(text));
  return s;
}

}  // namespace

TEST(Storage, GrowKeepsThePrefixInTheSameStorage) {
  auto s = storage_of("abcd");
  std::shared_ptr<Storage> holder = s;  // another tensor's handle on the same storage
  s->grow(3, "t");                      // smaller: nothing changes
  EXPECT_EQ(s->nbytes(), 4u);
  s->grow(1000, "t");
  EXPECT_EQ(holder->nbytes(), 1000u);
  EXPECT_EQ(std::memcmp(holder->data(), "abcd", 4), 0);
  EXPECT_TRUE(s->resizable());
}

TEST(Storage, WrappedMemoryCannotGrow) {
  char buffer[4] = {};
  auto s = Storage::wrap(buffer, sizeof(buffer), std::shared_ptr<void>(buffer, [](void*) {}), kCpu);
  EXPECT_FALSE(s->resizable());
  s->grow(2, "t");
  EXPECT_THROW(s->grow(8, "t"), RuntimeError);
}

TEST(Storage, SharedMemoryKeepsTheBytesAndIsSeenByAnotherMapping) {
  auto s = storage_of("abcd");
  const uint64_t version = s->version();
  s->move_to_shared_memory("t");
  EXPECT_TRUE(s->is_shared());
  EXPECT_FALSE(s->resizable());
  EXPECT_EQ(s->version(), version);
  EXPECT_EQ(std::memcmp(s->data(), "abcd", 4), 0);
  EXPECT_THROW(s->grow(8, "t"), RuntimeError);
  ASSERT_GE(s->shared_memory_fd(), 0);
  auto other = Storage::map_shared_memory(s->shared_memory_fd(), 4, "t");
  static_cast<char*>(other->data())[0] = 'z';
  EXPECT_EQ(static_cast<char*>(s->data())[0], 'z');
  EXPECT_TRUE(other->is_shared());
  EXPECT_NE(other->shared_memory_fd(), s->shared_memory_fd());  // its own duplicate
}
