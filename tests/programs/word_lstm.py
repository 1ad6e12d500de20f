"""A word-level LSTM language model with truncated backpropagation through time.

A plain PyTorch program in the style of PyTorch's word_language_model example (corpus -> ids,
batchify, detach the hidden state between chunks, clip, anneal the learning rate on plateau, keep
the best checkpoint); tests/test_programs.py runs it under chainrule with only the import changed.
"""
import argparse
import json
import math
import os
import re
import tempfile
import time

import torch
import torch.nn as nn

parser = argparse.ArgumentParser(description="word-level LSTM LM")
parser.add_argument("--epochs", type=int, default=6)
parser.add_argument("--bptt", type=int, default=12)
parser.add_argument("--batch-size", type=int, default=8)
parser.add_argument("--emsize", type=int, default=48)
parser.add_argument("--nhid", type=int, default=64)
parser.add_argument("--lr", type=float, default=5.0)
parser.add_argument("--seed", type=int, default=1111)
args = parser.parse_args()
torch.manual_seed(args.seed)


class Dictionary:
    def __init__(self):
        self.word2idx, self.idx2word = {}, []

    def add_word(self, word):
        if word not in self.word2idx:
            self.idx2word.append(word)
            self.word2idx[word] = len(self.idx2word) - 1
        return self.word2idx[word]


path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus.txt")
dictionary = Dictionary()
lines = [re.findall(r"[\w']+|[^\w\s]", line.lower()) + ["<eos>"] for line in open(path)]
ids = torch.LongTensor([dictionary.add_word(w) for line in lines for w in line])
split = int(len(ids) * 0.85)


def batchify(data, bsz):
    nbatch = data.size(0) // bsz
    return data.narrow(0, 0, nbatch * bsz).view(bsz, -1).t().contiguous()


train_data, val_data = batchify(ids[:split], args.batch_size), batchify(ids[split:], 2)


class RNNModel(nn.Module):
    def __init__(self, ntoken, ninp, nhid, nlayers, dropout=0.2, tie_weights=False):
        super().__init__()
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = nn.LSTM(ninp, nhid, nlayers, dropout=dropout)
        self.decoder = nn.Linear(nhid, ntoken)
        self.nhid, self.nlayers = nhid, nlayers
        nn.init.uniform_(self.encoder.weight, -0.1, 0.1)
        nn.init.zeros_(self.decoder.bias)
        nn.init.uniform_(self.decoder.weight, -0.1, 0.1)

    def forward(self, input, hidden):
        emb = self.drop(self.encoder(input))
        self.rnn.flatten_parameters()
        output, hidden = self.rnn(emb, hidden)
        decoded = self.decoder(self.drop(output)).view(-1, self.decoder.out_features)
        return nn.functional.log_softmax(decoded, dim=1), hidden

    def init_hidden(self, bsz):
        weight = next(self.parameters())
        return (weight.new_zeros(self.nlayers, bsz, self.nhid), weight.new_zeros(self.nlayers, bsz, self.nhid))


def repackage_hidden(h):
    """Detach hidden states from their history (truncated BPTT)."""
    if isinstance(h, torch.Tensor):
        return h.detach()
    return tuple(repackage_hidden(v) for v in h)


def get_batch(source, i):
    seq_len = min(args.bptt, len(source) - 1 - i)
    return source[i:i + seq_len], source[i + 1:i + 1 + seq_len].view(-1)


model = RNNModel(len(dictionary.idx2word), args.emsize, args.nhid, 2)
criterion = nn.NLLLoss()


def evaluate(data_source):
    model.eval()
    total_loss = 0.0
    hidden = model.init_hidden(data_source.size(1))
    with torch.no_grad():
        for i in range(0, data_source.size(0) - 1, args.bptt):
            data, targets = get_batch(data_source, i)
            output, hidden = model(data, hidden)
            hidden = repackage_hidden(hidden)
            total_loss += len(data) * criterion(output, targets).item()
    return total_loss / (len(data_source) - 1)


def train():
    model.train()
    total_loss = 0.0
    hidden = model.init_hidden(args.batch_size)
    for batch, i in enumerate(range(0, train_data.size(0) - 1, args.bptt)):
        data, targets = get_batch(train_data, i)
        hidden = repackage_hidden(hidden)
        model.zero_grad()
        output, hidden = model(data, hidden)
        loss = criterion(output, targets)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.25)
        for p in model.parameters():
            p.data.add_(p.grad, alpha=-lr)
        total_loss += loss.item()
    return total_loss / (batch + 1)


lr, best_val_loss = args.lr, None
checkpoint = os.path.join(tempfile.mkdtemp(), "model.pt")
start = time.perf_counter()
for epoch in range(1, args.epochs + 1):
    train_loss = train()
    val_loss = evaluate(val_data)
    print(f"| epoch {epoch:3d} | lr {lr:5.2f} | train loss {train_loss:5.2f} | "
          f"valid loss {val_loss:5.2f} | valid ppl {math.exp(val_loss):8.2f}")
    if best_val_loss is None or val_loss < best_val_loss:
        with open(checkpoint, "wb") as f:
            torch.save(model.state_dict(), f)
        best_val_loss = val_loss
    else:
        lr /= 4.0
seconds = time.perf_counter() - start

model.load_state_dict(torch.load(checkpoint))
best = evaluate(val_data)
print(json.dumps({"loss": train_loss, "val_loss": best, "val_ppl": math.exp(best), "seconds": seconds}))
