"""examples/train_digits.py's CNN, trained data-parallel on several processes (MPI or TCP).

Each rank trains on its DistributedSampler share of the digits; DistributedDataParallel averages
the gradients in backward, so every rank takes the same optimizer steps (rank 0's BatchNorm
statistics are copied to the others each forward). Rank 0 prints the progress and test accuracy
and writes a checkpoint after each epoch (atomically); run the same command again and every rank
resumes from it. The model, augmentation and evaluation are train_digits.py's.
It runs on the CPU only, so it has no --device option: chainrule.distributed reduces host tensors,
and CUDA tensors in it come with the GPU plan of docs/distributed.md (the single-process examples
take --device cuda). It asks for backend "gloo": under an MPI launcher the ranks talk through MPI,
started any other way they meet over TCP (MASTER_ADDR/MASTER_PORT, as torchrun's).

    mpirun -n 2 python examples/train_digits_distributed.py           # as root add --allow-run-as-root
    mpirun -n 2 python examples/train_digits_distributed.py --epochs 5 --out /tmp/digits-ddp
    mpirun --hostfile hosts -n 8 python examples/train_digits_distributed.py   # several machines
    python -m chainrule.distributed.run --transport tcp --nproc_per_node=2 examples/train_digits_distributed.py

Measured (2 ranks, one thread each, on 2 CPU cores shared with other jobs at a load average of 4;
20 epochs, batch 16 per rank = 32 in all, as train_digits.py's): test accuracy 0.9944 (358/360)
with the default seed (the same in two runs), 20-34 s of training. On 2 cores two ranks do not beat one process (7-16 s):
each rank gets half the machine and waits for the other at every all-reduce. The gain comes with a
core, or a machine, per rank.
"""
import argparse
import os
import time

import chainrule as cr
import chainrule.distributed as dist
import chainrule.nn as nn
from chainrule.datasets import Digits
from chainrule.nn.parallel import DistributedDataParallel
from chainrule.utils.data import DataLoader, DistributedSampler, TensorDataset
from train_digits import DigitsCNN, evaluate, random_shift


def resume(checkpoint, model, optimizer, scheduler):
    """The epoch to start from: 1, or the one after the checkpoint's (loaded on every rank)."""
    try:
        state = dist.load_checkpoint(checkpoint)
    except FileNotFoundError:
        return 1
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    return state["epoch"] + 1


def summed(*values):
    """The sums over every rank of a few local numbers (one all_reduce)."""
    totals = cr.tensor([float(v) for v in values], dtype=cr.float64)
    dist.all_reduce(totals)
    return totals.tolist()


def train(args):
    rank, world_size = dist.get_rank(), dist.get_world_size()
    cr.manual_seed(args.seed + rank)  # a different augmentation stream per rank; DDP copies rank 0's weights
    train_set = TensorDataset(*Digits(train=True).tensors())
    sampler = DistributedSampler(train_set, seed=args.seed)
    train_loader = DataLoader(train_set, batch_size=args.batch_size, sampler=sampler)
    test_loader = DataLoader(TensorDataset(*Digits(train=False).tensors()), batch_size=256)
    model = DistributedDataParallel(DigitsCNN())
    optimizer = cr.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    scheduler = cr.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr, epochs=args.epochs,
                                                 steps_per_epoch=len(train_loader))
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.05)
    checkpoint = os.path.join(args.out, "checkpoint.pt")
    first_epoch = resume(checkpoint, model, optimizer, scheduler)
    if rank == 0 and first_epoch > 1:
        print(f"resuming from {checkpoint} at epoch {first_epoch}", flush=True)
    test_acc, start = None, time.perf_counter()
    for epoch in range(first_epoch, args.epochs + 1):
        sampler.set_epoch(epoch)
        model.train()
        seen = correct = loss_sum = 0.0
        for images, labels in train_loader:
            logits = model(random_shift(images))
            loss = loss_fn(logits, labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
            seen += labels.shape[0]
            loss_sum += loss.item() * labels.shape[0]
            correct += (logits.argmax(1) == labels).sum().item()
        seen, loss_sum, correct = summed(seen, loss_sum, correct)
        dist.save_checkpoint({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                              "scheduler": scheduler.state_dict(), "epoch": epoch}, checkpoint)
        if rank == 0:  # every rank holds the same weights: one evaluates, on the module itself (no collectives)
            test_acc = evaluate(model.module, test_loader)
            print(f"epoch {epoch:2d}/{args.epochs}: loss {loss_sum / seen:.4f}, train acc {correct / seen:.3f}, "
                  f"test acc {test_acc:.4f} ({world_size} ranks)", flush=True)
    return model, test_acc, time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     epilog="CPU only (no --device): chainrule.distributed reduces host tensors.")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=16, help="per rank; the global batch is this times the ranks")
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="out/digits_distributed", help="folder for the checkpoint and the weights")
    args = parser.parse_args()
    dist.init_process_group(backend="gloo")  # MPI under an MPI launcher, else the TCP rendezvous
    if dist.get_rank() == 0:
        os.makedirs(args.out, exist_ok=True)
    dist.barrier()
    model, test_acc, elapsed = train(args)
    weights = os.path.join(args.out, "digits_cnn.safetensors")
    dist.save_checkpoint(model.module.state_dict(), weights)
    if dist.get_rank() == 0:
        print(f"trained in {elapsed:.1f} s on {dist.get_world_size()} ranks; weights saved to {weights}")
        if test_acc is not None:
            print(f"test accuracy: {test_acc:.4f}")
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
