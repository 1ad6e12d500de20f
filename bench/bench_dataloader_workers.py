"""DataLoader worker processes: one epoch of a dataset whose __getitem__ sleeps 2 ms (simulated
decoding) and returns a 3x32x32 float32 image and a label, batch 32, with num_workers=0 and 2, for
chainrule and PyTorch (the same dataset object serves both). Worker start-up is part of each epoch
(persistent_workers=False, the default).

Run: PYTHONPATH=python python3 bench/bench_dataloader_workers.py [--samples 512] [--repeat 3]
"""
import time

import numpy as np

from chainrule.utils.data import DataLoader, Dataset
from common import bench_arguments, format_table, interleaved_medians, try_import_torch


class SlowDecode(Dataset):
    """n samples, each costing `seconds` of sleep (I/O or decoding) before it is returned."""

    def __init__(self, n, seconds=0.002):
        self.n, self.seconds = n, seconds
        self.images = np.random.default_rng(0).random((n, 3, 32, 32), dtype=np.float32)

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        time.sleep(self.seconds)
        return self.images[i], i % 10


def epoch(loader):
    def run():
        for _ in loader:
            pass
    return run


def main():
    p = bench_arguments(__doc__, repeat=3, unit="loader")
    p.add_argument("--samples", type=int, default=512, help="dataset size (batches of 32)")
    args = p.parse_args()
    ds = SlowDecode(args.samples)
    fns = {f"chainrule num_workers={w}": epoch(DataLoader(ds, batch_size=32, num_workers=w)) for w in (0, 2)}
    torch = try_import_torch(num_threads=args.threads)
    if torch is not None:
        for w in (0, 2):
            fns[f"torch num_workers={w}"] = epoch(torch.utils.data.DataLoader(ds, batch_size=32, num_workers=w))
    medians = interleaved_medians(fns, repeat=args.repeat, target_s=0.0)
    serial = args.samples * ds.seconds
    rows = []
    for name, t in medians.items():
        library, workers = name.split()
        theirs = medians.get(f"torch {workers}")
        rows.append([name, f"{t * 1e3:.0f}", f"{medians[library + ' num_workers=0'] / t:.2f}",
                     f"{t / theirs:.2f}" if theirs else "-"])
    print(f"{args.samples} samples x 2 ms sleep = {serial * 1e3:.0f} ms of serial 'decoding'; batch 32")
    print(format_table(["one epoch", "median ms", "speed-up vs 0 workers", "time vs torch"], rows))


if __name__ == "__main__":
    main()
