// The fused recurrent-cell ops (lstm/gru/rnn_cell_pointwise) against their gate formulas written out
// per element, and their shape/dtype checks. Their backwards are gradchecked from Python
// (tests/test_rnn_cell.py).
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "core/error.h"
#include "ops/creation.h"
#include "ops/rnn_cell.h"

using namespace cr;

namespace {

Tensor filled(int64_t rows, int64_t cols, unsigned seed) {
  Tensor t = zeros({rows, cols}, DType::Float64, kCpu);
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
  auto [h, c] = lstm_cell_pointwise(gates, zeros({n, 4 * hidden}, DType::Float64, kCpu), c_prev);
  for (int64_t r = 0; r < n; ++r) {
    for (int64_t j = 0; j < hidden; ++j) {
      const double* row = gates->data<double>() + r * 4 * hidden;
      const double c_want = sigmoid(row[hidden + j]) * c_prev->data<double>()[r * hidden + j] +
                            sigmoid(row[j]) * std::tanh(row[2 * hidden + j]);
      EXPECT_NEAR(c->data<double>()[r * hidden + j], c_want, 1e-12);
      EXPECT_NEAR(h->data<double>()[r * hidden + j], sigmoid(row[3 * hidden + j]) * std::tanh(c_want), 1e-12);
    }
  }
}

TEST(LstmCellPointwise, RejectsMismatchedShapes) {
  EXPECT_THROW(lstm_cell_pointwise(zeros({3, 6}, DType::Float32, kCpu), zeros({3, 8}, DType::Float32, kCpu), zeros({3, 2}, DType::Float32, kCpu)), ValueError);
  EXPECT_THROW(lstm_cell_pointwise(zeros({3, 8}, DType::Float32, kCpu), zeros({2, 8}, DType::Float32, kCpu), zeros({3, 2}, DType::Float32, kCpu)), ValueError);
  EXPECT_THROW(lstm_cell_pointwise(zeros({8}, DType::Float32, kCpu), zeros({3, 8}, DType::Float32, kCpu), zeros({3, 2}, DType::Float32, kCpu)), ValueError);
  EXPECT_THROW(lstm_cell_pointwise(zeros({3, 8}, DType::Float32, kCpu), zeros({3, 8}, DType::Float32, kCpu), zeros({3, 2}, DType::Float64, kCpu)), TypeError);
}

TEST(GruCellPointwise, MatchesGateFormulas) {
  const int64_t n = 3, hidden = 4;
  Tensor x_gates = filled(n, 3 * hidden, 3), h_gates = filled(n, 3 * hidden, 4), h_prev = filled(n, hidden, 5);
  Tensor h = gru_cell_pointwise(x_gates, h_gates, h_prev);
  for (int64_t r = 0; r < n; ++r) {
    const double* xg = x_gates->data<double>() + r * 3 * hidden;
    const double* hg = h_gates->data<double>() + r * 3 * hidden;
    for (int64_t j = 0; j < hidden; ++j) {
      const double reset = sigmoid(xg[j] + hg[j]), update = sigmoid(xg[hidden + j] + hg[hidden + j]);
      const double candidate = std::tanh(xg[2 * hidden + j] + reset * hg[2 * hidden + j]);
      const double want = (1 - update) * candidate + update * h_prev->data<double>()[r * hidden + j];
      EXPECT_NEAR(h->data<double>()[r * hidden + j], want, 1e-12);
    }
  }
}

TEST(GruCellPointwise, RejectsMismatchedShapes) {
  EXPECT_THROW(gru_cell_pointwise(zeros({3, 6}, DType::Float32, kCpu), zeros({3, 4}, DType::Float32, kCpu), zeros({3, 2}, DType::Float32, kCpu)), ValueError);
  EXPECT_THROW(gru_cell_pointwise(zeros({2, 6}, DType::Float32, kCpu), zeros({3, 6}, DType::Float32, kCpu), zeros({3, 2}, DType::Float32, kCpu)), ValueError);
  EXPECT_THROW(gru_cell_pointwise(zeros({3, 6}, DType::Float32, kCpu), zeros({3, 6}, DType::Float32, kCpu), zeros({3, 2}, DType::Float64, kCpu)), TypeError);
}

TEST(RnnCellPointwise, AppliesTanhOrRelu) {
  Tensor x_proj = filled(2, 5, 6), h_proj = filled(2, 5, 7);
  Tensor tanh_h = rnn_cell_pointwise(x_proj, h_proj, false), relu_h = rnn_cell_pointwise(x_proj, h_proj, true);
  for (int64_t i = 0; i < 10; ++i) {
    const double pre = x_proj->data<double>()[i] + h_proj->data<double>()[i];
    EXPECT_NEAR(tanh_h->data<double>()[i], std::tanh(pre), 1e-12);
    EXPECT_EQ(relu_h->data<double>()[i], pre > 0 ? pre : 0.0);
  }
  EXPECT_THROW(rnn_cell_pointwise(zeros({2, 5}, DType::Float32, kCpu), zeros({2, 4}, DType::Float32, kCpu), false), ValueError);
}
