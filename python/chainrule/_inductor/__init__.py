"""chainrule._inductor: the place of torch._inductor, whose `config` programs set before torch.compile
(llm.c's train_gpt2.py: `import torch._inductor.config as config; config.coordinate_descent_tuning = True`).
chainrule has no graph compiler, so the knobs are kept and read back but steer nothing (config.py)."""
from chainrule._inductor import config  # noqa: F401
