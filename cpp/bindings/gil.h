// The GIL around heavy C++ work: the one place where bindings let other Python threads run while
// a kernel computes (a 2048x2048 matmul, a convolution, a backward pass, an optimizer step).
//
// Rule: code that runs without the GIL touches no Python object (no py::object, no refcount, no
// PyErr_*). The adaptors here check it where they can: `without_gil(f)` refuses, at compile time,
// a function that takes or returns a pybind11 type; `run_without_gil(fn, work...)` is for the C++
// call inside a binding that converted its Python arguments first, and its lambda must capture
// only C++ values. C++ that calls back into Python from such a region (autograd hooks, a Python
// autograd.Function's backward) holds a PythonCallable and takes the GIL itself
// (py::gil_scoped_acquire) for the call.
//
// Small ops keep the GIL: releasing it costs little, but getting it back waits for whichever thread
// took it (up to sys.getswitchinterval(), 5 ms by default), which would slow a loop of small ops
// beside a busy Python thread. Only work on at least kHeavyWork elements (or GilRelease::Always,
// for a whole backward pass) lets go.
//
// What two Python threads may now run at once in C++, and what keeps it safe: the global Generator
// is locked for each op's draws (core/random.h); backward passes write .grad under
// grad_accumulation_mutex (autograd/node.h); grad mode is per thread; anomaly mode, the default
// dtype and the thread count are atomics; storages are shared_ptrs. Two threads writing the same
// tensors, or editing hooks of a graph that another thread runs backward through, race as they do
// in PyTorch.
#pragma once

#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "autograd/node.h"
#include "bindings/convert.h"

namespace cr::bind {

// Elements (summed over the tensor arguments) from which an op runs without the GIL: a 128x128
// matrix; below this an op takes microseconds.
constexpr int64_t kHeavyWork = 16384;

enum class GilRelease { IfHeavy, Always };

// a + b, saturating: work is only compared with kHeavyWork (two expanded 2**62-element views add
// past int64).
inline int64_t add_work(int64_t a, int64_t b) {
  int64_t total;
  return __builtin_add_overflow(a, b, &total) ? INT64_MAX : total;
}

inline int64_t work_of(const Tensor& t) { return t ? t->numel() : 0; }
inline int64_t work_of(const std::optional<Tensor>& t) { return t ? work_of(*t) : 0; }
inline int64_t work_of(const TensorList& ts) {
  int64_t n = 0;
  for (const Tensor& t : ts) n = add_work(n, work_of(t));
  return n;
}
inline int64_t work_of(const std::vector<std::optional<Tensor>>& ts) {
  int64_t n = 0;
  for (const auto& t : ts) n = add_work(n, work_of(t));
  return n;
}
// Work counted by the caller (the samples a random factory draws).
struct Elements {
  int64_t count;
};
inline int64_t work_of(Elements e) { return e.count; }
// The elements of a shape, saturating (an impossible size is the op's own error, raised later).
inline Elements elements_of(const Shape& sizes) {
  int64_t n = 1;
  for (int64_t s : sizes) {
    if (s <= 0) return {0};
    n = n > INT64_MAX / s ? INT64_MAX : n * s;
  }
  return {n};
}
template <typename T>
int64_t work_of(const T&) {  // numbers, shapes, strings, options: no work of their own
  return 0;
}

template <typename T>
constexpr bool is_python_type = std::is_base_of_v<py::handle, std::decay_t<T>>;

// fn() with the GIL released when `policy` is Always or the work tensors hold at least kHeavyWork
// elements. An exception from fn() propagates with the GIL held again.
template <typename Fn, typename... Work>
auto run_without_gil(GilRelease policy, const Fn& fn, const Work&... work) {
  static_assert(!is_python_type<decltype(fn())>, "run_without_gil: fn must not return a Python object");
  int64_t total = 0;
  ((total = add_work(total, work_of(work))), ...);
  std::optional<py::gil_scoped_release> released;
  if (policy == GilRelease::Always || total >= kHeavyWork) released.emplace();
  return fn();
}

template <typename Fn, typename... Work>
auto run_without_gil(const Fn& fn, const Work&... work) {
  return run_without_gil(GilRelease::IfHeavy, fn, work...);
}

namespace detail {
template <typename F, typename R, typename... Args>
auto without_gil(F f, GilRelease policy) {
  static_assert(!(is_python_type<Args> || ...), "without_gil: a function run without the GIL cannot take Python objects");
  static_assert(!is_python_type<R>, "without_gil: a function run without the GIL cannot return a Python object");
  return [f = std::move(f), policy](Args... args) -> R {
    return run_without_gil(policy, [&]() -> R { return f(std::forward<Args>(args)...); }, args...);
  };
}
template <typename F, typename R, typename C, typename... Args>
auto without_gil_member(F f, GilRelease policy, R (C::*)(Args...) const) {
  return without_gil<F, R, Args...>(std::move(f), policy);
}
}  // namespace detail

// A bindable function with f's signature that runs f without the GIL (see run_without_gil): for a
// function pointer or a lambda whose arguments are C++ types (tensors, shapes, numbers, strings).
template <typename R, typename... Args>
auto without_gil(R (*f)(Args...), GilRelease policy = GilRelease::IfHeavy) {
  return detail::without_gil<R (*)(Args...), R, Args...>(f, policy);
}
template <typename F>
auto without_gil(F f, GilRelease policy = GilRelease::IfHeavy) {
  return detail::without_gil_member(std::move(f), policy, &F::operator());
}

// A Python object that C++ code (the autograd graph) may copy and destroy without the GIL: the
// reference is dropped under the GIL. Use it only with the GIL held (py::gil_scoped_acquire).
template <typename Object>
class GilSafe {
 public:
  explicit GilSafe(Object object)
      : object_(new Object(std::move(object)), [](Object* p) {
          if (!Py_IsInitialized()) return;  // interpreter gone: nothing left to release
          py::gil_scoped_acquire gil;
          delete p;
        }) {}
  const Object& get() const { return *object_; }

 private:
  std::shared_ptr<Object> object_;
};
using PythonCallable = GilSafe<py::function>;

}  // namespace cr::bind
