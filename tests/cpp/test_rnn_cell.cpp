// lstm_cell_pointwise (fused LSTM step) against the gate formulas written out per element, and its
// shape/dtype checks. Its backward is gradchecked from Python (tests/test_nn_rnn.py).
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "core/error.h"
#include "ops/creation.h"
#include "ops/rnn_cell.h"

using namespace cr;

namespace {

Tensor filled(int64_t rows, int64_t cols, unsigned seed) {
  Tensor t = zeros({rows, cols}, DType::Float64);
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> dist(-2.0, 2.0);
  for (int64_t i = 0; i < t->numel(); ++i) t->data<double>()[i] = dist(gen);
  return t;
}

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

}  // namespace

TEST(LstmCellPointwise, MatchesGateFormulas) {
  const int64_t n = 3, hidden = 5;
  Tensor gates = filled(n, 4 * hidden, 1), c_prev = filled(n, hidden, 2);
  auto [h, c] = lstm_cell_pointwise(gates, c_prev);
  const double* g = gates->data<double>();
  for (int64_t r = 0; r < n; ++r) {
    for (int64_t j = 0; j < hidden; ++j) {
      const double* row = g + r * 4 * hidden;
      const double c_want = sigmoid(row[hidden + j]) * c_prev->data<double>()[r * hidden + j] +
                            sigmoid(row[j]) * std::tanh(row[2 * hidden + j]);
      EXPECT_NEAR(c->data<double>()[r * hidden + j], c_want, 1e-12);
      EXPECT_NEAR(h->data<double>()[r * hidden + j], sigmoid(row[3 * hidden + j]) * std::tanh(c_want), 1e-12);
    }
  }
}

TEST(LstmCellPointwise, RejectsMismatchedShapes) {
  EXPECT_THROW(lstm_cell_pointwise(zeros({3, 6}), zeros({3, 2})), ValueError);
  EXPECT_THROW(lstm_cell_pointwise(zeros({2, 8}), zeros({3, 2})), ValueError);
  EXPECT_THROW(lstm_cell_pointwise(zeros({8}), zeros({3, 2})), ValueError);
  EXPECT_THROW(lstm_cell_pointwise(zeros({3, 8}), zeros({3, 2}, DType::Float64)), TypeError);
}
