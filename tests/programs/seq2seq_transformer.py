"""A sequence-to-sequence nn.Transformer (encoder and decoder), in the style of PyTorch's "Language
Translation with nn.Transformer" tutorial, on a synthetic task: reverse a sequence of tokens and add 1
to each. Padded batches from a collate_fn, the tutorial's create_mask (a float causal mask from
torch.triu with -inf, and key padding masks for source, target and memory), xavier_uniform_ init of
every matrix, CrossEntropyLoss(ignore_index=PAD), teacher forcing, then greedy decoding with
model.encode / model.decode and torch.cat, one token at a time.

A plain PyTorch program; tests/test_programs.py runs it under chainrule with only the import changed.
"""
import argparse
import json
import math
import random
import time

import torch
import torch.nn as nn
from torch import Tensor
from torch.nn import Transformer
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import DataLoader

PAD_IDX, BOS_IDX, EOS_IDX = 0, 1, 2
FIRST_TOKEN = 3


class PositionalEncoding(nn.Module):
    def __init__(self, emb_size: int, dropout: float, maxlen: int = 64):
        super(PositionalEncoding, self).__init__()
        den = torch.exp(- torch.arange(0, emb_size, 2) * math.log(10000) / emb_size)
        pos = torch.arange(0, maxlen).reshape(maxlen, 1)
        pos_embedding = torch.zeros((maxlen, emb_size))
        pos_embedding[:, 0::2] = torch.sin(pos * den)
        pos_embedding[:, 1::2] = torch.cos(pos * den)
        pos_embedding = pos_embedding.unsqueeze(-2)
        self.dropout = nn.Dropout(dropout)
        self.register_buffer('pos_embedding', pos_embedding)

    def forward(self, token_embedding: Tensor):
        return self.dropout(token_embedding + self.pos_embedding[:token_embedding.size(0), :])


class TokenEmbedding(nn.Module):
    def __init__(self, vocab_size: int, emb_size):
        super(TokenEmbedding, self).__init__()
        self.embedding = nn.Embedding(vocab_size, emb_size, padding_idx=PAD_IDX)
        self.emb_size = emb_size

    def forward(self, tokens: Tensor):
        return self.embedding(tokens.long()) * math.sqrt(self.emb_size)


class Seq2SeqTransformer(nn.Module):
    def __init__(self, num_encoder_layers, num_decoder_layers, emb_size, nhead, vocab_size, dim_feedforward=128,
                 dropout=0.1):
        super(Seq2SeqTransformer, self).__init__()
        self.transformer = Transformer(d_model=emb_size, nhead=nhead, num_encoder_layers=num_encoder_layers,
                                       num_decoder_layers=num_decoder_layers, dim_feedforward=dim_feedforward,
                                       dropout=dropout)
        self.generator = nn.Linear(emb_size, vocab_size)
        self.src_tok_emb = TokenEmbedding(vocab_size, emb_size)
        self.tgt_tok_emb = TokenEmbedding(vocab_size, emb_size)
        self.positional_encoding = PositionalEncoding(emb_size, dropout=dropout)

    def forward(self, src, trg, src_mask, tgt_mask, src_padding_mask, tgt_padding_mask, memory_key_padding_mask):
        src_emb = self.positional_encoding(self.src_tok_emb(src))
        tgt_emb = self.positional_encoding(self.tgt_tok_emb(trg))
        outs = self.transformer(src_emb, tgt_emb, src_mask, tgt_mask, None,
                                src_padding_mask, tgt_padding_mask, memory_key_padding_mask)
        return self.generator(outs)

    def encode(self, src: Tensor, src_mask: Tensor):
        return self.transformer.encoder(self.positional_encoding(self.src_tok_emb(src)), src_mask)

    def decode(self, tgt: Tensor, memory: Tensor, tgt_mask: Tensor):
        return self.transformer.decoder(self.positional_encoding(self.tgt_tok_emb(tgt)), memory, tgt_mask)


def generate_square_subsequent_mask(sz):
    mask = (torch.triu(torch.ones((sz, sz))) == 1).transpose(0, 1)
    mask = mask.float().masked_fill(mask == 0, float('-inf')).masked_fill(mask == 1, float(0.0))
    return mask


def create_mask(src, tgt):
    src_seq_len = src.shape[0]
    tgt_seq_len = tgt.shape[0]
    tgt_mask = generate_square_subsequent_mask(tgt_seq_len)
    src_mask = torch.zeros((src_seq_len, src_seq_len)).type(torch.bool)
    src_padding_mask = (src == PAD_IDX).transpose(0, 1)
    tgt_padding_mask = (tgt == PAD_IDX).transpose(0, 1)
    return src_mask, tgt_mask, src_padding_mask, tgt_padding_mask


