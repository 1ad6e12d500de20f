// Typed errors for the whole core. Every check names the op, the shapes or dtypes involved and the
// rule that failed; the bindings translate each type to the Python exception of the same name.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace cr {

struct ValueError : std::runtime_error { using std::runtime_error::runtime_error; };
struct TypeError : std::runtime_error { using std::runtime_error::runtime_error; };
// An operand's dtype the op does not take (an int64 input to softmax, a float mask): Python's
// chainrule.DTypeError, both a TypeError and the RuntimeError PyTorch raises for the same mistake,
// so `except RuntimeError` in a PyTorch program catches it.
struct DTypeError : TypeError { using TypeError::TypeError; };
struct IndexError : std::runtime_error { using std::runtime_error::runtime_error; };
struct RuntimeError : std::runtime_error { using std::runtime_error::runtime_error; };
// A GPU's memory is exhausted even after its cache was emptied: chainrule.OutOfMemoryError, a
// RuntimeError, as torch.OutOfMemoryError (torch.cuda.OutOfMemoryError).
struct OutOfMemoryError : RuntimeError { using RuntimeError::RuntimeError; };
// An op that exists but has no kernel for the operands' dtype, as PyTorch raises it ("lshift_cpu"
// not implemented for 'Float'): Python's NotImplementedError, itself a RuntimeError.
struct NotImplementedError : RuntimeError { using RuntimeError::RuntimeError; };

// Concatenates anything with an operator<< into one string.
template <typename... Args>
std::string str_cat(Args&&... args) {
  std::ostringstream os;
  (os << ... << std::forward<Args>(args));
  return os.str();
}

}  // namespace cr

// CR_CHECK(cond, ValueError, "matmul: cannot multiply ", a, " by ", b);
#define CR_CHECK(cond, ErrorType, ...)                          \
  do {                                                          \
    if (!(cond)) throw ::cr::ErrorType(::cr::str_cat(__VA_ARGS__)); \
  } while (0)

#define CR_FAIL(ErrorType, ...) throw ::cr::ErrorType(::cr::str_cat(__VA_ARGS__))
