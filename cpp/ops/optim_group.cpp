// Validation, contiguous working copies, write-back and step counters for the fused optimizer
// steps (see optim_group.h).
#include "ops/optim_group.h"

#include "core/error.h"
#include "ops/copy.h"
#include "ops/float32_staging.h"

namespace cr::optim_detail {
namespace {

// Whether two elements of t share one memory location (an expanded, stride-0 dim).
bool has_internal_overlap(const Tensor& t) {
  for (int64_t d = 0; d < t->dim(); ++d)
    if (t->stride(d) == 0 && t->size(d) > 1) return true;
  return false;
}

void check_param(const char* optimizer, const Tensor& p, size_t i) {
  CR_CHECK(p != nullptr, TypeError, optimizer, ": parameter ", i, " is None");
  CR_CHECK(is_floating(p->dtype()), DTypeError, optimizer, ": parameter ", i, " has dtype ", p->dtype(),
           "; optimizers update floating-point parameters");
  CR_CHECK(!has_internal_overlap(p), RuntimeError, optimizer, ": parameter ", i, " of shape ", p->sizes(),
           " has elements sharing memory (an expanded dim) and cannot be updated in place");
}

// t (the `what` of parameter i) must match the parameter in shape, dtype and device.
void check_matches(const char* optimizer, const char* what, const Tensor& t, const Tensor& p, size_t i) {
  CR_CHECK(t != nullptr, TypeError, optimizer, ": ", what, " ", i, " is None");
  CR_CHECK(t->sizes() == p->sizes(), ValueError, optimizer, ": ", what, " ", i, " has shape ", t->sizes(),
           " but parameter ", i, " has shape ", p->sizes());
  CR_CHECK(t->dtype() == p->dtype(), DTypeError, optimizer, ": ", what, " ", i, " has dtype ", t->dtype(),
           " but parameter ", i, " has dtype ", p->dtype());
  CR_CHECK(t->device() == p->device(), RuntimeError, optimizer, ": ", what, " ", i, " is on ", t->device(),
           " but parameter ", i, " is on ", p->device());
}

void check_count(const char* optimizer, const char* what, size_t count, size_t n_params) {
  CR_CHECK(count == n_params, ValueError, optimizer, ": got ", count, " ", what, " tensors for ", n_params,
           " parameters");
}

}  // namespace

FusedGroup::FusedGroup(const char* optimizer, const TensorList& params, const TensorList& grads,
                       const std::vector<StateList>& states) {
  check_count(optimizer, "gradient", grads.size(), params.size());
  for (size_t i = 0; i < params.size(); ++i) check_param(optimizer, params[i], i);
  on_gpu_ = !params.empty() && !common_device(optimizer, params).is_cpu();
  for (const auto& s : states) check_count(optimizer, s.name, s.tensors->size(), params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    check_matches(optimizer, "gradient", grads[i], params[i], i);
    for (const auto& s : states) {
      const Tensor& t = (*s.tensors)[i];
      check_matches(optimizer, s.name, t, params[i], i);
      CR_CHECK(!has_internal_overlap(t), RuntimeError, optimizer, ": ", s.name, " ", i,
               " has elements sharing memory (an expanded dim) and cannot be updated in place");
    }
  }
  // Working tensors: the original when contiguous, else a contiguous copy written back by commit();
  // a float16/bfloat16 tensor's copy is float32 (the step computes in float32, rounded once).
  auto writable = [&](const Tensor& t) {
    written_.push_back(t);
    if (t->is_contiguous() && !is_reduced_float(t->dtype())) return t;
    Tensor copy = is_reduced_float(t->dtype()) ? float32_standin(t) : clone(t);
    write_back_.emplace_back(t, copy);
    return copy;
  };
  for (size_t i = 0; i < params.size(); ++i) {
    params_.push_back(writable(params[i]));
    grads_.push_back(contiguous(float32_standin(grads[i])));
  }
  for (const auto& s : states) {
    states_.emplace_back();
    for (const Tensor& t : *s.tensors) states_.back().push_back(writable(t));
  }
}

void FusedGroup::commit() {
  for (const auto& [original, copy] : write_back_) copy_(original, copy);
  for (const Tensor& t : written_) t->bump_version();
}

void check_scalar_states(const char* optimizer, const char* name, const TensorList& tensors, size_t n_params) {
  check_count(optimizer, name, tensors.size(), n_params);
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& s = tensors[i];
    CR_CHECK(s != nullptr, TypeError, optimizer, ": ", name, " ", i, " is None");
    CR_CHECK(s->numel() == 1 && (s->dtype() == DType::Float32 || s->dtype() == DType::Float64) &&
                 s->device().is_cpu(),
             DTypeError, optimizer, ": ", name, " ", i, " must be a one-element float tensor on the CPU, got ",
             describe(s));
  }
}

double scalar_value(const Tensor& t) {
  double result = 0;
  CR_DISPATCH_FLOATING(t->dtype(), "scalar_value", [&] { result = static_cast<double>(*t->data<scalar_t>()); });
  return result;
}

std::vector<double> advance_steps(const char* optimizer, const TensorList& steps, size_t n_params) {
  check_scalar_states(optimizer, "step", steps, n_params);  // all checked before any is changed
  std::vector<double> counts;
  for (const Tensor& s : steps) counts.push_back(update_scalar(optimizer, s, [](auto value) { return value + 1; }));
  return counts;
}

}  // namespace cr::optim_detail
