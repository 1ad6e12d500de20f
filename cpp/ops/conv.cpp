// The public convolutions (conv1d/2d, conv_transpose1d/2d): argument validation with messages
// naming the op and the shapes, output-size arithmetic, and the reshapes that bring every case
// (unbatched, 1-D) to the 4-D primitives of conv_primitives.cpp.
#include "ops/conv.h"

#include <algorithm>
#include <string>

#include "autograd/autocast.h"
#include "core/error.h"
#include "ops/view.h"

namespace cr {

namespace {

// "(1, 2)" for the per-dim options in messages.
std::string list_str(const std::vector<int64_t>& v) { return str_cat(Shape(v)); }

// What every convolution checks: device, dtypes, ranks, per-dim option lengths and signs.
// `dims` is the number of spatial dims (1 or 2).
void check_common(const char* op, int64_t dims, const Tensor& input, const Tensor& weight, const Tensor& bias,
                  const std::vector<int64_t>& stride, const std::vector<int64_t>& dilation, int64_t groups) {
  common_device(op, {&input, &weight, &bias});
  CR_CHECK(is_floating(input->dtype()), DTypeError, op, ": expected a float32 or float64 input, got ",
           describe(input));
  CR_CHECK(weight->dtype() == input->dtype(), DTypeError, op, ": input dtype ", input->dtype(),
           " and weight dtype ", weight->dtype(), " differ (input ", input->sizes(), ", weight ", weight->sizes(), ")");
  CR_CHECK(!bias || bias->dtype() == input->dtype(), DTypeError, op, ": input dtype ", input->dtype(),
           " and bias dtype ", bias->dtype(), " differ");
  CR_CHECK(input->dim() == dims + 1 || input->dim() == dims + 2, ValueError, op, ": expected a ", dims + 1,
           "-D (unbatched) or ", dims + 2, "-D (batched) input, got input of shape ", input->sizes());
  CR_CHECK(weight->dim() == dims + 2, ValueError, op, ": expected a ", dims + 2, "-D weight, got weight of shape ",
           weight->sizes());
  CR_CHECK(weight->numel() > 0, ValueError, op, ": expected a weight with at least 1 element in every dim, got weight ",
           "of shape ", weight->sizes());
  CR_CHECK(!bias || bias->dim() == 1, ValueError, op, ": expected a 1-D bias, got bias of shape ", bias->sizes());
  CR_CHECK(static_cast<int64_t>(stride.size()) == dims && static_cast<int64_t>(dilation.size()) == dims, ValueError,
           op, ": expected ", dims, " stride and dilation values, got stride ", list_str(stride), " and dilation ",
           list_str(dilation));
  CR_CHECK(std::all_of(stride.begin(), stride.end(), [](int64_t s) { return s > 0; }), ValueError, op,
           ": stride must be positive, got ", list_str(stride));
  CR_CHECK(std::all_of(dilation.begin(), dilation.end(), [](int64_t d) { return d > 0; }), ValueError, op,
           ": dilation must be positive, got ", list_str(dilation));
  CR_CHECK(groups > 0, ValueError, op, ": groups must be positive, got ", groups);
}

void check_padding(const char* op, int64_t dims, const char* name, const std::vector<int64_t>& padding) {
  CR_CHECK(static_cast<int64_t>(padding.size()) == dims, ValueError, op, ": expected ", dims, " ", name,
           " values, got ", list_str(padding));
  CR_CHECK(std::all_of(padding.begin(), padding.end(), [](int64_t p) { return p >= 0; }), ValueError, op, ": ", name,
           " must be non-negative, got ", list_str(padding));
}

void check_bias_size(const char* op, const Tensor& bias, int64_t channels) {
  CR_CHECK(!bias || bias->size(0) == channels, ValueError, op, ": expected bias of shape (", channels,
           "), got bias of shape ", bias->sizes());
}

// Geometry of dims 0 and 1 with dim 0 trivial (height 1) for 1-D convolutions; options given for
// the spatial dims only are placed in the last `dims` slots.
ConvGeometry trivial_geometry(int64_t groups) {
  ConvGeometry g{};
  for (int i = 0; i < 2; ++i) g.in[i] = g.out[i] = g.kernel[i] = g.stride[i] = g.dilation[i] = 1, g.pad[i] = 0;
  g.groups = groups;
  return g;
}

// The input as (N, C, H, W) and the weight as 4-D: unbatched inputs gain a batch of 1, 1-D ones a
// height of 1.
Tensor batched_4d(const Tensor& input, int64_t dims) {
  Tensor x = input->dim() == dims + 1 ? unsqueeze(input, 0) : input;
  return dims == 1 ? unsqueeze(x, 2) : x;
}
Tensor weight_4d(const Tensor& weight, int64_t dims) { return dims == 1 ? unsqueeze(weight, 2) : weight; }
// The 4-D result back in the input's form.
Tensor unbatched_like(const Tensor& y, const Tensor& input, int64_t dims) {
  Tensor out = dims == 1 ? squeeze(y, 2) : y;
  return input->dim() == dims + 1 ? squeeze(out, 0) : out;
}

// Validates a convolution's arguments and works out its geometry.
ConvGeometry conv_geometry(const char* op, int64_t dims, const Tensor& input, const Tensor& weight,
                           const Tensor& bias, const std::vector<int64_t>& stride, const ConvPadding& padding,
                           const std::vector<int64_t>& dilation, int64_t groups) {
  check_common(op, dims, input, weight, bias, stride, dilation, groups);
  if (!padding.same) check_padding(op, dims, "padding", padding.values);
  CR_CHECK(!padding.same || std::all_of(stride.begin(), stride.end(), [](int64_t s) { return s == 1; }), ValueError,
           op, ": padding='same' is not supported for strided convolutions (stride ", list_str(stride), ")");
  const int64_t channels = input->size(input->dim() - dims - 1), out_channels = weight->size(0);
  CR_CHECK(channels % groups == 0 && out_channels % groups == 0, ValueError, op, ": groups=", groups,
           " must divide the input channels and output channels, got input ", input->sizes(), " and weight ",
           weight->sizes());
  CR_CHECK(channels == weight->size(1) * groups, ValueError, op, ": expected input with ", weight->size(1) * groups,
           " channels (weight ", weight->sizes(), ", groups=", groups, "), got input ", input->sizes());
  check_bias_size(op, bias, out_channels);

  ConvGeometry geo = trivial_geometry(groups);
  std::vector<int64_t> padded(dims), dilated(dims);
  for (int64_t d = 0; d < dims; ++d) {
    const int i = static_cast<int>(2 - dims + d);
    const int64_t size = input->size(input->dim() - dims + d), kernel = weight->size(2 + d);
    const int64_t extent = checked_add(checked_mul(dilation[d], kernel - 1, op), 1, op);  // the dilated kernel's span
    const int64_t total_pad = padding.same ? extent - 1 : checked_mul(2, padding.values[d], op);
    padded[d] = checked_add(size, total_pad, op), dilated[d] = extent;
    geo.in[i] = size, geo.kernel[i] = kernel, geo.stride[i] = stride[d], geo.dilation[i] = dilation[d];
    geo.pad[i] = total_pad / 2;  // 'same' with an odd total: the extra one goes after
    geo.out[i] = (padded[d] - extent) / stride[d] + 1;
  }
  for (int64_t d = 0; d < dims; ++d) {
    CR_CHECK(dilated[d] <= padded[d], ValueError, op, ": kernel size (dilated) ", list_str(dilated),
             " is larger than the padded input ", list_str(padded), " (input ", input->sizes(), ", weight ",
             weight->sizes(), ")");
  }
  return geo;
}

Tensor conv_nd(const char* op, int64_t dims, const Tensor& input, const Tensor& weight, const Tensor& bias,
               const std::vector<int64_t>& stride, const ConvPadding& padding, const std::vector<int64_t>& dilation,
               int64_t groups) {
  CR_AUTOCAST(lowered, conv_nd, op, dims, input, weight, bias, stride, padding, dilation, groups);
  const ConvGeometry geo = conv_geometry(op, dims, input, weight, bias, stride, padding, dilation, groups);
  Tensor y = convolution(batched_4d(input, dims), weight_4d(weight, dims), bias, geo);
  return unbatched_like(y, input, dims);
}

Tensor conv_transpose_nd(const char* op, int64_t dims, const Tensor& input, const Tensor& weight, const Tensor& bias,
                         const std::vector<int64_t>& stride, const std::vector<int64_t>& padding,
                         const std::vector<int64_t>& output_padding, int64_t groups,
                         const std::vector<int64_t>& dilation) {
  CR_AUTOCAST(lowered, conv_transpose_nd, op, dims, input, weight, bias, stride, padding, output_padding, groups,
              dilation);
  check_common(op, dims, input, weight, bias, stride, dilation, groups);
  check_padding(op, dims, "padding", padding);
  check_padding(op, dims, "output_padding", output_padding);
  const int64_t channels = input->size(input->dim() - dims - 1), out_channels = weight->size(1) * groups;
  CR_CHECK(channels % groups == 0, ValueError, op, ": groups=", groups, " must divide the input channels, got input ",
           input->sizes());
  CR_CHECK(channels == weight->size(0), ValueError, op, ": expected input with ", weight->size(0),
           " channels (weight ", weight->sizes(), ", groups=", groups, "), got input ", input->sizes());
  check_bias_size(op, bias, out_channels);

  ConvGeometry geo = trivial_geometry(groups);
  std::vector<int64_t> out_sizes(dims);
  for (int64_t d = 0; d < dims; ++d) {
    const int i = static_cast<int>(2 - dims + d);
    CR_CHECK(output_padding[d] < stride[d] || output_padding[d] < dilation[d], ValueError, op,
             ": output_padding must be smaller than either stride or dilation, got output_padding ",
             list_str(output_padding), ", stride ", list_str(stride), ", dilation ", list_str(dilation));
    const int64_t size = input->size(input->dim() - dims + d), kernel = weight->size(2 + d);
    const int64_t spread = checked_mul(size - 1, stride[d], op), span = checked_mul(dilation[d], kernel - 1, op);
    out_sizes[d] = checked_add(checked_add(spread - checked_mul(2, padding[d], op), span, op), output_padding[d] + 1, op);
    // The transposed convolution is the input gradient of a convolution from out_sizes to size.
    geo.in[i] = out_sizes[d], geo.out[i] = size, geo.kernel[i] = kernel;
    geo.stride[i] = stride[d], geo.pad[i] = padding[d], geo.dilation[i] = dilation[d];
  }
  for (int64_t d = 0; d < dims; ++d) {
    CR_CHECK(out_sizes[d] > 0, ValueError, op, ": the output size ", list_str(out_sizes), " is too small (input ",
             input->sizes(), ", weight ", weight->sizes(), ", padding ", list_str(padding), ")");
  }
  Tensor y = convolution_input_grad(batched_4d(input, dims), weight_4d(weight, dims), bias, geo);
  return unbatched_like(y, input, dims);
}

}  // namespace

Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias, const std::vector<int64_t>& stride,
              const ConvPadding& padding, const std::vector<int64_t>& dilation, int64_t groups) {
  return conv_nd("conv1d", 1, input, weight, bias, stride, padding, dilation, groups);
}

Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, const std::vector<int64_t>& stride,
              const ConvPadding& padding, const std::vector<int64_t>& dilation, int64_t groups) {
  return conv_nd("conv2d", 2, input, weight, bias, stride, padding, dilation, groups);
}

