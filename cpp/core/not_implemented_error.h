// NotImplementedError: an op that exists but has no kernel for the operands' dtype, as PyTorch
// raises it ("lshift_cpu" not implemented for 'Float'); Python's NotImplementedError, itself a
// RuntimeError (bindings/types.cpp translates it). Beside core/error.h rather than in it so that
// adding it did not rebuild every file; it belongs there at the next change to that header.
#pragma once

#include "core/error.h"

namespace cr {

struct NotImplementedError : RuntimeError { using RuntimeError::RuntimeError; };

}  // namespace cr
