// The fused recurrent-cell kernels on a GPU (cuda/rnn_cell.h): one thread per element.
#include "core/rnn_cell_formulas.h"
#include "cuda/device_math.cuh"
#include "cuda/rnn_cell.h"
#include "cuda/strided_launch.cuh"

namespace cr::cuda {

namespace {

template <typename T>
struct LstmForward {
  const T *x_gates, *h_gates, *c_prev;
  int64_t hidden;
  T *h, *c;
  __device__ void operator()(int64_t i) const {
    lstm_forward_at<T, DeviceMath>(x_gates, h_gates, c_prev, hidden, i / hidden, i % hidden, h, c);
  }
};

template <typename T>
struct LstmBackward {
  const T *x_gates, *h_gates, *c_prev, *dh, *dc;
  int64_t hidden;
  T *d_gates, *d_c_prev;
  __device__ void operator()(int64_t i) const {
    lstm_backward_at<T, DeviceMath>(x_gates, h_gates, c_prev, dh, dc, hidden, i / hidden, i % hidden, d_gates,
                                    d_c_prev);
  }
};

template <typename T>
struct GruForward {
  const T *x_gates, *h_gates, *h_prev;
  int64_t hidden;
  T* h;
  __device__ void operator()(int64_t i) const {
    gru_forward_at<T, DeviceMath>(x_gates, h_gates, h_prev, hidden, i / hidden, i % hidden, h);
  }
};

template <typename T>
struct GruBackward {
  const T *x_gates, *h_gates, *h_prev, *dh;
  int64_t hidden;
  T *d_x_gates, *d_h_gates, *d_h_prev;
  __device__ void operator()(int64_t i) const {
    gru_backward_at<T, DeviceMath>(x_gates, h_gates, h_prev, dh, hidden, i / hidden, i % hidden, d_x_gates, d_h_gates,
                                   d_h_prev);
  }
};

template <typename T>
struct RnnForward {
  const T *x_proj, *h_proj;
  bool relu;
  T* h;
  __device__ void operator()(int64_t i) const { rnn_forward_at<T, DeviceMath>(x_proj, h_proj, relu, i, h); }
};

template <typename T>
struct RnnBackward {
  const T *h, *dh;
  bool relu;
  T* d_pre;
  __device__ void operator()(int64_t i) const { rnn_backward_at(h, dh, relu, i, d_pre); }
};

template <typename T>
const T* in(const void* p) { return static_cast<const T*>(p); }
template <typename T>
T* out(void* p) { return static_cast<T*>(p); }

}  // namespace

void lstm_cell_forward(DType dtype, const void* x_gates, const void* h_gates, const void* c_prev, int64_t rows,
                       int64_t hidden, void* h, void* c) {
  with_floating(dtype, [&](auto t) {
    using T = decltype(t);
    launch_indexed("lstm_cell", rows * hidden,
                   LstmForward<T>{in<T>(x_gates), in<T>(h_gates), in<T>(c_prev), hidden, out<T>(h), out<T>(c)});
  });
}

void lstm_cell_backward(DType dtype, const void* x_gates, const void* h_gates, const void* c_prev, const void* dh,
                        const void* dc, int64_t rows, int64_t hidden, void* d_gates, void* d_c_prev) {
  with_floating(dtype, [&](auto t) {
    using T = decltype(t);
    launch_indexed("lstm_cell_backward", rows * hidden,
                   LstmBackward<T>{in<T>(x_gates), in<T>(h_gates), in<T>(c_prev), in<T>(dh), in<T>(dc), hidden,
                                   out<T>(d_gates), out<T>(d_c_prev)});
  });
}

void gru_cell_forward(DType dtype, const void* x_gates, const void* h_gates, const void* h_prev, int64_t rows,
                      int64_t hidden, void* h) {
  with_floating(dtype, [&](auto t) {
    using T = decltype(t);
    launch_indexed("gru_cell", rows * hidden,
                   GruForward<T>{in<T>(x_gates), in<T>(h_gates), in<T>(h_prev), hidden, out<T>(h)});
  });
}

void gru_cell_backward(DType dtype, const void* x_gates, const void* h_gates, const void* h_prev, const void* dh,
                       int64_t rows, int64_t hidden, void* d_x_gates, void* d_h_gates, void* d_h_prev) {
  with_floating(dtype, [&](auto t) {
    using T = decltype(t);
    launch_indexed("gru_cell_backward", rows * hidden,
                   GruBackward<T>{in<T>(x_gates), in<T>(h_gates), in<T>(h_prev), in<T>(dh), hidden, out<T>(d_x_gates),
                                  out<T>(d_h_gates), out<T>(d_h_prev)});
  });
}

void rnn_cell_forward(DType dtype, const void* x_proj, const void* h_proj, int64_t rows, int64_t hidden, bool relu,
                      void* h) {
  with_floating(dtype, [&](auto t) {
    using T = decltype(t);
    launch_indexed("rnn_cell", rows * hidden, RnnForward<T>{in<T>(x_proj), in<T>(h_proj), relu, out<T>(h)});
  });
}

void rnn_cell_backward(DType dtype, const void* h, const void* dh, int64_t rows, int64_t hidden, bool relu,
                       void* d_pre) {
  with_floating(dtype, [&](auto t) {
    using T = decltype(t);
    launch_indexed("rnn_cell_backward", rows * hidden, RnnBackward<T>{in<T>(h), in<T>(dh), relu, out<T>(d_pre)});
  });
}

}  // namespace cr::cuda
