"""A tiny Vision Transformer on 12x12 shape images, written the way timm-inspired notebooks write it:
a Conv2d patch embedding, a learned cls token (nn.Parameter(torch.zeros(1, 1, d)) expanded over the
batch), a learned position embedding with trunc_normal_ init, blocks whose attention calls
F.scaled_dot_product_attention, stochastic depth (DropPath), activation checkpointing of the blocks
(torch.utils.checkpoint, as timm's set_grad_checkpointing), a register_buffer, weight init through
self.apply, linear warmup then cosine decay (SequentialLR of LinearLR + CosineAnnealingLR), and an
attention-pooling head built on nn.MultiheadAttention(batch_first=True) with a key_padding_mask that
hides randomly dropped patches.

A plain PyTorch program; tests/test_programs.py runs it under chainrule with only the import changed.
"""
import argparse
import json
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.checkpoint import checkpoint
from torch.utils.data import DataLoader, TensorDataset

from shapes_data import make_shapes


class PatchEmbed(nn.Module):
    def __init__(self, img_size=12, patch_size=4, in_chans=1, embed_dim=32):
        super().__init__()
        self.num_patches = (img_size // patch_size) ** 2
        self.proj = nn.Conv2d(in_chans, embed_dim, kernel_size=patch_size, stride=patch_size)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)  # (B, N, D)


class DropPath(nn.Module):
    def __init__(self, drop_prob=0.0):
        super().__init__()
        self.drop_prob = drop_prob

    def forward(self, x):
        if self.drop_prob == 0.0 or not self.training:
            return x
        keep_prob = 1 - self.drop_prob
        shape = (x.shape[0],) + (1,) * (x.ndim - 1)
        random_tensor = x.new_empty(shape).bernoulli_(keep_prob)
        return x * random_tensor.div_(keep_prob)


class Attention(nn.Module):
    def __init__(self, dim, num_heads):
        super().__init__()
        self.num_heads = num_heads
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        B, N, C = x.shape
        qkv = self.qkv(x).reshape(B, N, 3, self.num_heads, C // self.num_heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        x = F.scaled_dot_product_attention(q, k, v, dropout_p=0.0)
        return self.proj(x.transpose(1, 2).reshape(B, N, C))


class Block(nn.Module):
    def __init__(self, dim, num_heads, mlp_ratio=2.0, drop_path=0.0):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, num_heads)
        self.drop_path = DropPath(drop_path) if drop_path > 0.0 else nn.Identity()
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = nn.Sequential(nn.Linear(dim, int(dim * mlp_ratio)), nn.GELU(approximate="tanh"),
                                 nn.Linear(int(dim * mlp_ratio), dim))

    def forward(self, x):
        x = x + self.drop_path(self.attn(self.norm1(x)))
        return x + self.drop_path(self.mlp(self.norm2(x)))