std::string conv2d_algorithm(const Tensor& input, const Tensor& weight, const std::vector<int64_t>& stride,
                             const ConvPadding& padding, const std::vector<int64_t>& dilation, int64_t groups) {
  const ConvGeometry geo = conv_geometry("conv2d", 2, input, weight, Tensor(), stride, padding, dilation, groups);
  const Tensor x = batched_4d(input, 2);
  return convolution_algorithm(x->size(0), x->size(1), weight->size(0), geo);
}

Tensor conv_transpose1d(const Tensor& input, const Tensor& weight, const Tensor& bias,
                        const std::vector<int64_t>& stride, const std::vector<int64_t>& padding,
                        const std::vector<int64_t>& output_padding, int64_t groups,
                        const std::vector<int64_t>& dilation) {
  return conv_transpose_nd("conv_transpose1d", 1, input, weight, bias, stride, padding, output_padding, groups,
                           dilation);
}

Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias,
                        const std::vector<int64_t>& stride, const std::vector<int64_t>& padding,
                        const std::vector<int64_t>& output_padding, int64_t groups,
                        const std::vector<int64_t>& dilation) {
  return conv_transpose_nd("conv_transpose2d", 2, input, weight, bias, stride, padding, output_padding, groups,
                           dilation);
}

}  // namespace cr
