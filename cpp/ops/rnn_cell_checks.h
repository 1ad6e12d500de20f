// The argument check every recurrent-cell op (lstm_cell.cpp, gru_cell.cpp, simple_rnn_cell.cpp)
// makes on its (N, G*H) gate pre-activations before running a kernel of cpu/rnn_cell.h.
#pragma once

#include <string>

#include "core/error.h"
#include "core/tensor.h"

namespace cr::rnn_cell {

// `what` (e.g. "x_gates") must be an (N, gates * H) tensor of `like`'s floating dtype, where
// `like` is the (N, H) state; `op` names the op in the error.
inline void check_gates(const char* op, const char* what, const Tensor& t, const Tensor& like, int64_t gates) {
  common_device(op, {&t, &like});
  CR_CHECK(t->dim() == 2 && like->dim() == 2 && t->size(0) == like->size(0) && t->size(1) == gates * like->size(1),
           ValueError, op, ": expected ", what, " of shape (N, ", gates == 1 ? "" : std::to_string(gates) + "*",
           "H) for a state (N, H) = ", like->sizes(), ", got ", t->sizes());
  CR_CHECK(t->dtype() == like->dtype() && is_floating(t->dtype()), DTypeError, op, ": expected ", what,
           " and the state of one floating dtype, got ", describe(t), " and ", describe(like));
}

}  // namespace cr::rnn_cell
