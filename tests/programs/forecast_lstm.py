"""Multi-step time-series forecasting in the style of Kaggle notebooks: a synthetic seasonal series,
min-max scaling fitted on the training part, sliding windows cut with Tensor.unfold, an LSTM encoder
with a linear head (and a proj_size'd LSTM variant), Huber loss, AdamW with a LambdaLR warmup,
early stopping on validation MAE with the best state_dict kept via copy.deepcopy, and an
autoregressive rollout under torch.no_grad() with MAE/RMSE/sMAPE against a seasonal-naive baseline.

A plain PyTorch program; tests/test_programs.py runs it under chainrule with only the import changed.
"""
import argparse
import copy
import json
import math
import time

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

PERIOD = 24


def make_series(n, seed):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    series = 10 + 0.01 * t + 3 * np.sin(2 * np.pi * t / PERIOD) + np.sin(2 * np.pi * t / (PERIOD * 7))
    return (series + 0.3 * rng.standard_normal(n)).astype(np.float32)


def windows(series, lookback, horizon):
    """(inputs (N, lookback, 1), targets (N, horizon)) from every window of the series."""
    frames = series.unfold(0, lookback + horizon, 1)
    return frames[:, :lookback].unsqueeze(-1), frames[:, lookback:]


class Forecaster(nn.Module):
    def __init__(self, hidden, horizon, layers=2, proj_size=0, dropout=0.1):
        super().__init__()
        self.lstm = nn.LSTM(1, hidden, num_layers=layers, batch_first=True, dropout=dropout, proj_size=proj_size)
        self.head = nn.Sequential(nn.LayerNorm(proj_size or hidden), nn.Linear(proj_size or hidden, horizon))

    def forward(self, x):
        out, (h_n, c_n) = self.lstm(x)
        return self.head(out[:, -1, :])


def metrics(pred, target):
    mae = (pred - target).abs().mean().item()
    rmse = torch.sqrt(torch.mean((pred - target) ** 2)).item()
    smape = (200 * (pred - target).abs() / (pred.abs() + target.abs() + 1e-8)).mean().item()
    return mae, rmse, smape


def train(model, train_loader, val_x, val_y, epochs, lr, patience=5):
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    warmup = len(train_loader)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: min(1.0, (step + 1) / warmup))
    criterion = nn.HuberLoss(delta=1.0)
    best_mae, best_state, bad_epochs = math.inf, None, 0
    for epoch in range(epochs):
        model.train()
        for x, y in train_loader:
            optimizer.zero_grad(set_to_none=True)
            loss = criterion(model(x), y)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
        model.eval()
        with torch.no_grad():
            val_mae = (model(val_x) - val_y).abs().mean().item()
        if val_mae < best_mae - 1e-4:
            best_mae, best_state, bad_epochs = val_mae, copy.deepcopy(model.state_dict()), 0
        else:
            bad_epochs += 1
            if bad_epochs >= patience:
                print(f"early stopping at epoch {epoch}")
                break
    model.load_state_dict(best_state)
    return best_mae


@torch.no_grad()
def rollout(model, history, steps, horizon):
    """Forecasts `steps` points by feeding the model's own predictions back, horizon at a time."""
    model.eval()
    context = history.clone()
    preds = []
    while sum(p.numel() for p in preds) < steps:
        step = model(context[-history.numel():].view(1, -1, 1)).view(-1)
        preds.append(step)
        context = torch.cat([context, step])
    return torch.cat(preds)[:steps]


def main():
    parser = argparse.ArgumentParser(description="LSTM forecasting")
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--points", type=int, default=1200)
    parser.add_argument("--lookback", type=int, default=48)
    parser.add_argument("--horizon", type=int, default=12)
    parser.add_argument("--lr", type=float, default=1e-2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.manual_seed(args.seed)

    raw = make_series(args.points, args.seed)
    n_test = 4 * args.horizon
    train_raw, test_raw = raw[:-n_test], raw[-n_test:]
    lo, hi = train_raw.min(), train_raw.max()
    scale = lambda a: (a - lo) / (hi - lo)
    unscale = lambda t: t * (hi - lo) + lo
    series = torch.from_numpy(scale(train_raw))
    x, y = windows(series, args.lookback, args.horizon)
    n_val = len(x) // 5
    train_loader = DataLoader(TensorDataset(x[:-n_val], y[:-n_val]), batch_size=64, shuffle=True)

    results = {}
    start = time.perf_counter()
    for name, proj in (("lstm", 0), ("lstm_proj", 8)):
        model = Forecaster(hidden=32, horizon=args.horizon, proj_size=proj)
        val_mae = train(model, train_loader, x[-n_val:], y[-n_val:], args.epochs, lr=args.lr)
        forecast = unscale(rollout(model, series[-args.lookback:], n_test, args.horizon))
        results[name] = metrics(forecast, torch.from_numpy(test_raw)) + (val_mae,)
        print(f"{name}: val MAE (scaled) {val_mae:.4f}, test MAE {results[name][0]:.3f} RMSE {results[name][1]:.3f} "
              f"sMAPE {results[name][2]:.2f}%")
    seconds = time.perf_counter() - start

    naive = torch.from_numpy(np.resize(train_raw[-PERIOD:], n_test))  # repeat the last season
    naive_mae = metrics(naive, torch.from_numpy(test_raw))[0]
    print(f"seasonal naive MAE {naive_mae:.3f}")
    print(json.dumps({"mae": results["lstm"][0], "mae_proj": results["lstm_proj"][0], "naive_mae": naive_mae,
                      "smape": results["lstm"][2], "val_mae": results["lstm"][3],
                      "val_mae_proj": results["lstm_proj"][3], "seconds": seconds}))


if __name__ == "__main__":
    main()
