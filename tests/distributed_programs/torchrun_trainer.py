"""A PyTorch DDP program written for torchrun, in the style of pytorch/examples'
distributed/ddp-tutorial-series/multigpu_torchrun.py on the CPU (backend "gloo", no device_ids): a
Trainer class, DistributedSampler, DDP, LOCAL_RANK read from the environment, a snapshot saved by
local rank 0 every few epochs and resumed from on the next run. Only the imports name chainrule.
tests/test_distributed_run.py runs it as
    python -m chainrule.distributed.run --nproc_per_node=2 torchrun_trainer.py EPOCHS SAVE_EVERY SNAPSHOT
(TRAINER_FRAMEWORK=torch runs it on PyTorch under torchrun, the oracle for the program itself).
Each rank prints one line `result {json}`: its ranks, backend, losses and final parameters."""
import json
import os
import sys

if os.environ.get("TRAINER_FRAMEWORK") == "torch":
    import torch
    from torch.utils.data import DataLoader, Dataset
    from torch.utils.data.distributed import DistributedSampler
    from torch.nn.parallel import DistributedDataParallel as DDP
    from torch.distributed import destroy_process_group, get_backend, get_world_size, init_process_group
else:
    import chainrule as torch
    from chainrule.utils.data import DataLoader, Dataset
    from chainrule.utils.data.distributed import DistributedSampler
    from chainrule.nn.parallel import DistributedDataParallel as DDP
    from chainrule.distributed import destroy_process_group, get_backend, get_world_size, init_process_group

class LinearTargets(Dataset):
    """y = x @ w + 0.5 with fixed random x and w: the same samples on every rank."""

    def __init__(self, size):
        generator = torch.Generator().manual_seed(0)
        self.x = torch.randn(size, 20, generator=generator)
        self.y = self.x @ torch.randn(20, 1, generator=generator) + 0.5

    def __len__(self):
        return len(self.x)

    def __getitem__(self, index):
        return self.x[index], self.y[index]


class Trainer:
    def __init__(self, model, train_data, optimizer, save_every, snapshot_path):
        self.local_rank = int(os.environ["LOCAL_RANK"])
        self.model = model
        self.train_data = train_data
        self.optimizer = optimizer
        self.save_every = save_every
        self.snapshot_path = snapshot_path
        self.epochs_run = 0
        self.losses = []
        if os.path.exists(snapshot_path):
            self._load_snapshot()
        self.model = DDP(self.model)

    def _load_snapshot(self):
        snapshot = torch.load(self.snapshot_path)
        self.model.load_state_dict(snapshot["MODEL_STATE"])
        self.epochs_run = snapshot["EPOCHS_RUN"]
        print(f"Resuming training from snapshot at Epoch {self.epochs_run}", flush=True)

    def _run_batch(self, source, targets):
        self.optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(self.model(source), targets)
        loss.backward()
        self.optimizer.step()
        return loss.item()

    def _run_epoch(self, epoch):
        self.train_data.sampler.set_epoch(epoch)
        losses = [self._run_batch(source, targets) for source, targets in self.train_data]
        self.losses.append(sum(losses) / len(losses))
        print(f"[rank {self.local_rank}] Epoch {epoch} | Steps: {len(self.train_data)} | loss {self.losses[-1]:.4f}",
              flush=True)

    def _save_snapshot(self, epoch):
        snapshot = {"MODEL_STATE": self.model.module.state_dict(), "EPOCHS_RUN": epoch + 1}
        torch.save(snapshot, self.snapshot_path)
        print(f"Epoch {epoch} | Training snapshot saved at {self.snapshot_path}", flush=True)

    def train(self, max_epochs):
        for epoch in range(self.epochs_run, max_epochs):
            self._run_epoch(epoch)
            if self.local_rank == 0 and (epoch + 1) % self.save_every == 0:
                self._save_snapshot(epoch)


def main(total_epochs, save_every, snapshot_path, batch_size=32):
    init_process_group(backend="gloo")
    torch.manual_seed(int(os.environ["RANK"]))  # different initial weights per rank: DDP must copy rank 0's
    dataset = LinearTargets(512)
    model = torch.nn.Linear(20, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    train_data = DataLoader(dataset, batch_size=batch_size, shuffle=False, sampler=DistributedSampler(dataset))
    trainer = Trainer(model, train_data, optimizer, save_every, snapshot_path)
    trainer.train(total_epochs)
    result = {"rank": int(os.environ["RANK"]), "local_rank": trainer.local_rank, "world_size": get_world_size(),
              "backend": get_backend(), "losses": trainer.losses,
              "parameters": [p.detach().reshape(-1).tolist() for p in trainer.model.module.parameters()]}
    print(f"result {json.dumps(result)}\n", end="", flush=True)  # one write: the ranks share stdout
    destroy_process_group()


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3])
