// The device seam on a machine without a GPU: tensors labelled as CUDA tensors (host memory wrapped
// with a CUDA device, never read) show that ops check their operands' devices before any kernel
// runs, and that the one same-device check speaks PyTorch's words; and the meta device.
#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>
#include <utility>
#include <vector>
#include <string>

#include "core/error.h"
#include "ops/conv.h"
#include "ops/copy.h"
#include "core/random.h"
#include "ops/creation.h"
#include "ops/elementwise.h"
#include "ops/join.h"
#include "ops/matmul.h"
#include "ops/reduce.h"
#include "ops/softmax.h"
#include "ops/view.h"

namespace cr {
namespace {

constexpr Device kCuda{DeviceType::CUDA, 0};

// A float32 tensor of `sizes` labelled as living on `device`; its memory is host memory no kernel
// may touch (the ops under test must refuse before reading it).
Tensor labelled(const Shape& sizes, Device device) {
  const size_t nbytes = static_cast<size_t>(shape_numel(sizes)) * sizeof(float);
  void* memory = std::calloc(nbytes + 1, 1);
  auto storage = Storage::wrap(memory, nbytes, std::shared_ptr<void>(memory, std::free), device);
  return std::make_shared<TensorImpl>(storage, sizes, contiguous_strides(sizes), 0, DType::Float32);
}

// The message of the RuntimeError `call` raises ("" when it raises none).
template <typename Call>
std::string runtime_error_of(Call call) {
  try {
    call();
  } catch (const RuntimeError& e) {
    return e.what();
  }
  return "";
}

TEST(Device, CommonDeviceIsTheOperandsDevice) {
  const Tensor a = zeros({2}, DType::Float32, kCpu), cuda = labelled({2}, kCuda);
  EXPECT_EQ(common_device("add", {&a, &a}), kCpu);
  EXPECT_EQ(common_device("add", {&cuda, &cuda}), kCuda);
  const Tensor none;
  EXPECT_EQ(common_device("linear", {&cuda, &none}), kCuda);  // an absent bias does not vote
}

TEST(Device, ZeroDimCpuTensorsGoWithAnyDevice) {
  const Tensor scalar = zeros({}, DType::Float32, kCpu), cuda = labelled({2}, kCuda);
  EXPECT_EQ(common_device("mul", {&scalar, &cuda}), kCuda);
  EXPECT_EQ(common_device("mul", {&cuda, &scalar}), kCuda);
}

TEST(Device, MixedDevicesNameTheOpAndBothDevices) {
  const Tensor a = zeros({2}, DType::Float32, kCpu), cuda = labelled({2}, kCuda);
  const std::string message = runtime_error_of([&] { common_device("add", {&a, &cuda}); });
  EXPECT_NE(message.find("add: expected all tensors to be on the same device"), std::string::npos) << message;
  EXPECT_NE(message.find("cpu and cuda:0"), std::string::npos) << message;
}

TEST(Device, OpsRefuseMixedDevicesBeforeAnyKernelRuns) {
  const Tensor a = zeros({2, 2}, DType::Float32, kCpu), cuda = labelled({2, 2}, kCuda);
  auto expect_mixed = [](const std::string& message, const char* op) {
    EXPECT_NE(message.find(std::string(op) + ": expected all tensors to be on the same device"), std::string::npos)
        << message;
  };
  expect_mixed(runtime_error_of([&] { binary(BinaryOp::Add, a, cuda); }), "add");
  expect_mixed(runtime_error_of([&] { binary_(BinaryOp::Mul, a, cuda); }), "mul");
  expect_mixed(runtime_error_of([&] { matmul(a, cuda); }), "matmul");
  expect_mixed(runtime_error_of([&] { cat({a, cuda}, 0); }), "cat");
  const Tensor image = zeros({1, 1, 3, 3}, DType::Float32, kCpu), filter = labelled({1, 1, 2, 2}, kCuda);
  expect_mixed(runtime_error_of([&] { conv2d(image, filter, nullptr, {1, 1}, ConvPadding{false, {0, 0}}, {1, 1}, 1); }), "conv2d");
}

// Whatever the op, a tensor on a device its kernels cannot reach is a RuntimeError before any
// memory is read: the family's dispatch point refuses it, or the host-data accessor does.
TEST(Device, NoOpReadsDeviceMemoryOnTheHost) {
  const Tensor cuda = labelled({2, 3}, kCuda);
  const std::vector<std::pair<const char*, std::function<void()>>> calls = {
      {"exp", [&] { unary(UnaryOp::Exp, cuda); }},
      {"clamp", [&] { clamp(cuda, Scalar(0.0), Scalar(1.0)); }},
      {"sum", [&] { sum(cuda, DimList{std::vector<int64_t>{1}}, false); }},
      {"softmax", [&] { softmax(cuda, 1); }},
      {"cumsum", [&] { cumsum(cuda, 1, std::nullopt); }},
      {"contiguous", [&] { contiguous(transpose(cuda, 0, 1)); }},
      {"to_dtype", [&] { to_dtype(cuda, DType::Float64); }},
  };
  // The refusal names the device (a CUDA build: the GPU call fails on cuda:0) or the build (a
  // CPU-only build: "chainrule was built without CUDA", e.g. for cumsum's copy to the host).
  for (const auto& [name, call] : calls) {
    const std::string message = runtime_error_of(call);
    EXPECT_TRUE(message.find("cuda:0") != std::string::npos || message.find("without CUDA") != std::string::npos)
        << name << ": " << message;
  }
}

TEST(Device, AllocationsNameTheirDevice) {
  EXPECT_EQ(zeros({3}, DType::Float32, kCpu)->device(), kCpu);
  // No CUDA allocation yet (no GPU here, or no CUDA in this build, or the backend still to come):
  // asking for one is a RuntimeError naming the op, never a CPU tensor.
  const std::string message = runtime_error_of([&] { zeros({3}, DType::Float32, kCuda); });
  EXPECT_EQ(message.rfind("zeros: ", 0), 0u) << message;
}

// The meta device: shapes, strides and dtypes without memory. Factories, conversions and copies
// into a meta tensor work (and write nothing); every op that needs values refuses with
// NotImplementedError, before any memory would be read.
TEST(Device, MetaTensorsHaveShapesAndNoMemory) {
  const Tensor huge = randn({1 << 20, 1 << 20}, DType::Float32, kMeta, Generator::global());
  EXPECT_EQ(huge->device(), kMeta);
  EXPECT_EQ(huge->storage()->data(), nullptr);
  EXPECT_EQ(huge->storage()->nbytes(), size_t{4} << 40);
  const Tensor meta = to_device(ones({2, 3}, DType::Float32, kCpu), kMeta);
  EXPECT_EQ(meta->sizes(), (Shape{2, 3}));
  EXPECT_EQ(to_dtype(transpose(meta, 0, 1), DType::Float64)->device(), kMeta);
  copy_(meta, ones({3}, DType::Float32, kCpu));  // broadcast, checked, nothing written
  fill_(meta, Scalar(2.0));
  EXPECT_EQ(device_str(kMeta), "meta");
  EXPECT_EQ(parse_device("meta"), kMeta);
}

TEST(Device, NoOpReadsAMetaTensor) {
  const Tensor meta = zeros({2, 3}, DType::Float32, kMeta), cpu = zeros({2, 3}, DType::Float32, kCpu);
  const std::vector<std::pair<const char*, std::function<void()>>> calls = {
      {"exp", [&] { unary(UnaryOp::Exp, meta); }},
      {"add", [&] { binary(BinaryOp::Add, meta, meta); }},
      {"sum", [&] { sum(meta, DimList{std::vector<int64_t>{1}}, false); }},
      {"softmax", [&] { softmax(meta, 1); }},
      {"matmul", [&] { matmul(meta, transpose(meta, 0, 1)); }},
      {"copy out", [&] { copy_(cpu, meta); }},
      {"to cpu", [&] { to_device(meta, kCpu); }},
      {"item", [&] { item(zeros({}, DType::Float32, kMeta)); }},
  };
  for (const auto& [name, call] : calls) {
    const std::string message = runtime_error_of(call);
    EXPECT_NE(message.find("meta"), std::string::npos) << name << ": " << message;
  }
}

}  // namespace
}  // namespace cr
