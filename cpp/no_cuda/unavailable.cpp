// The CUDA contract (cuda/*.h) in a build without CUDA (CHAINRULE_CUDA=OFF or no nvcc): no device
// is visible, and every call that needs one fails. check_device_available refuses CUDA devices
// before any of these can be reached, so the failures here are a last line, not the message users
// see. Compiled instead of cpp/cuda/*.cu; nothing else asks which build this is.
#include "core/error.h"
#include "cuda/activation.h"
#include "cuda/batch_norm.h"
#include "cuda/conv.h"
#include "cuda/copy.h"
#include "cuda/creation.h"
#include "cuda/cumsum.h"
#include "cuda/dropout.h"
#include "cuda/elementwise.h"
#include "cuda/index.h"
#include "cuda/layer_norm.h"
#include "cuda/matmul.h"
#include "cuda/memory.h"
#include "cuda/optim.h"
#include "cuda/pool.h"
#include "cuda/random.h"
#include "cuda/reduce.h"
#include "cuda/rnn_cell.h"
#include "cuda/runtime.h"
#include "cuda/separable.h"
#include "cuda/sort.h"
#include "cuda/special.h"

namespace cr::cuda {

namespace {
[[noreturn]] void unavailable(const char* call) {
  CR_FAIL(RuntimeError, call, ": chainrule was built without CUDA");
}
}  // namespace

bool is_compiled() { return false; }
int device_count() { return 0; }
DeviceProperties device_properties(int) { unavailable("get_device_properties"); }
std::pair<size_t, size_t> memory_info(int) { unavailable("mem_get_info"); }
void* create_event(int, bool, bool) { unavailable("Event"); }
void destroy_event(void*) {}
void record_event(void*) { unavailable("Event.record"); }
bool query_event(void*) { unavailable("Event.query"); }
void synchronize_event(void*) { unavailable("Event.synchronize"); }
float elapsed_ms(void*, void*) { unavailable("Event.elapsed_time"); }
CachingAllocator& allocator(int) { unavailable("allocator"); }
void copy_bytes(void*, const void*, size_t) { unavailable("copy_bytes"); }
void synchronize(int) { unavailable("synchronize"); }
std::string device_name(int) { unavailable("device_name"); }
void activation_forward(const ActivationParams&, DType, const Shape&, const StridedOperand&, const StridedOperand&) {
  unavailable("activation");
}
void activation_backward(const ActivationParams&, DType, const Shape&, const StridedOperand&, const StridedOperand&,
                         const StridedOperand&) {
  unavailable("activation_backward");
}
void index_read(DType, const void*, const AdvancedOffsets&, void*) { unavailable("index"); }
void index_write(DType, void*, const AdvancedOffsets&, const void*, bool, bool) { unavailable("index_put_"); }
void gather(DType, const Shape&, const StridedOperand&, const StridedOperand&, const StridedOperand&, int64_t) {
  unavailable("gather");
}
void scatter(DType, const Shape&, const StridedOperand&, const StridedOperand&, const StridedOperand&, int64_t, bool) {
  unavailable("scatter");
}
void lstm_cell_forward(DType, const void*, const void*, const void*, int64_t, int64_t, void*, void*) {
  unavailable("lstm_cell");
}
void lstm_cell_backward(DType, const void*, const void*, const void*, const void*, const void*, int64_t, int64_t, void*,
                        void*) {
  unavailable("lstm_cell_backward");
}
void gru_cell_forward(DType, const void*, const void*, const void*, int64_t, int64_t, void*) { unavailable("gru_cell"); }
void gru_cell_backward(DType, const void*, const void*, const void*, const void*, int64_t, int64_t, void*, void*,
                       void*) {
  unavailable("gru_cell_backward");
}
void rnn_cell_forward(DType, const void*, const void*, int64_t, int64_t, bool, void*) { unavailable("rnn_cell"); }
void rnn_cell_backward(DType, const void*, const void*, int64_t, int64_t, bool, void*) {
  unavailable("rnn_cell_backward");
}
void store_bytes(void*, uint64_t, int) { unavailable("scalar_tensor"); }
void arange_fill(DType, void*, int64_t, const ArangeFormula&) { unavailable("arange"); }
void linspace_fill(DType, void*, int64_t, const LinspaceFormula&) { unavailable("linspace"); }
void eye_diagonal(DType, void*, int64_t, int64_t) { unavailable("eye"); }
void special_kernel(SpecialOp, int64_t, DType, const Shape&, const StridedOperand&, const StridedOperand&) {
  unavailable("special");
}
void batch_norm_stats(DType, const void*, const BatchNormShape&, double, double*, double*, double*) {
  unavailable("batch_norm");
}
void batch_norm_apply(DType, const void*, const double*, const double*, const void*, const void*,
                      const BatchNormShape&, void*) {
  unavailable("batch_norm");
}
void batch_norm_update_running(DType, const double*, int64_t, double, double, void*, int64_t) {
  unavailable("batch_norm");
}
void batch_norm_backward(DType, const void*, const void*, const void*, const double*, const double*,
                         const BatchNormShape&, void*, void*, void*) {
  unavailable("batch_norm_backward");
}
void normalize_rows(DType, const void*, const void*, const void*, const RowNormShape&, double, void*, double*,
                    double*) {
  unavailable("layer_norm");
}
void normalize_rows_backward(DType, const void*, const void*, const void*, const double*, const double*,
                             const RowNormShape&, void*, void*, void*) {
  unavailable("layer_norm_backward");
}
void conv_forward(DType, Device, const void*, const void*, const void*, const ConvShape&, void*) {
  unavailable("convolution");
}
void conv_input_grad(DType, Device, const void*, const void*, const ConvShape&, void*) {
  unavailable("convolution_input_grad");
}
void conv_weight_grad(DType, Device, const void*, const void*, const ConvShape&, void*) {
  unavailable("convolution_weight_grad");
}
void max_pool(DType, const void*, const PlaneShape&, const DeviceWindows&, const DeviceWindows&, void*, int64_t*) {
  unavailable("max_pool");
}
void max_pool_backward(DType, const void*, const int64_t*, const PooledPlanes&, void*) {
  unavailable("max_pool_backward");
}
void max_pool_gather(DType, const void*, const int64_t*, const PooledPlanes&, void*) { unavailable("max_pool"); }
void apply_separable(const char* op, DType, const void*, const PlaneShape&, const DeviceAxisMap*, const DeviceAxisMap&,
                     void*) {
  unavailable(op);
}
void copy_kernel(const Shape&, const StridedOperand&, DType, const StridedOperand&, DType) { unavailable("copy_"); }
void unary_kernel(UnaryOp op, const Shape&, const StridedOperand&, const StridedOperand&, DType) {
  unavailable(unary_op_name(op));
}
void binary_kernel(BinaryOp op, const Shape&, const StridedOperand&, const StridedOperand&, const StridedOperand&, DType) {
  unavailable(binary_op_name(op));
}
void reduce_kernel(ReduceKind, DType, const void*, const ReduceLayout&, void*) { unavailable("reduce"); }
void arg_reduce_kernel(bool, DType, const void*, const ReduceLayout&, void*, int64_t*) { unavailable("max"); }
void gemm_batched(DType, int64_t, int64_t, int64_t, int64_t, const GemmOperand&, const GemmOperand&, void*) {
  unavailable("matmul");
}
template <typename T>
void sgd_steps(const std::vector<SgdSlice<T>>&, const SGDOptions&) {
  unavailable("SGD");
}
template <typename T>
void adam_steps(const std::vector<AdamSlice<T>>&, const AdamOptions&) {
  unavailable("Adam");
}
template void sgd_steps<float>(const std::vector<SgdSlice<float>>&, const SGDOptions&);
template void sgd_steps<double>(const std::vector<SgdSlice<double>>&, const SGDOptions&);
template void adam_steps<float>(const std::vector<AdamSlice<float>>&, const AdamOptions&);
template void adam_steps<double>(const std::vector<AdamSlice<double>>&, const AdamOptions&);
template <typename T>
void rmsprop_steps(const std::vector<RMSpropSlice<T>>&, const RMSpropOptions&) {
  unavailable("RMSprop");
}
template void rmsprop_steps<float>(const std::vector<RMSpropSlice<float>>&, const RMSpropOptions&);
template void rmsprop_steps<double>(const std::vector<RMSpropSlice<double>>&, const RMSpropOptions&);
template <typename T>
void adagrad_steps(const std::vector<AdagradSlice<T>>&, const AdagradOptions&) {
  unavailable("Adagrad");
}
template void adagrad_steps<float>(const std::vector<AdagradSlice<float>>&, const AdagradOptions&);
template void adagrad_steps<double>(const std::vector<AdagradSlice<double>>&, const AdagradOptions&);
template <typename T>
void adadelta_steps(const std::vector<AdadeltaSlice<T>>&, const AdadeltaOptions&) {
  unavailable("Adadelta");
}
template void adadelta_steps<float>(const std::vector<AdadeltaSlice<float>>&, const AdadeltaOptions&);
template void adadelta_steps<double>(const std::vector<AdadeltaSlice<double>>&, const AdadeltaOptions&);
template <typename T>
void adamax_steps(const std::vector<AdamaxSlice<T>>&, const AdamaxOptions&) {
  unavailable("Adamax");
}
template void adamax_steps<float>(const std::vector<AdamaxSlice<float>>&, const AdamaxOptions&);
template void adamax_steps<double>(const std::vector<AdamaxSlice<double>>&, const AdamaxOptions&);
template <typename T>
void nadam_steps(const std::vector<NAdamSlice<T>>&, const NAdamOptions&) {
  unavailable("NAdam");
}
template void nadam_steps<float>(const std::vector<NAdamSlice<float>>&, const NAdamOptions&);
template void nadam_steps<double>(const std::vector<NAdamSlice<double>>&, const NAdamOptions&);
template <typename T>
void radam_steps(const std::vector<RAdamSlice<T>>&, const RAdamOptions&) {
  unavailable("RAdam");
}
template void radam_steps<float>(const std::vector<RAdamSlice<float>>&, const RAdamOptions&);
template void radam_steps<double>(const std::vector<RAdamSlice<double>>&, const RAdamOptions&);
template <typename T>
void asgd_steps(const std::vector<ASGDSlice<T>>&, const ASGDOptions&) {
  unavailable("ASGD");
}
template void asgd_steps<float>(const std::vector<ASGDSlice<float>>&, const ASGDOptions&);
template void asgd_steps<double>(const std::vector<ASGDSlice<double>>&, const ASGDOptions&);
template <typename T>
void bernoulli_fill(T*, int64_t, const CounterStream&, double, T) {
  unavailable("dropout");
}
template void bernoulli_fill<float>(float*, int64_t, const CounterStream&, double, float);
template void bernoulli_fill<double>(double*, int64_t, const CounterStream&, double, double);
void uniform_fill(DType, void*, int64_t, const CounterStream&, double, double) { unavailable("uniform_"); }
void normal_fill(DType, void*, int64_t, const CounterStream&, double, double) { unavailable("normal_"); }
void integer_fill(DType, void*, int64_t, const CounterStream&, int64_t, uint64_t) { unavailable("randint"); }
void where_kernel(const Shape&, const StridedOperand&, const StridedOperand&, const StridedOperand&,
                  const StridedOperand&, DType) {
  unavailable("where");
}

template <typename T>
void cumsum_in_place(Device, T*, const CumsumShape&) {
  unavailable("cumsum");
}
template void cumsum_in_place<float>(Device, float*, const CumsumShape&);
template void cumsum_in_place<double>(Device, double*, const CumsumShape&);
template void cumsum_in_place<int64_t>(Device, int64_t*, const CumsumShape&);

void sort_lines(DType, Device, const void*, int64_t, int64_t, bool, int64_t*) { unavailable("sort"); }
void search_sorted(DType, const void*, const int64_t*, const void*, const SearchShape&, bool, int64_t*) {
  unavailable("searchsorted");
}

}  // namespace cr::cuda
