// Finds and loads libcublas.so.13: the dynamic loader's search first (LD_LIBRARY_PATH, the system),
// then the nvidia-cublas wheel beside this package (site-packages/nvidia/cu13/lib), found from
// where chainrule's own extension was loaded.
#include <dlfcn.h>

#include <mutex>
#include <string>

#include "core/error.h"
#include "cuda/cublas_library.h"

namespace cr::cuda {

namespace {

void* open_cublas() {
  if (void* lib = dlopen("libcublas.so.13", RTLD_NOW | RTLD_GLOBAL)) return lib;
  Dl_info self{};
  if (dladdr(reinterpret_cast<void*>(&open_cublas), &self) && self.dli_fname) {
    std::string path = self.dli_fname;  // .../site-packages/chainrule/_C....so
    for (int up = 0; up < 2 && path.rfind('/') != std::string::npos; ++up) path.resize(path.rfind('/'));
    const std::string wheel = path + "/nvidia/cu13/lib/";
    dlopen((wheel + "libcublasLt.so.13").c_str(), RTLD_NOW | RTLD_GLOBAL);  // libcublas needs it first
    if (void* lib = dlopen((wheel + "libcublas.so.13").c_str(), RTLD_NOW | RTLD_GLOBAL)) return lib;
  }
  CR_FAIL(RuntimeError, "matmul on CUDA needs cuBLAS (libcublas.so.13), which was not found: pip install "
          "nvidia-cublas (or chainrule[cuda]), or put its folder on LD_LIBRARY_PATH");
}

template <typename Fn>
void bind(void* lib, Fn& fn, const char* name) {
  fn = reinterpret_cast<Fn>(dlsym(lib, name));
  CR_CHECK(fn != nullptr, RuntimeError, "cuBLAS (libcublas.so.13) has no ", name, "; it may be too old");
}

}  // namespace

const CublasLibrary& cublas() {
  static const CublasLibrary library = [] {
    void* lib = open_cublas();
    CublasLibrary l{};
    bind(lib, l.create, "cublasCreate_v2");
    bind(lib, l.sgemm_strided_batched, "cublasSgemmStridedBatched");
    bind(lib, l.dgemm_strided_batched, "cublasDgemmStridedBatched");
    return l;
  }();
  return library;
}

CublasHandle cublas_handle() {
  thread_local CublasHandle handle = nullptr;  // one per thread, as cuBLAS advises; device 0 until set_device exists
  if (!handle) {
    const CublasStatus status = cublas().create(&handle);
    CR_CHECK(status == 0, RuntimeError, "cuBLAS could not start (cublasCreate returned ", status, ")");
  }
  return handle;
}

}  // namespace cr::cuda
