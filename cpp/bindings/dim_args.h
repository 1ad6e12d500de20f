// The `dim` argument forms of PyTorch's Python API, read once for every binding: None, an int, or
// (for the reductions that take several dims) a tuple/list of ints. A wrong form is a TypeError
// naming the op and what it takes, instead of pybind11's list of overload signatures.
#pragma once

#include "bindings/convert.h"
#include "ops/reduce.h"  // DimList

namespace cr::bind {

std::string type_name(py::handle obj);  // "int", "tuple", ... of a Python object
bool is_int(py::handle obj);            // a Python int or anything with __index__, not a bool

// dim=None (every dim), an int, or a tuple/list of ints (sum, mean, amax, var, norm, ...).
DimList dims_arg(py::handle obj, const char* op);
// One dim (cumsum, softmax, sort, gather, ...): an int; a tuple says that op takes a single dim.
int64_t dim_arg(py::handle obj, const char* op);
// One dim or None (max, argmax, median, quantile, prod, ...).
std::optional<int64_t> optional_dim_arg(py::handle obj, const char* op);

}  // namespace cr::bind
