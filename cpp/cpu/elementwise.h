// Elementwise kernel drivers: out = f(a), out = f(a, b), out = f(c, a, b) over broadcast, strided
// operands. Contiguous and scalar-broadcast rows get plain loops the compiler vectorizes; other rows
// take the strided loop. Operand 0 is always the output; every operand is seen at the output's
// shape (StridedOperand, core/strided_operand.h). ops/elementwise_kernels.h calls these with tensors.
// Elements are read with loaded() and written with stored() (core/reduced_float.h): float16 and
// bfloat16 operands run float32 formulas, converted element by element.
#pragma once

#include <algorithm>
#include <type_traits>

#include "core/reduced_float.h"
#include "cpu/loops.h"
#include "cpu/reduced_float_copy.h"

namespace cr::cpu {

// float16 operands: x86 has no one-element conversion that the compiler vectorizes, so a row with a
// float16 operand runs in blocks. Its float16 inputs are widened into float32 buffers first (eight
// per F16C instruction, cpu/reduced_float_copy.h), the row runs on float32, and a float16 output is
// narrowed after, so the formula's loop still vectorizes. (bfloat16 converts by a shift, in the loop.)
template <typename T>
using computed_t = std::conditional_t<std::is_same_v<T, Half>, float, T>;

inline void widen_block(const char* in, int64_t stride, int64_t m, float* out) {
  if (stride == sizeof(Half)) return half_to_float(reinterpret_cast<const Half*>(in), out, m);
  for (int64_t i = 0; i < m; ++i) out[i] = to_float(*reinterpret_cast<const Half*>(in + i * stride));
}

inline void narrow_block(const float* in, char* out, int64_t stride, int64_t m) {
  if (stride == sizeof(Half)) return float_to_half(in, reinterpret_cast<Half*>(out), m);
  for (int64_t i = 0; i < m; ++i) *reinterpret_cast<Half*>(out + i * stride) = to_half(in[i]);
}

// row(q, qs, m) over blocks of the row p, s, n whose operands of types Ts (output first) that are
// float16 are seen as float32 buffers. Every input is read before the block's output is written, so
// the output may be an input (in-place ops).
template <typename... Ts, typename Row>
void run_in_half_blocks(char** p, const int64_t* s, int64_t n, const Row& row) {
  constexpr int kOperands = sizeof...(Ts);
  constexpr int64_t kBlock = 512;
  constexpr bool is_half[kOperands] = {std::is_same_v<Ts, Half>...};
  alignas(64) float buffers[kOperands][kBlock];
  for (int64_t start = 0; start < n; start += kBlock) {
    const int64_t m = std::min(kBlock, n - start);
    char* q[kOperands];
    int64_t qs[kOperands];
    for (int k = 0; k < kOperands; ++k) {
      char* at = p[k] + start * s[k];
      q[k] = is_half[k] ? reinterpret_cast<char*>(buffers[k]) : at;
      qs[k] = is_half[k] && s[k] != 0 ? int64_t{sizeof(float)} : s[k];
      if (is_half[k] && k > 0) widen_block(at, s[k], s[k] == 0 ? 1 : m, buffers[k]);
    }
    row(q, qs, m);
    if (is_half[0]) narrow_block(buffers[0], p[0] + start * s[0], s[0], m);
  }
}

template <typename Out, typename A, typename F>
inline void unary_row(char** p, const int64_t* s, int64_t n, const F& f) {
  if constexpr (std::is_same_v<Out, Half> || std::is_same_v<A, Half>) {
    return run_in_half_blocks<Out, A>(p, s, n, [&](char** q, const int64_t* qs, int64_t m) {
      unary_row<computed_t<Out>, computed_t<A>>(q, qs, m, f);
    });
  }
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
  if constexpr (std::is_same_v<Out, Half> || std::is_same_v<A, Half> || std::is_same_v<B, Half>) {
    return run_in_half_blocks<Out, A, B>(p, s, n, [&](char** q, const int64_t* qs, int64_t m) {
      binary_row<computed_t<Out>, computed_t<A>, computed_t<B>>(q, qs, m, f);
    });
  }
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
