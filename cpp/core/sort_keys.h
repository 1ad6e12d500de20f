// The sort order of PyTorch as unsigned integers, for a GPU radix sort (cuda/sort.cu): sort_key(v)
// orders as v does, with NaN above +inf (every NaN alike), -0 equal to +0 and, when descending,
// every bit flipped so that an ascending sort of the keys is the descending order of the values.
// A stable sort of the keys is then PyTorch's stable sort: equal values keep their positions' order.
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>

#include "core/formula.h"

namespace cr {

// The key type of each dtype: an unsigned integer as wide as the value.
template <typename T>
struct SortKeyType {
  using type = std::make_unsigned_t<T>;  // the integers
};
template <>
struct SortKeyType<float> {
  using type = uint32_t;
};
template <>
struct SortKeyType<double> {
  using type = uint64_t;
};
template <>
struct SortKeyType<bool> {
  using type = uint8_t;
};

namespace sort_key_detail {

// IEEE bits -> unsigned order: negatives reversed below the positives (sign bit set on these).
template <typename Key, typename T>
CR_FORMULA Key float_order(T v) {
  constexpr Key sign = Key(1) << (8 * sizeof(Key) - 1);
  if (v != v) return ~Key(0);  // NaN: all ones, above +inf's key (sign and exponent bits only)
  if (v == T(0)) v = T(0);     // -0 sorts with +0
  Key bits;
  memcpy(&bits, &v, sizeof bits);
  return (bits & sign) ? Key(~bits) : Key(bits | sign);
}

}  // namespace sort_key_detail

template <typename T>
CR_FORMULA typename SortKeyType<T>::type sort_key(T v, bool descending) {
  using Key = typename SortKeyType<T>::type;
  Key key;
  if constexpr (std::is_floating_point_v<T>) {
    key = sort_key_detail::float_order<Key>(v);
  } else if constexpr (std::is_signed_v<T>) {  // two's complement with the sign bit flipped
    key = Key(Key(v) ^ Key(Key(1) << (8 * sizeof(T) - 1)));
  } else {  // bool, uint8
    key = Key(v);
  }
  return descending ? Key(~key) : key;
}

}  // namespace cr
