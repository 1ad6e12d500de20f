// im2col / col2im (Caffe style) for 2-D convolutions: the patches a kernel visits, laid out as a
// matrix so that a convolution becomes one GEMM. 1-D convolutions use them with height 1.
#pragma once

#include <cstdint>

#include "core/conv_window.h"  // Window2d

namespace cr::cpu {

// x is (C, H, W) contiguous; col is (C * kh * kw, OH * OW) with rows col_ld >= OH * OW apart (a
// wider col_ld lets several samples' columns sit side by side): row (c, i, j) holds, for every
// output position, the input under tap (i, j) of channel c (0 where the tap falls in the padding).
template <typename T>
void im2col(const T* x, int64_t channels, const Window2d& w, T* col, int64_t col_ld);

// The adjoint of im2col: x (C, H, W) is overwritten with the sum, over every column entry, of
// that entry added to the input element it was read from (padding taps are dropped).
template <typename T>
void col2im(const T* col, int64_t col_ld, int64_t channels, const Window2d& w, T* x);

}  // namespace cr::cpu
