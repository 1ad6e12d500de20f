"""A small DCGAN that learns to draw the 8x8 handwritten digits.

All 1,797 digits (train and test: a GAN has no test set), scaled to [-1, 1], are the data. The
generator maps 32 noise numbers through a linear layer and two transposed convolutions (2x2 -> 4x4
-> 8x8) to an image; the discriminator mirrors it with two strided convolutions and a linear layer.
Both train with Adam (lr 1e-3, betas (0.5, 0.999)) and BCEWithLogitsLoss, the real images labelled
0.9 (one-sided label smoothing). Each epoch shows a tqdm bar with the last batch's D and G
losses; D stays around 0.9-1.35 and G around 1.15-2.25 (neither wins: a loss of D near 0 would
mean collapse).

The same 64 noise vectors are drawn after epochs 1, 15 and 30 and saved as 8x8 grids of samples
(white ink on black, like the data) to --out/samples_epochNNN.png, with the weights of both nets
as safetensors (generator.safetensors, discriminator.safetensors). What you should see:
  epoch 1:  64 near-identical blobs of noisy pixels, no digit shapes yet;
  epoch 15: rough strokes, many of them already readable as 0, 2, 3, 5, 6, 9 but blotchy;
  epoch 30: varied digits, all ten in about equal numbers (no mode collapse); about half are clean
            (an SVM trained on the real digits labels them with > 80% confidence), the rest smudged.

    python examples/gan_digits.py                # about 10 s of training on 2 CPU cores
    python examples/gan_digits.py --epochs 10 --out /tmp/gan
    python examples/gan_digits.py --tensorboard runs/gan      # then: tensorboard --logdir runs
    python examples/gan_digits.py --device cuda   # on a GPU (the default when chainrule sees one)

With --tensorboard DIR the run is also logged for TensorBoard (docs/tensorboard.md): both losses each
step, the 64 fixed-noise samples each epoch (Images tab), and every 100 steps the weight and gradient
histograms and update-to-weight ratios of both nets (G. and D. in the tags). Logging changes nothing
in the training.
"""
import argparse
import math
import os
import time

import numpy as np
from tqdm import tqdm

import chainrule as cr
import chainrule.nn as nn
from chainrule.datasets import Digits
from chainrule.utils.data import DataLoader, TensorDataset
from mlp_digits import add_device_option


class Generator(nn.Module):
    """Noise (N, nz) -> images (N, 1, 8, 8) in [-1, 1]: project to 2x2, then two transposed convs doubling the size."""

    def __init__(self, nz, width):
        super().__init__()
        self.width = width
        self.project = nn.Sequential(nn.Linear(nz, 2 * width * 2 * 2, bias=False), nn.BatchNorm1d(2 * width * 2 * 2),
                                     nn.ReLU())
        self.body = nn.Sequential(
            nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1, bias=False),  # width x 4 x 4
            nn.BatchNorm2d(width), nn.ReLU(),
            nn.ConvTranspose2d(width, 1, 4, stride=2, padding=1),                    # 1 x 8 x 8
            nn.Tanh(),
        )

    def forward(self, z):
        return self.body(self.project(z).view(-1, 2 * self.width, 2, 2))


class Discriminator(nn.Module):
    """Images (N, 1, 8, 8) -> one logit each (N, 1): two strided convs halving the size, then a linear layer."""

    def __init__(self, width):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, width, 4, stride=2, padding=1), nn.LeakyReLU(0.2),                   # width x 4 x 4
            nn.Conv2d(width, 2 * width, 4, stride=2, padding=1, bias=False), nn.BatchNorm2d(2 * width),
            nn.LeakyReLU(0.2),                                                                  # 2 width x 2 x 2
            nn.Flatten(), nn.Linear(2 * width * 2 * 2, 1),
        )

    def forward(self, images):
        return self.net(images)


def load_images():
    """All 1,797 digits (train and test: a GAN has no test set) as one (N, 1, 8, 8) tensor scaled to [-1, 1]."""
    images = cr.cat([Digits(train=True).data, Digits(train=False).data])
    return images * 2 - 1


def open_tensorboard(log_dir, G, D):
    """(SummaryWriter, [ModelStatsLogger of G, of D]) for log_dir, or (None, []) without log_dir."""
    if not log_dir:
        return None, []
    from chainrule.utils.tensorboard import ModelStatsLogger, SummaryWriter
    writer = SummaryWriter(log_dir)
    return writer, [ModelStatsLogger(writer, G, every=100, prefix="G."),
                    ModelStatsLogger(writer, D, every=100, prefix="D.")]


