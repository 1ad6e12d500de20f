// Shared by the fused recurrent-cell kernels (lstm_cell.cpp, gru_cell.cpp, simple_rnn_cell.cpp): the
// row loop over an (N, H) step, split across threads when it is large, and the argument checks
// that every cell op makes on its (N, G*H) gate pre-activations.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>

#include "core/error.h"
#include "core/tensor.h"
#include "cpu/parallel.h"

namespace cr::rnn_cell {

// Runs body(n) for each of the `rows` rows of an (N, H) problem whose rows touch about
// `work_per_row` elements, in parallel when the step is large.
template <typename Body>
void for_rows(int64_t rows, int64_t work_per_row, const Body& body) {
  auto range = [&](int64_t b, int64_t e) {
    for (int64_t n = b; n < e; ++n) body(n);
  };
  if (cpu::should_parallelize(rows * work_per_row)) {
    cpu::parallel_for(0, rows, std::max<int64_t>(1, cpu::kMinChunk / work_per_row), range);
  } else {
    range(0, rows);
  }
}

// `what` (e.g. "x_gates") must be an (N, gates * H) tensor of `like`'s floating dtype, where
// `like` is the (N, H) state; `op` names the op in the error.
inline void check_gates(const char* op, const char* what, const Tensor& t, const Tensor& like, int64_t gates) {
  cpu_kernels_device(op, {&t, &like});
  CR_CHECK(t->dim() == 2 && like->dim() == 2 && t->size(0) == like->size(0) && t->size(1) == gates * like->size(1),
           ValueError, op, ": expected ", what, " of shape (N, ", gates == 1 ? "" : std::to_string(gates) + "*",
           "H) for a state (N, H) = ", like->sizes(), ", got ", t->sizes());
  CR_CHECK(t->dtype() == like->dtype() && is_floating(t->dtype()), TypeError, op, ": expected ", what,
           " and the state of one floating dtype, got ", describe(t), " and ", describe(like));
}

}  // namespace cr::rnn_cell
