// Elementwise kernel drivers: out = f(a), out = f(a, b), out = f(c, a, b) over broadcast, strided
// operands. Contiguous and scalar-broadcast rows get plain loops the compiler vectorizes; other rows
// take the strided loop. Operand 0 is always the output; every operand is seen at the output's
// shape (StridedOperand, core/strided_operand.h). ops/elementwise_kernels.h calls these with tensors.
// Elements are read with loaded() and written with stored() (core/reduced_float.h): float16 and
// bfloat16 operands run float32 formulas, converted element by element.
#pragma once

#include "core/reduced_float.h"
#include "cpu/loops.h"

namespace cr::cpu {

template <typename Out, typename A, typename F>
inline void unary_row(char** p, const int64_t* s, int64_t n, const F& f) {
  Out* o = reinterpret_cast<Out*>(p[0]);
  const A* a = reinterpret_cast<const A*>(p[1]);
  if (s[0] == sizeof(Out) && s[1] == sizeof(A)) {
    for (int64_t i = 0; i < n; ++i) o[i] = stored<Out>(f(loaded(a[i])));
  } else if (s[0] == sizeof(Out) && s[1] == 0) {
    const Out v = stored<Out>(f(loaded(*a)));
    for (int64_t i = 0; i < n; ++i) o[i] = v;
  } else {
    for (int64_t i = 0; i < n; ++i) {
      *reinterpret_cast<Out*>(p[0] + i * s[0]) = stored<Out>(f(loaded(*reinterpret_cast<const A*>(p[1] + i * s[1]))));
    }
  }
}

template <typename Out, typename A, typename B, typename F>
inline void binary_row(char** p, const int64_t* s, int64_t n, const F& f) {
  Out* o = reinterpret_cast<Out*>(p[0]);
  const A* a = reinterpret_cast<const A*>(p[1]);
  const B* b = reinterpret_cast<const B*>(p[2]);
  const bool out_contig = s[0] == sizeof(Out);
  if (out_contig && s[1] == sizeof(A) && s[2] == sizeof(B)) {
    for (int64_t i = 0; i < n; ++i) o[i] = stored<Out>(f(loaded(a[i]), loaded(b[i])));
  } else if (out_contig && s[1] == sizeof(A) && s[2] == 0) {
    const auto bv = loaded(*b);
    for (int64_t i = 0; i < n; ++i) o[i] = stored<Out>(f(loaded(a[i]), bv));
  } else if (out_contig && s[1] == 0 && s[2] == sizeof(B)) {
    const auto av = loaded(*a);
    for (int64_t i = 0; i < n; ++i) o[i] = stored<Out>(f(av, loaded(b[i])));
  } else {
    for (int64_t i = 0; i < n; ++i) {
      *reinterpret_cast<Out*>(p[0] + i * s[0]) = stored<Out>(
          f(loaded(*reinterpret_cast<const A*>(p[1] + i * s[1])), loaded(*reinterpret_cast<const B*>(p[2] + i * s[2]))));
    }
  }
}

template <typename Out, typename C, typename A, typename B, typename F>
inline void ternary_row(char** p, const int64_t* s, int64_t n, const F& f) {
  if (s[0] == sizeof(Out) && s[1] == sizeof(C) && s[2] == sizeof(A) && s[3] == sizeof(B)) {
    Out* o = reinterpret_cast<Out*>(p[0]);
    const C* c = reinterpret_cast<const C*>(p[1]);
    const A* a = reinterpret_cast<const A*>(p[2]);
    const B* b = reinterpret_cast<const B*>(p[3]);
    for (int64_t i = 0; i < n; ++i) o[i] = stored<Out>(f(loaded(c[i]), loaded(a[i]), loaded(b[i])));
  } else {
    for (int64_t i = 0; i < n; ++i) {
      *reinterpret_cast<Out*>(p[0] + i * s[0]) = stored<Out>(f(loaded(*reinterpret_cast<const C*>(p[1] + i * s[1])),
                                                               loaded(*reinterpret_cast<const A*>(p[2] + i * s[2])),
                                                               loaded(*reinterpret_cast<const B*>(p[3] + i * s[3]))));
    }
  }
}

// out[...] = f(a[...]); a broadcasts to out's shape.
template <typename Out, typename A, typename F>
void unary_kernel(const Shape& shape, const StridedOperand& out, const StridedOperand& a, const F& f) {
  auto plan = make_plan<2>(shape, {&out, &a});
  for_each_row(plan, [&](char** p, const int64_t* s, int64_t n) { unary_row<Out, A>(p, s, n, f); });
}

template <typename Out, typename A, typename B, typename F>
void binary_kernel(const Shape& shape, const StridedOperand& out, const StridedOperand& a, const StridedOperand& b,
                   const F& f) {
  auto plan = make_plan<3>(shape, {&out, &a, &b});
  for_each_row(plan, [&](char** p, const int64_t* s, int64_t n) { binary_row<Out, A, B>(p, s, n, f); });
}

// out[...] = f(a[...], b[...]) where f is exact except on rare elements (is_rare(a, b)), which get
// exact(a, b). A row that binary_row vectorizes (contiguous, or one operand broadcast) is checked for
// rare elements in a vectorized pass and, holding none, run through f vectorized; other rows take
// one scalar pass that picks the formula per element. Each element's inputs are read before its
// output is written, so out may be a (in place).
template <typename T, typename F, typename IsRare, typename Exact>
void binary_kernel_with_rare_case(const Shape& shape, const StridedOperand& out, const StridedOperand& a,
                                  const StridedOperand& b, const F& f, const IsRare& is_rare, const Exact& exact) {
  auto plan = make_plan<3>(shape, {&out, &a, &b});
  for_each_row(plan, [&](char** p, const int64_t* s, int64_t n) {
    const T* x = reinterpret_cast<const T*>(p[1]);
    const T* y = reinterpret_cast<const T*>(p[2]);
    int any = 1;  // strided rows take the scalar pass
    if (s[0] == sizeof(T) && s[1] == sizeof(T) && s[2] == sizeof(T)) {
      any = 0;
      for (int64_t i = 0; i < n; ++i) any |= static_cast<int>(is_rare(x[i], y[i]));
    } else if (s[0] == sizeof(T) && s[1] == sizeof(T) && s[2] == 0) {
      any = 0;
      for (int64_t i = 0; i < n; ++i) any |= static_cast<int>(is_rare(x[i], *y));
    } else if (s[0] == sizeof(T) && s[1] == 0 && s[2] == sizeof(T)) {
      any = 0;
      for (int64_t i = 0; i < n; ++i) any |= static_cast<int>(is_rare(*x, y[i]));
    }
    if (!any) return binary_row<T, T, T>(p, s, n, f);
    auto at = [&](int k, int64_t i) -> T& { return *reinterpret_cast<T*>(p[k] + i * s[k]); };
    for (int64_t i = 0; i < n; ++i) {
      const T xi = at(1, i), yi = at(2, i);
      at(0, i) = is_rare(xi, yi) ? exact(xi, yi) : f(xi, yi);
    }
  });
}

template <typename Out, typename C, typename A, typename B, typename F>
void ternary_kernel(const Shape& shape, const StridedOperand& out, const StridedOperand& c, const StridedOperand& a,
                    const StridedOperand& b, const F& f) {
  auto plan = make_plan<4>(shape, {&out, &c, &a, &b});
  for_each_row(plan, [&](char** p, const int64_t* s, int64_t n) { ternary_row<Out, C, A, B>(p, s, n, f); });
}

}  // namespace cr::cpu