class VisionTransformer(nn.Module):
    def __init__(self, num_classes=4, embed_dim=32, depth=3, num_heads=4, drop_path_rate=0.1):
        super().__init__()
        self.patch_embed = PatchEmbed(embed_dim=embed_dim)
        num_patches = self.patch_embed.num_patches
        self.cls_token = nn.Parameter(torch.zeros(1, 1, embed_dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, num_patches + 1, embed_dim))
        dpr = [x.item() for x in torch.linspace(0, drop_path_rate, depth)]
        self.blocks = nn.ModuleList([Block(embed_dim, num_heads, drop_path=dpr[i]) for i in range(depth)])
        self.norm = nn.LayerNorm(embed_dim, eps=1e-6)
        self.pool = nn.MultiheadAttention(embed_dim, num_heads, batch_first=True)
        self.head = nn.Linear(embed_dim, num_classes)
        self.register_buffer("patch_ids", torch.arange(num_patches), persistent=False)
        self.grad_checkpointing = False
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        nn.init.trunc_normal_(self.cls_token, std=0.02)
        self.apply(self._init_weights)

    def _init_weights(self, m):
        if isinstance(m, nn.Linear):
            nn.init.trunc_normal_(m.weight, std=0.02)
            if m.bias is not None:
                nn.init.constant_(m.bias, 0)
        elif isinstance(m, nn.LayerNorm):
            nn.init.constant_(m.bias, 0)
            nn.init.constant_(m.weight, 1.0)

    def set_grad_checkpointing(self, enable=True):
        self.grad_checkpointing = enable

    def forward(self, x, patch_drop=0.0):
        x = self.patch_embed(x)
        cls_tokens = self.cls_token.expand(x.shape[0], -1, -1)
        x = torch.cat((cls_tokens, x), dim=1) + self.pos_embed
        for blk in self.blocks:
            if self.grad_checkpointing and self.training:
                x = checkpoint(blk, x, use_reentrant=False)
            else:
                x = blk(x)
        x = self.norm(x)
        cls, patches = x[:, :1], x[:, 1:]
        # hide a random subset of patches from the pooling attention (never all of them)
        hidden = torch.rand(patches.shape[:2], device=x.device) < patch_drop
        hidden &= self.patch_ids.unsqueeze(0) != 0
        pooled, attn_weights = self.pool(cls, patches, patches, key_padding_mask=hidden)
        assert torch.allclose(attn_weights.sum(-1), torch.ones(()))
        assert (attn_weights.squeeze(1)[hidden] == 0).all()
        return self.head(pooled.squeeze(1) + cls.squeeze(1))


def main():
    parser = argparse.ArgumentParser(description="tiny ViT")
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--samples", type=int, default=1024)
    parser.add_argument("--warmup-epochs", type=int, default=1)
    parser.add_argument("--grad-checkpointing", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.manual_seed(args.seed)

    images, labels = make_shapes(args.samples, size=12, seed=args.seed)
    test_images, test_labels = make_shapes(256, size=12, seed=args.seed + 1)
    train_loader = DataLoader(TensorDataset(torch.from_numpy(images), torch.from_numpy(labels)),
                              batch_size=64, shuffle=True)
    test_set = TensorDataset(torch.tensor(test_images), torch.tensor(test_labels))

    model = VisionTransformer()
    model.set_grad_checkpointing(args.grad_checkpointing)
    decay = [p for n, p in model.named_parameters() if p.ndim >= 2 and "pos_embed" not in n and "cls_token" not in n]
    no_decay = [p for n, p in model.named_parameters() if not (p.ndim >= 2 and "pos_embed" not in n and "cls_token" not in n)]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05},
                                   {"params": no_decay, "weight_decay": 0.0}], lr=3e-3)
    steps_per_epoch = len(train_loader)
    warmup = torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=0.1, total_iters=args.warmup_epochs * steps_per_epoch)
    cosine = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=(args.epochs - args.warmup_epochs) * steps_per_epoch,
                                                        eta_min=1e-5)
    scheduler = torch.optim.lr_scheduler.SequentialLR(optimizer, schedulers=[warmup, cosine],
                                                      milestones=[args.warmup_epochs * steps_per_epoch])
    criterion = nn.CrossEntropyLoss(label_smoothing=0.1)

    start = time.perf_counter()
    for epoch in range(args.epochs):
        model.train()
        running = 0.0
        for step, (x, y) in enumerate(train_loader):
            loss = criterion(model(x, patch_drop=0.25), y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            running += loss.item()
        print(f"epoch {epoch}: loss {running / len(train_loader):.4f} lr {scheduler.get_last_lr()[0]:.2e}")
    seconds = time.perf_counter() - start

    model.eval()
    with torch.inference_mode():
        x, y = test_set.tensors
        logits = model(x)
        test_loss = F.cross_entropy(logits, y).item()
        accuracy = (logits.argmax(-1) == y).float().mean().item()
    assert "patch_ids" not in model.state_dict()
    assert math.isclose(optimizer.param_groups[0]["lr"], 1e-5, rel_tol=1e-6)
    print(f"test loss {test_loss:.4f} accuracy {accuracy:.3f}")
    print(json.dumps({"loss": test_loss, "accuracy": accuracy, "seconds": seconds}))


if __name__ == "__main__":
    main()
