"""Variable-length sequence classification with a bidirectional GRU, the way text-classification
tutorials write it: a Dataset of token-id lists, a collate_fn that pads (pad_sequence) and returns
lengths, an Embedding with padding_idx, pack_padded_sequence(enforce_sorted=False) / pad_packed_sequence,
masked attention pooling (its weights unpadded per sequence with unpad_sequence), ReduceLROnPlateau
on the validation loss, tqdm progress bars and early stopping on the best state_dict.

The label says whether token 3 occurs more often than token 4 in the sequence, so the model has to
read the whole (unpadded) sequence. A plain PyTorch program; tests/test_programs.py runs it under
chainrule with only the import changed.
"""
import argparse
import copy
import json
import random
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence, unpad_sequence
from torch.utils.data import DataLoader, Dataset
from tqdm import tqdm

PAD = 0


class CountingDataset(Dataset):
    def __init__(self, n, vocab_size, min_len, max_len, seed):
        rng = random.Random(seed)
        self.samples = []
        for _ in range(n):
            length = rng.randint(min_len, max_len)
            tokens = [rng.randint(1, vocab_size - 1) for _ in range(length)]
            label = int(tokens.count(3) > tokens.count(4))
            self.samples.append((tokens, label))

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, idx):
        tokens, label = self.samples[idx]
        return torch.tensor(tokens, dtype=torch.long), label


def collate_batch(batch):
    sequences, labels = zip(*batch)
    lengths = torch.tensor([len(s) for s in sequences])
    padded = pad_sequence(list(sequences), batch_first=True, padding_value=PAD)
    return padded, lengths, torch.tensor(labels, dtype=torch.float32)


class GRUClassifier(nn.Module):
    def __init__(self, vocab_size, embed_dim, hidden_dim, num_layers=1, dropout=0.2):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=PAD)
        self.gru = nn.GRU(embed_dim, hidden_dim, num_layers=num_layers, batch_first=True,
                          bidirectional=True)
        self.attn = nn.Linear(2 * hidden_dim, 1, bias=False)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(4 * hidden_dim, 1)

    def forward(self, text, lengths, return_attention=False):
        embedded = self.dropout(self.embedding(text))
        packed = pack_padded_sequence(embedded, lengths.cpu(), batch_first=True, enforce_sorted=False)
        packed_out, hidden = self.gru(packed)
        output, out_lengths = pad_packed_sequence(packed_out, batch_first=True, total_length=text.size(1))
        assert torch.equal(out_lengths, lengths)
        # hidden: (num_layers * 2, B, H); the last layer's forward and backward final states
        final = torch.cat((hidden[-2], hidden[-1]), dim=1)
        mask = text != PAD
        scores = self.attn(output).squeeze(-1).masked_fill(~mask, float("-inf"))
        weights = torch.softmax(scores, dim=1)
        pooled = torch.bmm(weights.unsqueeze(1), output).squeeze(1)
        logits = self.fc(self.dropout(torch.cat((final, pooled), dim=1))).squeeze(1)
        return (logits, weights) if return_attention else logits


def binary_accuracy(logits, y):
    return (torch.round(torch.sigmoid(logits)) == y).float().mean()


def run_epoch(model, loader, criterion, optimizer=None, desc=""):
    training = optimizer is not None
    model.train(training)
    epoch_loss = epoch_acc = 0.0
    with torch.set_grad_enabled(training):
        for text, lengths, labels in tqdm(loader, desc=desc, leave=False, disable=True):
            logits = model(text, lengths)
            loss = criterion(logits, labels)
            if training:
                optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(model.parameters(), max_norm=5.0)
                optimizer.step()
            epoch_loss += loss.item()
            epoch_acc += binary_accuracy(logits, labels).item()
    return epoch_loss / len(loader), epoch_acc / len(loader)


def main():
    parser = argparse.ArgumentParser(description="bidirectional GRU on padded sequences")
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--samples", type=int, default=1500)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=1234)
    args = parser.parse_args()
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    vocab_size = 12

    train_data = CountingDataset(args.samples, vocab_size, 3, 24, seed=args.seed)
    valid_data = CountingDataset(args.samples // 4, vocab_size, 3, 24, seed=args.seed + 1)
    train_loader = DataLoader(train_data, batch_size=args.batch_size, shuffle=True, collate_fn=collate_batch)
    valid_loader = DataLoader(valid_data, batch_size=128, collate_fn=collate_batch)

    model = GRUClassifier(vocab_size, embed_dim=16, hidden_dim=32)
    n_params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    print(f"The model has {n_params:,} trainable parameters")
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-3)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="min", factor=0.5, patience=1)
    criterion = nn.BCEWithLogitsLoss()

    best_valid_loss, best_state = float("inf"), None
    start = time.perf_counter()
    for epoch in range(args.epochs):
        train_loss, train_acc = run_epoch(model, train_loader, criterion, optimizer, desc=f"epoch {epoch}")
        valid_loss, valid_acc = run_epoch(model, valid_loader, criterion, desc="valid")
        scheduler.step(valid_loss)
        if valid_loss < best_valid_loss:
            best_valid_loss, best_state = valid_loss, copy.deepcopy(model.state_dict())
        print(f"Epoch {epoch + 1:02} | Train Loss {train_loss:.3f} Acc {train_acc * 100:.1f}% | "
              f"Val Loss {valid_loss:.3f} Acc {valid_acc * 100:.1f}% | lr {optimizer.param_groups[0]['lr']:g}")
    seconds = time.perf_counter() - start

    model.load_state_dict(best_state)
    valid_loss, valid_acc = run_epoch(model, valid_loader, criterion)
    assert valid_loss == best_valid_loss
    assert model.embedding.weight[PAD].abs().sum().item() == 0.0, "the padding row must stay zero"

    model.eval()
    with torch.no_grad():  # where the attention looks: the share of each sequence's weight on tokens 3 and 4
        text, lengths, _ = next(iter(valid_loader))
        _, weights = model(text, lengths, return_attention=True)
        per_sequence = unpad_sequence(weights, lengths, batch_first=True)
        tokens = unpad_sequence(text, lengths, batch_first=True)
        assert [len(w) for w in per_sequence] == lengths.tolist()
        assert all(abs(w.sum().item() - 1) < 1e-5 for w in per_sequence)
        on_counted = sum(w[(t == 3) | (t == 4)].sum().item() for w, t in zip(per_sequence, tokens)) / len(tokens)
    print(f"attention on tokens 3 and 4: {on_counted:.2f} of the weight (they are {2 / (vocab_size - 1):.2f} of the tokens)")
    with torch.no_grad():  # a single sentence, as a predict() helper would do it
        tokens = torch.LongTensor([3, 3, 5, 4, 3, 7]).unsqueeze(0)
        prob = torch.sigmoid(model(tokens, torch.tensor([tokens.shape[1]]))).item()
    print(json.dumps({"val_loss": valid_loss, "val_acc": valid_acc, "prob_more_threes": prob,
                      "attention_on_counted": on_counted, "seconds": seconds}))


if __name__ == "__main__":
    main()