def train(args):
    cr.manual_seed(args.seed)
    loader = DataLoader(TensorDataset(load_images()), batch_size=args.batch_size, shuffle=True, drop_last=True)
    G, D = Generator(args.nz, args.width).to(args.device), Discriminator(args.width).to(args.device)
    opt_g = cr.optim.Adam(G.parameters(), lr=args.lr, betas=(0.5, 0.999))
    opt_d = cr.optim.Adam(D.parameters(), lr=args.lr, betas=(0.5, 0.999))
    bce = nn.BCEWithLogitsLoss()
    # Noise comes from the CPU generator and then moves, so a seed draws the same noise on every device.
    fixed_noise = cr.randn(64, args.nz).to(args.device)
    snapshots = {}
    writer, net_stats = open_tensorboard(args.tensorboard, G, D)
    step = 0
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        G.train()
        D.train()
        bar = tqdm(loader, desc=f"epoch {epoch:2d}/{args.epochs}", unit="batch", leave=True)
        for (real,) in bar:
            real = real.to(args.device)
            fake = G(cr.randn(real.shape[0], args.nz).to(args.device))
            # D step: real -> 0.9 (one-sided label smoothing), fake -> 0; detach() keeps G out of it.
            d_real, d_fake = D(real), D(fake.detach())
            loss_d = bce(d_real, cr.full_like(d_real, 0.9)) + bce(d_fake, cr.zeros_like(d_fake))
            opt_d.zero_grad()
            loss_d.backward()
            opt_d.step()
            # G step: make D call the same fakes real.
            d_fake = D(fake)
            loss_g = bce(d_fake, cr.ones_like(d_fake))
            opt_g.zero_grad()
            loss_g.backward()
            opt_g.step()
            bar.set_postfix(loss_d=f"{loss_d.item():.3f}", loss_g=f"{loss_g.item():.3f}")
            if writer:
                writer.add_scalars("loss", {"D": loss_d.item(), "G": loss_g.item()}, step)
                for stats in net_stats:
                    stats.log(step)
            step += 1
        if epoch in args.snapshot_epochs or writer:
            G.eval()
            with cr.no_grad():
                samples = G(fixed_noise).cpu()
            if epoch in args.snapshot_epochs:
                snapshots[epoch] = samples
            if writer:
                writer.add_images("samples", (samples + 1) / 2, epoch)
    elapsed = time.perf_counter() - start
    if writer:
        writer.close()
        print(f"TensorBoard logs written to {args.tensorboard} (open them: tensorboard --logdir {args.tensorboard})")
    return G, D, snapshots, elapsed


def image_grid(images, columns=8, padding=1, pad_value=0.5):
    """(N, 1, H, W) tensor in [-1, 1] -> one NumPy image in [0, 1] of the N images in rows of `columns`.

    Like torchvision.utils.make_grid: the images are separated by `padding` pixels of `pad_value`.
    """
    pixels = (images.detach().numpy()[:, 0] + 1) / 2
    n, h, w = pixels.shape
    rows = math.ceil(n / columns)
    grid = np.full((rows * (h + padding) + padding, columns * (w + padding) + padding), pad_value, dtype=pixels.dtype)
    for i, image in enumerate(pixels):
        top, left = padding + (i // columns) * (h + padding), padding + (i % columns) * (w + padding)
        grid[top:top + h, left:left + w] = image
    return grid


def save_grids(snapshots, out):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed (pip install matplotlib): no sample images written")
        return
    for epoch, images in snapshots.items():
        path = os.path.join(out, f"samples_epoch{epoch:03d}.png")
        fig, ax = plt.subplots(figsize=(4, 4))
        ax.imshow(image_grid(images), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        ax.set_title(f"64 samples after epoch {epoch}")
        ax.axis("off")
        fig.tight_layout()
        fig.savefig(path, dpi=100)
        plt.close(fig)
        print(f"samples written to {path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--nz", type=int, default=32, help="size of the noise vector")
    parser.add_argument("--width", type=int, default=32, help="channels of the first conv layer")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="out/gan", help="folder for the weights and the sample grids")
    parser.add_argument("--tensorboard", metavar="DIR", default=None,
                        help="also log the run for TensorBoard in DIR (default: off; needs the tensorboard package)")
    add_device_option(parser)
    args = parser.parse_args()
    args.snapshot_epochs = sorted({1, (args.epochs + 1) // 2, args.epochs})
    G, D, snapshots, elapsed = train(args)
    os.makedirs(args.out, exist_ok=True)
    for name, model in (("generator", G), ("discriminator", D)):
        cr.save(model.state_dict(), os.path.join(args.out, f"{name}.safetensors"))
    print(f"trained {args.epochs} epochs in {elapsed:.1f} s; weights saved to {args.out}")
    save_grids(snapshots, args.out)


if __name__ == "__main__":
    main()
