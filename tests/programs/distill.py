"""Knowledge distillation on an imbalanced tabular task, in the style of distillation tutorials: a
teacher trained with a WeightedRandomSampler (class weights from torch.bincount), frozen, then a small
student trained on soft targets (KLDivLoss(reduction="batchmean") on temperature-scaled log_softmax /
softmax, times T**2) plus the hard-label loss, under autocast and a disabled GradScaler as notebooks
keep them, with CosineAnnealingWarmRestarts, an SWA copy of the student (AveragedModel + SWALR +
update_bn for its BatchNorm) and per-class recall from a confusion matrix built with bincount.

A plain PyTorch program; tests/test_programs.py runs it under chainrule with only the import changed.
"""
import argparse
import json
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.optim.swa_utils import SWALR, AveragedModel, update_bn
from torch.utils.data import ConcatDataset, DataLoader, Subset, TensorDataset, WeightedRandomSampler


def make_imbalanced(n, dim, seed, class_probs=(0.7, 0.2, 0.1)):
    """Three classes in a nonlinear arrangement (rings of different radii), most samples in class 0."""
    g = torch.Generator().manual_seed(seed)
    y = torch.multinomial(torch.tensor(class_probs), n, replacement=True, generator=g)
    direction = F.normalize(torch.randn(n, dim, generator=g), dim=1)
    radius = 1.0 + y.float() + 0.3 * torch.randn(n, generator=g)
    return direction * radius.unsqueeze(1), y


def mlp(dim, hidden, num_classes, depth):
    layers, width = [], dim
    for _ in range(depth):
        layers += [nn.Linear(width, hidden), nn.BatchNorm1d(hidden), nn.ReLU(inplace=True)]
        width = hidden
    return nn.Sequential(*layers, nn.Linear(width, num_classes))


def distillation_loss(student_logits, teacher_logits, labels, T, alpha):
    soft = nn.KLDivLoss(reduction="batchmean")(F.log_softmax(student_logits / T, dim=-1),
                                                F.softmax(teacher_logits / T, dim=-1)) * (T * T)
    hard = F.cross_entropy(student_logits, labels)
    return alpha * soft + (1.0 - alpha) * hard


@torch.no_grad()
def confusion_and_recall(model, loader, num_classes):
    model.eval()
    preds, targets = [], []
    for x, y in loader:
        preds.append(model(x).argmax(dim=1))
        targets.append(y)
    preds, targets = torch.cat(preds), torch.cat(targets)
    confusion = torch.bincount(targets * num_classes + preds, minlength=num_classes ** 2).reshape(num_classes, num_classes)
    recall = confusion.diag() / confusion.sum(1).clamp_min(1)
    return confusion, recall, (preds == targets).float().mean().item()


def main():
    parser = argparse.ArgumentParser(description="knowledge distillation")
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--temperature", type=float, default=4.0)
    parser.add_argument("--alpha", type=float, default=0.7)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    use_amp = device.type == "cuda"
    num_classes, dim = 3, 8

    full = TensorDataset(*make_imbalanced(args.samples, dim, seed=args.seed))
    perm = torch.randperm(len(full)).tolist()
    split = int(0.8 * len(full))
    train_set, val_set = Subset(full, perm[:split]), Subset(full, perm[split:])
    train_labels = full.tensors[1][perm[:split]]
    class_counts = torch.bincount(train_labels, minlength=num_classes)
    print("class counts:", class_counts.tolist(), "histogram of radii:",
          torch.histc(full.tensors[0].norm(dim=1), bins=6, min=0, max=4.5).int().tolist())
    sample_weights = (1.0 / class_counts.float())[train_labels]
    sampler = WeightedRandomSampler(sample_weights.double(), num_samples=len(sample_weights), replacement=True)
    train_loader = DataLoader(train_set, batch_size=64, sampler=sampler, drop_last=True)
    plain_loader = DataLoader(train_set, batch_size=64, shuffle=True, drop_last=True)
    val_loader = DataLoader(ConcatDataset([val_set]), batch_size=256)

    start = time.perf_counter()
    teacher = mlp(dim, 128, num_classes, depth=3).to(device)
    opt = torch.optim.SGD(teacher.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=1, eta_min=1e-3)
    scaler = torch.cuda.amp.GradScaler(enabled=use_amp)
    for epoch in range(args.epochs):
        teacher.train()
        for i, (x, y) in enumerate(train_loader):
            x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
            with torch.autocast(device_type=device.type, enabled=use_amp):
                loss = F.cross_entropy(teacher(x), y)
            opt.zero_grad()
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
            sched.step(epoch + i / len(train_loader))
    _, teacher_recall, teacher_acc = confusion_and_recall(teacher, val_loader, num_classes)
    print(f"teacher acc {teacher_acc:.3f} recall {teacher_recall.tolist()}")

    teacher.eval()
    for p in teacher.parameters():
        p.requires_grad = False
    student = mlp(dim, 16, num_classes, depth=2).to(device)
    opt = torch.optim.Adam(student.parameters(), lr=1e-2)
    swa_student = AveragedModel(student)
    swa_start = args.epochs // 2
    swa_scheduler = SWALR(opt, swa_lr=5e-3, anneal_epochs=1, anneal_strategy="cos")
    for epoch in range(args.epochs):
        student.train()
        for x, y in plain_loader:
            with torch.no_grad():
                teacher_logits = teacher(x)
            loss = distillation_loss(student(x), teacher_logits, y, args.temperature, args.alpha)
            opt.zero_grad()
            loss.backward()
            opt.step()
        if epoch >= swa_start:
            swa_student.update_parameters(student)
            swa_scheduler.step()
        print(f"student epoch {epoch}: loss {loss.item():.4f}")
    update_bn(plain_loader, swa_student)
    seconds = time.perf_counter() - start

    assert all(not p.requires_grad for p in teacher.parameters())
    assert swa_student.n_averaged.item() == args.epochs - swa_start
    confusion, recall, student_acc = confusion_and_recall(student, val_loader, num_classes)
    _, _, swa_acc = confusion_and_recall(swa_student, val_loader, num_classes)
    teacher_params = sum(p.numel() for p in teacher.parameters())
    student_params = sum(p.numel() for p in student.parameters())
    print(f"student acc {student_acc:.3f} swa acc {swa_acc:.3f} ({student_params} vs {teacher_params} params)")
    print(confusion.numpy())
    print(json.dumps({"teacher_acc": teacher_acc, "student_acc": student_acc, "swa_acc": swa_acc,
                      "min_recall": recall.min().item(), "seconds": seconds}))


if __name__ == "__main__":
    main()
