// Autograd for ops/index.cpp: the nodes that index_tensors and masked_fill record, and writes
// through an index expression into a tensor that is part of a graph. Indexing and writes rest on
// the recorded out-of-place index_put (ops/index.h), whose own backward is indexing again, so
// gradients of any order flow through getitem, setitem, index_select, take and masked_select.
#pragma once

#include <vector>

#include "ops/index.h"

namespace cr {

// Records the backward of out = self[indices] (index_tensors): zeros of self's shape with the
// gradient added at the indexed positions, duplicates adding up. `op` picks the node's name
// ("index_select" -> IndexSelectBackward0, "take" -> TakeBackward0, else IndexBackward0).
void record_index(const Tensor& self, const std::vector<Tensor>& indices, const Tensor& out, const char* op);

// Records the backward of out = masked_fill(self, mask, value): g where the mask is false, summed
// back to self's shape (the mask may broadcast self).
void record_masked_fill(const Tensor& self, const Tensor& mask, const Tensor& out);

// self[indices] = value (or += when accumulate) for a self or value in a graph: the write is done
// out of place on self's flat positions and self takes the result's place in the graph.
void index_put_in_graph_(const Tensor& self, const std::vector<TensorIndex>& indices, const Tensor& value,
                         bool accumulate);

}  // namespace cr
