// Device parsing, and the single switch on whether this build was compiled with CUDA.
#include "core/device.h"

#include "core/error.h"
#ifdef CHAINRULE_WITH_CUDA
#include "cuda/runtime.h"
#endif

namespace cr {

Device parse_device(const std::string& spec) {
  if (spec == "cpu" || spec == "cpu:0") return kCpu;
  if (spec == "cuda") return {DeviceType::CUDA, 0};
  if (spec.rfind("cuda:", 0) == 0 && spec.size() > 5 &&
      spec.find_first_not_of("0123456789", 5) == std::string::npos) {
    return {DeviceType::CUDA, std::stoi(spec.substr(5))};
  }
  CR_FAIL(ValueError, "device: expected 'cpu', 'cuda' or 'cuda:N', got '", spec, "'");
}

std::string device_str(Device d) {
  return d.is_cpu() ? "cpu" : "cuda:" + std::to_string(d.index);
}

int cuda_device_count() {
#ifdef CHAINRULE_WITH_CUDA
  return cuda::device_count();
#else
  return 0;
#endif
}

bool cuda_is_compiled() {
#ifdef CHAINRULE_WITH_CUDA
  return true;
#else
  return false;
#endif
}

void check_device_available(Device d, const char* op) {
  if (d.is_cpu()) return;
  CR_CHECK(cuda_is_compiled(), RuntimeError, op, ": device '", device_str(d),
           "' is not available: chainrule was built without CUDA (CHAINRULE_CUDA=OFF, or no nvcc was found "
           "when it was built; rebuild on a machine with the CUDA toolkit)");
  CR_CHECK(d.index < cuda_device_count(), RuntimeError, op, ": device '", device_str(d),
           "' is not available: this machine has ", cuda_device_count(), " CUDA device(s)");
  CR_FAIL(RuntimeError, op, ": CUDA tensors are not implemented yet; use device='cpu'");
}

}  // namespace cr
