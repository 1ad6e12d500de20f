// Padding. Constant padding fills a new tensor and copies the kept part of the input into it; its
// backward is constant padding by the negated amounts (crop what was added, zero-fill what was
// cropped). Reflect, replicate and circular padding are separable maps (ops/separable.h) in which
// each output reads one input: j = o - left, then reflected or clamped into [0, n); circular
// padding (PyTorch's) first crops the negative pads, then wraps j = o - max(left, 0) into the kept part.
#include "ops/pad.h"

#include <algorithm>
#include <memory>

#include "autograd/autocast.h"
#include "autograd/record.h"
#include "ops/copy.h"
#include "ops/creation.h"
#include "ops/separable.h"
#include "ops/view.h"

namespace cr {

namespace {

std::string pad_str(const std::vector<int64_t>& pad) { return str_cat(Shape(pad)); }

void check_pad_length(const Tensor& x, const std::vector<int64_t>& pad, const char* op) {
  CR_CHECK(pad.size() % 2 == 0, RuntimeError, op, ": padding length must be divisible by 2, got ", pad_str(pad));
  CR_CHECK(static_cast<int64_t>(pad.size()) <= 2 * x->dim(), RuntimeError, op, ": padding ", pad_str(pad),
           " has more than two entries per dim of the ", describe(x));
}

enum class PadMode { Reflect, Replicate, Circular };

// The input index that output o reads along an axis of n inputs padded by (left, right).
int64_t source_index(int64_t o, int64_t left, int64_t right, int64_t n, PadMode mode) {
  int64_t j = o - left;
  switch (mode) {
    case PadMode::Reflect:
      if (j < 0) j = -j;
      if (j >= n) j = 2 * (n - 1) - j;
      return j;
    case PadMode::Replicate: return std::min(std::max<int64_t>(j, 0), n - 1);
    case PadMode::Circular: {
      const int64_t crop_left = std::max<int64_t>(-left, 0), kept = n - crop_left - std::max<int64_t>(-right, 0);
      j = o - std::max<int64_t>(left, 0);
      return crop_left + ((j % kept) + kept) % kept;
    }
  }
  return j;
}

AxisMap pad_axis(int64_t n, int64_t left, int64_t right, PadMode mode) {
  AxisMap m(n);
  for (int64_t o = 0; o < n + left + right; ++o) {
    m.tap(source_index(o, left, right, n, mode), 1.0);
    m.end_output();
  }
  return m;
}

// Checks one padded axis of size n against the mode's limits (PyTorch's).
void check_axis(const Tensor& x, int64_t dim, int64_t left, int64_t right, PadMode mode, const std::string& mode_name,
                const std::vector<int64_t>& pad) {
  const int64_t n = x->size(dim);
  CR_CHECK(n > 0, RuntimeError, "pad: ", mode_name, " padding needs a non-empty dim ", dim, ", got a ", describe(x));
  if (mode == PadMode::Reflect) {
    CR_CHECK(left < n && right < n, RuntimeError, "pad: reflect padding ", pad_str(pad),
             " must be less than the size of the padded dim (", n, " for dim ", dim, " of a ", describe(x), ")");
  }
  CR_CHECK(n + left + right >= 0, RuntimeError, "pad: padding ", pad_str(pad), " crops dim ", dim, " (size ", n,
           ") of a ", describe(x), " to a negative size");
  if (mode == PadMode::Circular) {  // wraps the part left after cropping the negative pads
    const int64_t kept = n - std::max<int64_t>(-left, 0) - std::max<int64_t>(-right, 0);
    CR_CHECK(left <= kept && right <= kept, RuntimeError, "pad: circular padding ", pad_str(pad),
             " would wrap around more than once (dim ", dim, " of a ", describe(x), " keeps ", kept, " elements)");
  }
}

}  // namespace

Tensor constant_pad_nd(const Tensor& x, const std::vector<int64_t>& pad, const Scalar& value) {
  check_pad_length(x, pad, "pad");
  Shape out_sizes = x->sizes();
  const int64_t padded = static_cast<int64_t>(pad.size()) / 2;
  for (int64_t i = 0; i < padded; ++i) {
    const int64_t d = x->dim() - 1 - i;
    out_sizes[d] = checked_add(checked_add(out_sizes[d], pad[2 * i], "pad"), pad[2 * i + 1], "pad");
    const int64_t cropped = checked_add(std::max<int64_t>(-pad[2 * i], 0), std::max<int64_t>(-pad[2 * i + 1], 0), "pad");
    CR_CHECK(out_sizes[d] >= 0 && cropped <= x->size(d), RuntimeError, "pad: padding ", pad_str(pad), " crops ",
             cropped, " elements from dim ", d, " of a ", describe(x));
  }
  Tensor out = full(out_sizes, value, x->dtype(), x->device());
  {
    GradModeGuard no_record(false);
    Tensor src = x, dst = out;  // the kept part of x and where it lands
    bool empty = false;
    for (int64_t i = 0; i < padded; ++i) {
      const int64_t d = x->dim() - 1 - i, left = pad[2 * i], right = pad[2 * i + 1];
      const int64_t in_start = std::max<int64_t>(-left, 0);
      const int64_t kept = x->size(d) - in_start - std::max<int64_t>(-right, 0);
      if (kept <= 0) { empty = true; break; }
      src = narrow(src, d, in_start, kept);
      dst = narrow(dst, d, std::max<int64_t>(left, 0), kept);
    }
    if (!empty && src->numel() > 0) copy_(dst, src);
  }
  if (needs_grad({&x})) {
    std::vector<int64_t> negated(pad.size());
    for (size_t i = 0; i < pad.size(); ++i) negated[i] = -pad[i];
    record("ConstantPadNdBackward0", {x}, {out}, [negated](const TensorList& g, const Node&) -> TensorList {
      return {constant_pad_nd(g[0], negated, Scalar(0.0))};
    });
  }
  return out;
}

Tensor pad(const Tensor& x, const std::vector<int64_t>& pad, const std::string& mode, std::optional<Scalar> value) {
  if (mode == "constant") return constant_pad_nd(x, pad, value ? *value : Scalar(0.0));
  CR_CHECK(mode == "reflect" || mode == "replicate" || mode == "circular", ValueError, "pad: unknown padding mode '",
           mode, "' (expected 'constant', 'reflect', 'replicate' or 'circular')");
  CR_CHECK(!value, RuntimeError, "pad: padding mode '", mode, "' doesn't take a value argument");
  if (mode != "circular") CR_AUTOCAST(float32, cr::pad, x, pad, mode, value);  // PyTorch's reflection/replication_pad
  check_pad_length(x, pad, "pad");
  const int spatial = static_cast<int>(pad.size() / 2);
  CR_CHECK((spatial == 1 || spatial == 2) && (x->dim() == spatial + 1 || x->dim() == spatial + 2), RuntimeError,
           "pad: ", mode, " padding of ", pad.size(), " entries ", pad_str(pad), " is not supported for a ", describe(x),
           " (2 entries pad 2-d or 3-d inputs, 4 entries 3-d or 4-d inputs)");
  const PadMode m = mode == "reflect" ? PadMode::Reflect : mode == "replicate" ? PadMode::Replicate : PadMode::Circular;
  SeparableMap map;
  map.spatial = spatial;
  map.op = "pad";
  const char* names[3][2] = {{"ReflectionPad", "ReflectionPadBackward"},
                             {"ReplicationPad", "ReplicationPadBackward"},
                             {"CircularPad", "CircularPadBackward"}};
  const char* const* name = names[static_cast<int>(m)];
  map.node = str_cat(name[0], spatial, "DBackward0");
  map.adjoint_node = str_cat(name[1], spatial, "DBackward0");
  const int64_t w = x->dim() - 1;
  check_axis(x, w, pad[0], pad[1], m, mode, pad);
  map.cols = std::make_shared<const AxisMap>(pad_axis(x->size(w), pad[0], pad[1], m));
  if (spatial == 2) {
    check_axis(x, w - 1, pad[2], pad[3], m, mode, pad);
    map.rows = std::make_shared<const AxisMap>(pad_axis(x->size(w - 1), pad[2], pad[3], m));
  }
  // PyTorch's rule: reflect and replicate padding must leave elements along some padded dim.
  const int64_t out_w = map.cols->out_size, out_h = map.rows ? map.rows->out_size : 0;
  CR_CHECK(m == PadMode::Circular || out_w >= 1 || out_h >= 1, RuntimeError, "pad: padding ", pad_str(pad),
           " leaves no elements of the ", describe(x));
  CR_CHECK(is_floating(x->dtype()), DTypeError, "pad: ", mode, " padding expects a float32 or float64 input, got a ",
           describe(x));
  return apply_separable(x, map);
}

}  // namespace cr
