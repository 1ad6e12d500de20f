// Where a tensor lives: the CPU, or a CUDA device when chainrule was built with CUDA.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

namespace cr {

enum class DeviceType : uint8_t { CPU = 0, CUDA = 1 };

struct Device {
  DeviceType type = DeviceType::CPU;
  int index = 0;
  bool operator==(const Device& o) const { return type == o.type && index == o.index; }
  bool operator!=(const Device& o) const { return !(*this == o); }
  bool is_cpu() const { return type == DeviceType::CPU; }
};

inline constexpr Device kCpu{DeviceType::CPU, 0};

// Parses "cpu", "cuda", "cuda:1"; ValueError for anything else.
Device parse_device(const std::string& spec);
std::string device_str(Device d);  // "cpu", "cuda:0"
inline std::ostream& operator<<(std::ostream& os, Device d) { return os << device_str(d); }

// Whether this build was compiled with CUDA, and how many GPUs it sees (0 without CUDA).
bool cuda_is_compiled();
int cuda_device_count();
// RuntimeError naming the op when `d` cannot hold tensors in this build or on this machine.
void check_device_available(Device d, const char* op);

}  // namespace cr
