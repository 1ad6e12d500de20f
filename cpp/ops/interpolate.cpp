// Nearest and (bi)linear resampling as separable maps (ops/separable.h), one AxisMap per spatial
// dim. The source coordinates are computed exactly as PyTorch's CPU kernels do, in the input's
// precision (float for float32), so that nearest picks the same pixels and the weights agree:
//   scale   = align_corners ? (in - 1) / (out - 1) : (scale_factor given ? 1 / scale_factor : in / out)
//   nearest : src = min(floor(o * scale), in - 1); 2-d inputs follow PyTorch's nearest_idx instead:
//             in float whatever the dtype, and out == in copies, out == 2 * in takes o / 2
//   linear  : x = align_corners ? o * scale : max(scale * (o + 0.5) - 0.5, 0);
//             i0 = min(floor(x), in - 1), i1 = i0 + (i0 < in - 1), w1 = clamp(x - i0, 0, 1), w0 = 1 - w1
// (linear with out == in and no align_corners copies). Each output keeps both taps, even equal ones,
// so the arithmetic is PyTorch's.
#include "ops/interpolate.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include "ops/planes.h"
#include "ops/separable.h"

namespace cr {

namespace {

// PyTorch's area_pixel_compute_scale, in the type T the kernel computes coordinates in.
template <typename T>
T compute_scale(int64_t in, int64_t out, bool align_corners, std::optional<double> scale) {
  if (align_corners) return out > 1 ? static_cast<T>(in - 1) / static_cast<T>(out - 1) : T(0);
  if (scale && *scale > 0) return static_cast<T>(1.0 / *scale);
  return static_cast<T>(in) / static_cast<T>(out);
}

template <typename T>
AxisMap nearest_axis(int64_t in, int64_t out, std::optional<double> scale, bool is_2d) {
  const T s = compute_scale<T>(in, out, false, scale);
  AxisMap m(in);
  for (int64_t o = 0; o < out; ++o) {
    auto src = static_cast<int64_t>(std::floor(static_cast<float>(s * static_cast<T>(o))));
    if (is_2d && out == in) src = o;
    if (is_2d && out == 2 * in) src = o >> 1;
    m.tap(std::min(src, in - 1), 1.0);
    m.end_output();
  }
  return m;
}

template <typename T>
AxisMap linear_axis(int64_t in, int64_t out, bool align_corners, std::optional<double> scale) {
  const T s = compute_scale<T>(in, out, align_corners, scale);
  AxisMap m(in);
  for (int64_t o = 0; o < out; ++o) {
    if (out == in && !align_corners) {
      m.tap(o, 1.0);
      m.tap(o, 0.0);
    } else {
      const T x = align_corners ? s * static_cast<T>(o) : std::max(s * (static_cast<T>(o) + T(0.5)) - T(0.5), T(0));
      const int64_t i0 = std::min(static_cast<int64_t>(std::floor(static_cast<float>(x))), in - 1);
      const T w1 = std::min(std::max(x - static_cast<T>(i0), T(0)), T(1));
      m.tap(i0, static_cast<double>(T(1) - w1));
      m.tap(i0 + (i0 < in - 1 ? 1 : 0), static_cast<double>(w1));
    }
    m.end_output();
  }
  return m;
}

// Validates x (3-d or 4-d, floating, non-empty spatial dims), output_size and scales.
int check_resample(const Tensor& x, const std::vector<int64_t>& output_size, const ScaleList& scales, const char* op) {
  CR_CHECK(x->dim() == 3 || x->dim() == 4, RuntimeError, op, ": expected a 3-d (N, C, L) or 4-d (N, C, H, W) input, ",
           "got a ", describe(x));
  const int spatial = static_cast<int>(x->dim()) - 2;
  CR_CHECK(static_cast<int>(output_size.size()) == spatial, ValueError, op, ": output size ", Shape(output_size),
           " must have one entry per spatial dim of the ", describe(x));
  CR_CHECK(!scales || static_cast<int>(scales->size()) == spatial, ValueError, op, ": scale_factor must have ",
           spatial, " entries for a ", describe(x));
  CR_CHECK(is_floating(x->dtype()), DTypeError, op, ": expected a float32 or float64 input, got a ", describe(x));
  for (int i = 0; i < spatial; ++i) {
    CR_CHECK(x->size(2 + i) > 0 && output_size[i] > 0, RuntimeError, op,
             ": input and output sizes should be greater than 0, got input ", x->sizes(), " and output size ",
             Shape(output_size));
  }
  check_plane_output_fits(plane_layout(x, spatial), spatial == 2 ? output_size[0] : 1, output_size.back(),
                          x->dtype(), op);
  return spatial;
}

template <typename Build>
Tensor resample(const Tensor& x, const std::vector<int64_t>& output_size, const ScaleList& scales, const char* op,
                const char* name, const Build& build_axis) {
  const int spatial = check_resample(x, output_size, scales, op);
  auto scale_of = [&](int i) { return scales ? std::optional<double>((*scales)[i]) : std::nullopt; };
  SeparableMap map;
  map.spatial = spatial;
  map.op = op;
  map.node = str_cat(name, "Backward0");
  map.adjoint_node = str_cat(name, "BackwardBackward0");
  const int last = spatial - 1;
  map.cols = std::make_shared<const AxisMap>(build_axis(x->size(x->dim() - 1), output_size[last], scale_of(last)));
  if (spatial == 2) map.rows = std::make_shared<const AxisMap>(build_axis(x->size(2), output_size[0], scale_of(0)));
  return apply_separable(x, map);
}

}  // namespace

Tensor upsample_nearest(const Tensor& x, const std::vector<int64_t>& output_size, const ScaleList& scales) {
  const bool is_1d = x->dim() == 3;
  return resample(x, output_size, scales, is_1d ? "upsample_nearest1d" : "upsample_nearest2d",
                  is_1d ? "UpsampleNearest1D" : "UpsampleNearest2D",
                  [&](int64_t in, int64_t out, std::optional<double> s) {
                    if (!is_1d) return nearest_axis<float>(in, out, s, true);
                    return x->dtype() == DType::Float64 ? nearest_axis<double>(in, out, s, false)
                                                        : nearest_axis<float>(in, out, s, false);
                  });
}

Tensor upsample_linear(const Tensor& x, const std::vector<int64_t>& output_size, bool align_corners,
                       const ScaleList& scales) {
  const bool is_1d = x->dim() == 3;
  return resample(x, output_size, scales, is_1d ? "upsample_linear1d" : "upsample_bilinear2d",
                  is_1d ? "UpsampleLinear1D" : "UpsampleBilinear2D",
                  [&](int64_t in, int64_t out, std::optional<double> s) {
                    return x->dtype() == DType::Float64 ? linear_axis<double>(in, out, align_corners, s)
                                                        : linear_axis<float>(in, out, align_corners, s);
                  });
}

}  // namespace cr
