"""Fine-tuning a "pretrained" MLP backbone on a new task, in the habits of Kaggle notebooks: a frozen
first layer and frozen BatchNorm statistics (isinstance(m, _BatchNorm) -> m.eval()), parameter groups
(lower lr for the backbone, no weight decay on biases and norms), OneCycleLR stepped per batch, gradient clipping, mixup with label smoothing, an EMA of the weights
(AveragedModel), a checkpoint of model + optimizer + scheduler + epoch saved mid-training and resumed
into fresh objects, then evaluation under inference_mode with top-1/top-2 accuracy and a confusion
matrix.

A plain PyTorch program; tests/test_programs.py runs it under chainrule with only the import changed.
"""
import argparse
import json
import os
import random
import tempfile
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.modules.batchnorm import _BatchNorm
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
from torch.utils.data import DataLoader, TensorDataset, random_split


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False


def make_blobs(n, num_classes, dim, seed):
    """Gaussian blobs around random class centres, as float32 features and int64 labels."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 0.5, size=(num_classes, dim))
    labels = rng.integers(0, num_classes, size=n)
    features = centres[labels] + rng.normal(0, 1.0, size=(n, dim))
    return torch.from_numpy(features.astype(np.float32)), torch.from_numpy(labels)


class Backbone(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.stem = nn.Linear(dim, hidden)
        self.bn = nn.BatchNorm1d(hidden)
        self.norm = nn.LayerNorm(hidden)
        self.block = nn.Sequential(nn.Linear(hidden, hidden), nn.GELU(), nn.Dropout(0.1))

    def forward(self, x):
        x = self.norm(F.gelu(self.bn(self.stem(x))))
        return x + self.block(x)


class Classifier(nn.Module):
    def __init__(self, dim, hidden, num_classes):
        super().__init__()
        self.backbone = Backbone(dim, hidden)
        self.head = nn.Linear(hidden, num_classes)

    def forward(self, x):
        return self.head(self.backbone(x))


def pretrain(model, loader, epochs):
    """Stands in for downloading pretrained weights: a few epochs on the source task."""
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    model.train()
    for _ in range(epochs):
        for x, y in loader:
            opt.zero_grad(set_to_none=True)
            F.cross_entropy(model(x), y).backward()
            opt.step()


def param_groups(model, lr, weight_decay):
    """The usual split: no decay on biases and norm weights, a 10x smaller lr on the backbone."""
    groups = {(part, decay): [] for part in ("backbone", "head") for decay in (True, False)}
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        part = "backbone" if name.startswith("backbone.") else "head"
        decay = param.ndim > 1 and "norm" not in name and ".bn." not in name
        groups[part, decay].append(param)
    return [{"params": params, "lr": lr / 10 if part == "backbone" else lr,
             "weight_decay": weight_decay if decay else 0.0}
            for (part, decay), params in groups.items() if params]


def mixup(x, y, alpha):
    lam = float(np.random.beta(alpha, alpha))
    index = torch.randperm(x.size(0))
    return lam * x + (1 - lam) * x[index], y, y[index], lam


def set_bn_eval(m):
    if isinstance(m, _BatchNorm):
        m.eval()


def train_one_epoch(model, ema, loader, optimizer, scheduler, criterion, max_norm):
    model.train()
    model.apply(set_bn_eval)  # keep the pretrained BatchNorm statistics
    total, count = 0.0, 0
    for x, y in loader:
        x, y_a, y_b, lam = mixup(x, y, alpha=0.4)
        out = model(x)
        loss = lam * criterion(out, y_a) + (1 - lam) * criterion(out, y_b)
        optimizer.zero_grad()
        loss.backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
        assert torch.isfinite(grad_norm)
        optimizer.step()
        scheduler.step()
        ema.update_parameters(model)
        total += loss.item() * x.size(0)
        count += x.size(0)
    return total / count


@torch.inference_mode()
def evaluate(model, loader, num_classes):
    model.eval()
    confusion = torch.zeros(num_classes, num_classes, dtype=torch.long)
    top1 = top2 = 0
    for x, y in loader:
        logits = model(x)
        _, pred = logits.topk(2, dim=1, largest=True, sorted=True)
        correct = pred.eq(y.view(-1, 1).expand_as(pred))
        top1 += correct[:, :1].sum().item()
        top2 += correct.any(dim=1).sum().item()
        confusion.index_put_((y, pred[:, 0]), torch.ones_like(y), accumulate=True)
    n = len(loader.dataset)
    return top1 / n, top2 / n, confusion


def build(args, num_classes, pretrained_state, total_steps):
    model = Classifier(args.dim, args.hidden, num_classes)
    model.load_state_dict(pretrained_state, strict=False)
    model.backbone.stem.requires_grad_(False)
    model.backbone.bn.requires_grad_(False)
    optimizer = torch.optim.AdamW(param_groups(model, args.lr, 0.05), lr=args.lr, betas=(0.9, 0.999))
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=[g["lr"] for g in optimizer.param_groups], total_steps=total_steps, pct_start=0.3)
    ema = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.9))
    return model, optimizer, scheduler, ema


def main():
    parser = argparse.ArgumentParser(description="fine-tuning with resume")
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--samples", type=int, default=1200)
    parser.add_argument("--dim", type=int, default=16)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-2)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    seed_everything(args.seed)
    num_classes = 5

    source = TensorDataset(*make_blobs(args.samples, 8, args.dim, seed=args.seed))
    pretrained = Classifier(args.dim, args.hidden, 8)
    pretrain(pretrained, DataLoader(source, batch_size=64, shuffle=True), epochs=2)
    pretrained_state = {k: v for k, v in pretrained.state_dict().items() if not k.startswith("head.")}

    target = TensorDataset(*make_blobs(args.samples, num_classes, args.dim, seed=args.seed + 1))
    n_val = len(target) // 5
    train_set, val_set = random_split(target, [len(target) - n_val, n_val],
                                      generator=torch.Generator().manual_seed(args.seed))
    train_loader = DataLoader(train_set, batch_size=32, shuffle=True, drop_last=True)
    val_loader = DataLoader(val_set, batch_size=128)
    total_steps = args.epochs * len(train_loader)
    criterion = nn.CrossEntropyLoss(label_smoothing=0.1)

    model, optimizer, scheduler, ema = build(args, num_classes, pretrained_state, total_steps)
    frozen = [name for name, p in model.named_parameters() if not p.requires_grad]
    assert frozen == ["backbone.stem.weight", "backbone.stem.bias", "backbone.bn.weight", "backbone.bn.bias"], frozen
    stem_before = model.backbone.stem.weight.detach().clone()
    bn_stats_before = model.backbone.bn.running_mean.clone()
    checkpoint_path = os.path.join(tempfile.mkdtemp(), "last.pt")
    start = time.perf_counter()
    resume_at = args.epochs // 2
    epoch = 0
    while epoch < args.epochs:
        loss = train_one_epoch(model, ema, train_loader, optimizer, scheduler, criterion, max_norm=1.0)
        epoch += 1
        print(f"epoch {epoch} loss {loss:.4f} lr {scheduler.get_last_lr()[-1]:.5f}")
        torch.save({"epoch": epoch, "model": model.state_dict(), "ema": ema.state_dict(),
                    "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
                    "rng": torch.get_rng_state()}, checkpoint_path)
        if epoch == resume_at:  # simulate the notebook being restarted: rebuild everything, resume
            ckpt = torch.load(checkpoint_path, map_location="cpu", weights_only=True)
            model, optimizer, scheduler, ema = build(args, num_classes, pretrained_state, total_steps)
            model.load_state_dict(ckpt["model"])
            ema.load_state_dict(ckpt["ema"])
            optimizer.load_state_dict(ckpt["optimizer"])
            scheduler.load_state_dict(ckpt["scheduler"])
            torch.set_rng_state(ckpt["rng"])
            epoch = ckpt["epoch"]
            assert scheduler.last_epoch == epoch * len(train_loader)
    seconds = time.perf_counter() - start
    assert torch.equal(model.backbone.stem.weight, stem_before), "the frozen layer moved"
    assert torch.equal(model.backbone.bn.running_mean, bn_stats_before), "the frozen BatchNorm statistics moved"
    assert model.backbone.bn.num_batches_tracked.item() == pretrained.backbone.bn.num_batches_tracked.item()

    top1, top2, confusion = evaluate(model, val_loader, num_classes)
    ema_top1, _, _ = evaluate(ema.module, val_loader, num_classes)
    assert confusion.sum().item() == n_val and confusion.diag().sum().item() == round(top1 * n_val)
    per_class = (confusion.diag().float() / confusion.sum(dim=1).clamp(min=1).float()).tolist()
    print(f"val top1 {top1:.3f} top2 {top2:.3f} ema top1 {ema_top1:.3f}")
    print(confusion.numpy())

    whole_path = os.path.join(tempfile.mkdtemp(), "model.pt")
    torch.save(ema.module, whole_path)
    reloaded = torch.load(whole_path, weights_only=False)
    assert evaluate(reloaded, val_loader, num_classes)[0] == ema_top1
    print(json.dumps({"loss": loss, "top1": top1, "top2": top2, "ema_top1": ema_top1,
                      "min_class_recall": min(per_class), "seconds": seconds}))


if __name__ == "__main__":
    main()
