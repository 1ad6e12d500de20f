"""A character-level Transformer language model: train on a short text, then sample from it.

A plain PyTorch program (decoder-only: nn.TransformerEncoder with a causal mask), written the way
tutorials write it; tests/test_programs.py runs it under chainrule with only the import changed.
"""
import argparse
import json
import math
import os
import time

import torch
import torch.nn as nn
from torch.nn import functional as F

parser = argparse.ArgumentParser(description="char-level Transformer LM")
parser.add_argument("--steps", type=int, default=300)
parser.add_argument("--block-size", type=int, default=32)
parser.add_argument("--batch-size", type=int, default=16)
parser.add_argument("--d-model", type=int, default=64)
parser.add_argument("--layers", type=int, default=2)
parser.add_argument("--seed", type=int, default=1337)
args = parser.parse_args()

torch.manual_seed(args.seed)
device = "cuda" if torch.cuda.is_available() else "cpu"

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus.txt")) as f:
    text = f.read()
chars = sorted(set(text))
vocab_size = len(chars)
stoi = {ch: i for i, ch in enumerate(chars)}
itos = {i: ch for ch, i in stoi.items()}
encode = lambda s: [stoi[c] for c in s]
decode = lambda ids: "".join(itos[i] for i in ids)

data = torch.tensor(encode(text), dtype=torch.long)
n = int(0.9 * len(data))
train_data, val_data = data[:n], data[n:]


def get_batch(split):
    source = train_data if split == "train" else val_data
    ix = torch.randint(len(source) - args.block_size, (args.batch_size,))
    x = torch.stack([source[i:i + args.block_size] for i in ix])
    y = torch.stack([source[i + 1:i + args.block_size + 1] for i in ix])
    return x.to(device), y.to(device)


class PositionalEncoding(nn.Module):
    def __init__(self, d_model, max_len=512, dropout=0.1):
        super().__init__()
        self.dropout = nn.Dropout(p=dropout)
        position = torch.arange(max_len).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        pe = torch.zeros(max_len, d_model)
        pe[:, 0::2] = torch.sin(position * div_term)
        pe[:, 1::2] = torch.cos(position * div_term)
        self.register_buffer("pe", pe)

    def forward(self, x):  # x: (B, T, C)
        return self.dropout(x + self.pe[: x.size(1)])


class CharTransformer(nn.Module):
    def __init__(self, vocab_size, d_model, nhead, num_layers):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, d_model)
        self.pos = PositionalEncoding(d_model)
        layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward=4 * d_model, dropout=0.1,
                                           batch_first=True, norm_first=True, activation="gelu")
        self.encoder = nn.TransformerEncoder(layer, num_layers, enable_nested_tensor=False)
        self.ln_f = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab_size)

    def forward(self, idx, targets=None):
        T = idx.size(1)
        mask = nn.Transformer.generate_square_subsequent_mask(T).to(idx.device)
        h = self.encoder(self.pos(self.embed(idx) * math.sqrt(self.embed.embedding_dim)), mask=mask, is_causal=True)
        logits = self.head(self.ln_f(h))
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))
        return logits, loss

    @torch.no_grad()
    def generate(self, idx, max_new_tokens, temperature=1.0, top_k=None):
        for _ in range(max_new_tokens):
            logits, _ = self(idx[:, -args.block_size:])
            logits = logits[:, -1, :] / temperature
            if top_k is not None:
                v, _ = torch.topk(logits, min(top_k, logits.size(-1)))
                logits[logits < v[:, [-1]]] = -float("Inf")
            probs = F.softmax(logits, dim=-1)
            idx = torch.cat((idx, torch.multinomial(probs, num_samples=1)), dim=1)
        return idx


model = CharTransformer(vocab_size, args.d_model, nhead=4, num_layers=args.layers).to(device)
print(f"{sum(p.numel() for p in model.parameters()) / 1e3:.1f}K parameters")
optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.steps)


@torch.inference_mode()
def estimate_loss(iters=10):
    model.eval()
    out = {}
    for split in ("train", "val"):
        losses = torch.zeros(iters)
        for k in range(iters):
            _, loss = model(*get_batch(split))
            losses[k] = loss.item()
        out[split] = losses.mean()
    model.train()
    return out


start = time.perf_counter()
for step in range(args.steps):
    xb, yb = get_batch("train")
    _, loss = model(xb, yb)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    scheduler.step()
    if step % 100 == 0 or step == args.steps - 1:
        losses = estimate_loss()
        print(f"step {step}: train loss {losses['train']:.4f}, val loss {losses['val']:.4f}")
seconds = time.perf_counter() - start

model.eval()
context = torch.zeros((1, 1), dtype=torch.long, device=device)
sample = decode(model.generate(context, max_new_tokens=80, top_k=10)[0].tolist())
print(sample)
final = estimate_loss(20)
print(json.dumps({"loss": float(final["train"]), "val_loss": float(final["val"]), "seconds": seconds,
                  "sample_length": len(sample)}))
