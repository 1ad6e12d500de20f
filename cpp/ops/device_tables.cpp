// The cache of device tables (ops/device_tables.h): keyed by device, dtype and the values' bytes.
#include "ops/device_tables.h"

#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include "ops/copy.h"

namespace cr {

namespace {

constexpr size_t kMaxTables = 512;

template <typename T>
Tensor upload(const std::vector<T>& values, DType dtype, Device device) {
  Tensor host = TensorImpl::empty({static_cast<int64_t>(values.size())}, dtype, kCpu);
  if (!values.empty()) std::memcpy(host->raw_data(), values.data(), values.size() * sizeof(T));
  return to_device(host, device);
}

template <typename T>
Tensor cached_table(const std::vector<T>& values, DType dtype, Device device) {
  static std::mutex mutex;
  static std::map<std::tuple<int, int, DType, std::string>, Tensor> tables;
  std::string bytes(values.size() * sizeof(T), '\0');
  if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  auto key = std::make_tuple(static_cast<int>(device.type), device.index, dtype, std::move(bytes));
  std::lock_guard<std::mutex> lock(mutex);
  if (auto found = tables.find(key); found != tables.end()) return found->second;
  Tensor table = upload(values, dtype, device);
  // Dropping the tables is safe for kernels already queued: their blocks return to the caching
  // allocator, which hands them out only to work queued after them on the same stream.
  if (tables.size() >= kMaxTables) tables.clear();
  tables.emplace(std::move(key), table);
  return table;
}

}  // namespace

Tensor device_table(const std::vector<int64_t>& values, Device device) {
  return cached_table(values, DType::Int64, device);
}

Tensor device_copy(const std::vector<int64_t>& values, Device device) { return upload(values, DType::Int64, device); }

Tensor device_table(const std::vector<double>& values, Device device) {
  return cached_table(values, DType::Float64, device);
}

}  // namespace cr
