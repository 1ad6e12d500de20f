"""The ways a torchrun program calls init_process_group, one after another in each process started by
`python -m chainrule.distributed.run --nproc_per_node=2`: each form must join the MPI group, answer
get_backend() with the name asked for and sum across the ranks; a rank that contradicts the launcher
must be refused. Prints `rank R: BACKEND,BACKEND,... torchelastic=BOOL refused=BOOL`."""
import os

import chainrule as torch
import chainrule.distributed as dist

rank, world_size = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
tcp = f"tcp://{os.environ['MASTER_ADDR']}:{os.environ['MASTER_PORT']}"
forms = [("gloo", {}),
         (dist.Backend.GLOO, {"init_method": "env://", "rank": rank, "world_size": world_size}),
         ("cpu:gloo", {"init_method": tcp, "rank": rank, "world_size": world_size}),
         ("mpi", {})]
answers = []
for backend, arguments in forms:
    dist.init_process_group(backend, **arguments)
    total = torch.tensor([float(dist.get_rank())])
    dist.all_reduce(total)
    assert total.item() == sum(range(world_size)) and dist.get_world_size() == world_size, (backend, total)
    answers.append(dist.get_backend())
    dist.destroy_process_group()
try:
    dist.init_process_group("gloo", rank=world_size - 1 - rank, world_size=world_size)
    refused = False
except RuntimeError as error:
    refused = "the launcher assigns ranks" in str(error)
line = f"rank {rank}: {','.join(answers)} torchelastic={dist.is_torchelastic_launched()} refused={refused}\n"
print(line, end="", flush=True)  # one write: the ranks share stdout