def make_pairs(n, vocab_size, seed):
    rng = random.Random(seed)
    pairs = []
    for _ in range(n):
        src = [rng.randrange(FIRST_TOKEN, vocab_size - 1) for _ in range(rng.randint(3, 9))]
        tgt = [t + 1 for t in reversed(src)]
        pairs.append((src, tgt))
    return pairs


def collate_fn(batch):
    src_batch, tgt_batch = [], []
    for src_sample, tgt_sample in batch:
        src_batch.append(torch.tensor([BOS_IDX] + src_sample + [EOS_IDX]))
        tgt_batch.append(torch.tensor([BOS_IDX] + tgt_sample + [EOS_IDX]))
    src_batch = pad_sequence(src_batch, padding_value=PAD_IDX)
    tgt_batch = pad_sequence(tgt_batch, padding_value=PAD_IDX)
    return src_batch, tgt_batch


def train_epoch(model, optimizer, loss_fn, loader):
    model.train()
    losses = 0
    for src, tgt in loader:
        tgt_input = tgt[:-1, :]
        src_mask, tgt_mask, src_padding_mask, tgt_padding_mask = create_mask(src, tgt_input)
        logits = model(src, tgt_input, src_mask, tgt_mask, src_padding_mask, tgt_padding_mask, src_padding_mask)
        optimizer.zero_grad()
        tgt_out = tgt[1:, :]
        loss = loss_fn(logits.reshape(-1, logits.shape[-1]), tgt_out.reshape(-1))
        loss.backward()
        optimizer.step()
        losses += loss.item()
    return losses / len(list(loader))


def greedy_decode(model, src, src_mask, max_len, start_symbol):
    memory = model.encode(src, src_mask)
    ys = torch.ones(1, 1).fill_(start_symbol).type(torch.long)
    for i in range(max_len - 1):
        tgt_mask = (generate_square_subsequent_mask(ys.size(0)).type(torch.bool))
        out = model.decode(ys, memory, tgt_mask)
        out = out.transpose(0, 1)
        prob = model.generator(out[:, -1])
        _, next_word = torch.max(prob, dim=1)
        next_word = next_word.item()
        ys = torch.cat([ys, torch.ones(1, 1).type_as(src.data).fill_(next_word)], dim=0)
        if next_word == EOS_IDX:
            break
    return ys


def translate(model, src_tokens):
    model.eval()
    src = torch.tensor([BOS_IDX] + src_tokens + [EOS_IDX]).view(-1, 1)
    num_tokens = src.shape[0]
    src_mask = (torch.zeros(num_tokens, num_tokens)).type(torch.bool)
    tgt_tokens = greedy_decode(model, src, src_mask, max_len=num_tokens + 5, start_symbol=BOS_IDX).flatten()
    return [t for t in tgt_tokens.tolist() if t not in (BOS_IDX, EOS_IDX)]


def main():
    parser = argparse.ArgumentParser(description="seq2seq nn.Transformer")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--samples", type=int, default=1500)
    parser.add_argument("--emb-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    vocab_size = 16

    transformer = Seq2SeqTransformer(2, 2, args.emb_size, 4, vocab_size)
    for p in transformer.parameters():
        if p.dim() > 1:
            nn.init.xavier_uniform_(p)
    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=PAD_IDX)
    optimizer = torch.optim.Adam(transformer.parameters(), lr=1e-3, betas=(0.9, 0.98), eps=1e-9)
    loader = DataLoader(make_pairs(args.samples, vocab_size, args.seed), batch_size=64, shuffle=True,
                        collate_fn=collate_fn)

    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        train_loss = train_epoch(transformer, optimizer, loss_fn, loader)
        print(f"Epoch: {epoch}, Train loss: {train_loss:.3f}")
    seconds = time.perf_counter() - start

    tests = make_pairs(40, vocab_size, args.seed + 1)
    with torch.no_grad():
        outputs = [translate(transformer, src) for src, _ in tests]
    exact = sum(out == tgt for out, (_, tgt) in zip(outputs, tests)) / len(tests)
    token_acc = sum(sum(a == b for a, b in zip(out, tgt)) / len(tgt) for out, (_, tgt) in zip(outputs, tests)) / len(tests)
    print(f"{tests[0][0]} -> {outputs[0]} (expected {tests[0][1]})")
    print(f"exact matches {exact:.2f}, token accuracy {token_acc:.2f}")
    print(json.dumps({"loss": train_loss, "exact": exact, "token_acc": token_acc, "seconds": seconds}))


if __name__ == "__main__":
    main()
