"""Metric learning on shape images, as retrieval tutorials write it: a custom batch sampler that puts
P classes x K samples in each batch (DataLoader(batch_sampler=...)), an embedding CNN whose outputs
are F.normalize'd, batch-hard triplet mining on a torch.cdist distance matrix with
nn.TripletMarginLoss, a CosineEmbeddingLoss term on sampled pairs, class centroids accumulated with
index_add_ / scatter_add_, then nearest-centroid accuracy (einsum of cosine similarities) and
recall@1 by topk over the gallery.

A plain PyTorch program; tests/test_programs.py runs it under chainrule with only the import changed.
"""
import argparse
import json
import random
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset, Sampler

from shapes_data import make_shapes


class ShapeImages(Dataset):
    def __init__(self, n, seed):
        images, labels = make_shapes(n, size=12, seed=seed)
        self.images, self.labels = torch.from_numpy(images), torch.from_numpy(labels)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return self.images[i], self.labels[i]


class PKSampler(Sampler):
    """Yields batches of P classes with K samples each (with replacement inside a small class)."""

    def __init__(self, labels, p, k, batches):
        self.p, self.k, self.batches = p, k, batches
        self.by_class = {c: np.flatnonzero(labels == c).tolist() for c in np.unique(labels)}

    def __iter__(self):
        for _ in range(self.batches):
            batch = []
            for c in random.sample(sorted(self.by_class), self.p):
                batch.extend(random.choices(self.by_class[c], k=self.k))
            yield batch

    def __len__(self):
        return self.batches


class EmbeddingNet(nn.Module):
    def __init__(self, dim=16):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.PReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.PReLU(),
            nn.AdaptiveAvgPool2d((2, 2)),
        )
        self.fc = nn.Linear(16 * 2 * 2, dim)

    def forward(self, x):
        return F.normalize(self.fc(self.features(x).view(x.size(0), -1)), p=2, dim=1)


def batch_hard_triplets(embeddings, labels):
    """For each anchor: the farthest positive and the nearest negative in the batch."""
    dist = torch.cdist(embeddings, embeddings, p=2)
    same = labels.unsqueeze(0) == labels.unsqueeze(1)
    eye = torch.eye(len(labels), dtype=torch.bool, device=labels.device)
    hardest_pos = dist.masked_fill(~same | eye, float("-inf")).argmax(dim=1)
    hardest_neg = dist.masked_fill(same, float("inf")).argmin(dim=1)
    return embeddings, embeddings[hardest_pos], embeddings[hardest_neg]


def cosine_pairs(embeddings, labels, n_pairs):
    i, j = torch.triu_indices(len(labels), len(labels), offset=1)
    pick = torch.randperm(i.numel())[:n_pairs]
    i, j = i[pick], j[pick]
    target = torch.where(labels[i] == labels[j], 1, -1)
    return embeddings[i], embeddings[j], target


@torch.no_grad()
def embed_all(model, dataset):
    model.eval()
    loader = DataLoader(dataset, batch_size=256)
    embeddings, labels = zip(*[(model(x), y) for x, y in loader])
    return torch.cat(embeddings), torch.cat(labels)


def main():
    parser = argparse.ArgumentParser(description="metric learning with batch-hard triplets")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batches", type=int, default=30)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    random.seed(args.seed)
    torch.manual_seed(args.seed)

    train_set = ShapeImages(800, args.seed)
    gallery_set, query_set = ShapeImages(200, args.seed + 1), ShapeImages(100, args.seed + 2)
    loader = DataLoader(train_set, batch_sampler=PKSampler(train_set.labels.numpy(), p=4, k=8, batches=args.batches))
    model = EmbeddingNet()
    triplet = nn.TripletMarginLoss(margin=0.3, p=2)
    cosine = nn.CosineEmbeddingLoss(margin=0.2)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3, weight_decay=1e-5)
    scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.8)

    start = time.perf_counter()
    for epoch in range(args.epochs):
        model.train()
        total = 0.0
        for images, labels in loader:
            emb = model(images)
            loss = triplet(*batch_hard_triplets(emb, labels)) + 0.5 * cosine(*cosine_pairs(emb, labels, 64))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item()
        scheduler.step()
        print(f"epoch {epoch}: loss {total / len(loader):.4f}")
    seconds = time.perf_counter() - start

    gallery, gallery_labels = embed_all(model, gallery_set)
    queries, query_labels = embed_all(model, query_set)
    assert torch.allclose(gallery.norm(dim=1), torch.ones(len(gallery)), atol=1e-5)

    num_classes = int(gallery_labels.max()) + 1
    sums = torch.zeros(num_classes, gallery.size(1)).index_add_(0, gallery_labels, gallery)
    counts = torch.zeros(num_classes).scatter_add_(0, gallery_labels, torch.ones(len(gallery_labels)))
    centroids = F.normalize(sums / counts.unsqueeze(1), dim=1)
    similarity = torch.einsum("qd,cd->qc", queries, centroids)
    centroid_acc = (similarity.argmax(1) == query_labels).float().mean().item()

    nearest = torch.cdist(queries, gallery).topk(1, dim=1, largest=False).indices.squeeze(1)
    recall_at_1 = (gallery_labels[nearest] == query_labels).float().mean().item()
    same = F.cosine_similarity(queries.unsqueeze(1), gallery.unsqueeze(0), dim=-1)
    pos_mask = query_labels.unsqueeze(1) == gallery_labels.unsqueeze(0)
    margin = (same[pos_mask].mean() - same[~pos_mask].mean()).item()
    print(f"recall@1 {recall_at_1:.3f} centroid acc {centroid_acc:.3f} cosine margin {margin:.3f}")
    print(json.dumps({"loss": total / len(loader), "recall_at_1": recall_at_1, "centroid_acc": centroid_acc,
                      "cosine_margin": margin, "seconds": seconds}))


if __name__ == "__main__":
    main()
