"""DataLoader worker processes, chainrule vs PyTorch: one epoch with num_workers=0 and 2, batch 32,
worker start-up included (persistent_workers=False, the default). Two datasets (the same objects
serve both libraries):
  decode: 512 samples whose __getitem__ sleeps 2 ms (simulated decoding), 3x32x32 float32 images;
  large:  256 samples with no work, 3x224x224 float32 images (19 MB batches): the cost of moving
          batches from the workers (shared memory in both libraries).

Run: PYTHONPATH=python python3 bench/bench_dataloader_workers.py [--repeat 3]
"""
import time

import numpy as np

from chainrule.utils.data import DataLoader, Dataset
from common import bench_arguments, format_table, interleaved_medians, one_epoch, try_import_torch


class Images(Dataset):
    """n copies of one random image of `shape`, each costing `seconds` of sleep (I/O or decoding)."""

    def __init__(self, n, shape, seconds):
        self.n, self.seconds = n, seconds
        self.image = np.random.default_rng(0).random(shape, dtype=np.float32)

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if self.seconds:
            time.sleep(self.seconds)
        return self.image, i % 10


def main():
    args = bench_arguments(__doc__, repeat=3, unit="loader").parse_args()
    torch = try_import_torch(num_threads=args.threads)
    datasets = {"decode": Images(512, (3, 32, 32), 0.002), "large": Images(256, (3, 224, 224), 0.0)}
    fns = {}
    for name, ds in datasets.items():
        for w in (0, 2):
            fns[f"{name} chainrule {w}"] = one_epoch(DataLoader(ds, batch_size=32, num_workers=w))
            if torch is not None:
                fns[f"{name} torch {w}"] = one_epoch(torch.utils.data.DataLoader(ds, batch_size=32, num_workers=w))
    medians = interleaved_medians(fns, repeat=args.repeat, target_s=0.0)
    rows = []
    for key, t in medians.items():
        name, library, workers = key.split()
        theirs = medians.get(f"{name} torch {workers}")
        rows.append([name, library, workers, f"{t * 1e3:.0f}", f"{medians[f'{name} {library} 0'] / t:.2f}",
                     f"{t / theirs:.2f}" if theirs else "-"])
    print(format_table(["dataset", "library", "num_workers", "epoch ms (median)", "speed-up vs 0 workers",
                        "time vs torch"], rows))


if __name__ == "__main__":
    main()
