"""One epoch of the digits train set (1,437 images, batch 64, shuffled): chainrule DataLoader vs
PyTorch's, both over a TensorDataset, plus chainrule's per-sample path (Digits dataset, no fast path).

Run: PYTHONPATH=python python3 bench/bench_data.py
"""
from chainrule.datasets import Digits
from chainrule.utils.data import DataLoader, TensorDataset
from common import format_table, interleaved_medians, one_epoch, try_import_torch


def main():
    data, targets = Digits().tensors()
    fns = {
        "chainrule TensorDataset (fast path)": one_epoch(DataLoader(TensorDataset(data, targets), batch_size=64,
                                                                shuffle=True)),
        "chainrule Digits (per-sample + stack)": one_epoch(DataLoader(Digits(), batch_size=64, shuffle=True)),
    }
    torch = try_import_torch(num_threads=1)
    if torch is not None:
        tds = torch.utils.data.TensorDataset(torch.from_numpy(data.numpy()), torch.from_numpy(targets.numpy()))
        fns["torch TensorDataset"] = one_epoch(torch.utils.data.DataLoader(tds, batch_size=64, shuffle=True))
    medians = interleaved_medians(fns, repeat=7, target_s=0.1)
    base = medians.get("torch TensorDataset")
    rows = [[name, f"{t * 1e3:.2f}", f"{t / base:.2f}" if base else "-"] for name, t in medians.items()]
    print(format_table(["one epoch, batch 64, shuffled", "median ms", "vs torch"], rows))


if __name__ == "__main__":
    main()
