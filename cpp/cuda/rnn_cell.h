// The fused recurrent-cell kernels on a GPU: cpu/rnn_cell.h's contract, same names, on contiguous
// device buffers of `dtype` (float32 or float64), one thread per (row, hidden unit) running
// core/rnn_cell_formulas.h. Pointers marked "or null" may be null.
#pragma once

#include <cstdint>

#include "core/dtype.h"

namespace cr::cuda {

void lstm_cell_forward(DType dtype, const void* x_gates, const void* h_gates, const void* c_prev, int64_t rows,
                       int64_t hidden, void* h, void* c);
// dh, dc or null; d_c_prev may be dc.
void lstm_cell_backward(DType dtype, const void* x_gates, const void* h_gates, const void* c_prev, const void* dh,
                        const void* dc, int64_t rows, int64_t hidden, void* d_gates, void* d_c_prev);
void gru_cell_forward(DType dtype, const void* x_gates, const void* h_gates, const void* h_prev, int64_t rows,
                      int64_t hidden, void* h);
// d_h_prev may be dh.
void gru_cell_backward(DType dtype, const void* x_gates, const void* h_gates, const void* h_prev, const void* dh,
                       int64_t rows, int64_t hidden, void* d_x_gates, void* d_h_gates, void* d_h_prev);
void rnn_cell_forward(DType dtype, const void* x_proj, const void* h_proj, int64_t rows, int64_t hidden, bool relu,
                      void* h);
void rnn_cell_backward(DType dtype, const void* h, const void* dh, int64_t rows, int64_t hidden, bool relu,
                       void* d_pre);

}  // namespace cr::cuda
