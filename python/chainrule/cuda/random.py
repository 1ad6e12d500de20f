"""chainrule.cuda.random: the GPU generator calls under torch.cuda.random's module name (torchattacks' APGD
seeds through torch.cuda.random.manual_seed). They are chainrule.cuda's own functions, not copies."""
from chainrule.cuda import (get_rng_state, get_rng_state_all, initial_seed, manual_seed, manual_seed_all, seed,
                            seed_all, set_rng_state, set_rng_state_all)

__all__ = ["get_rng_state", "get_rng_state_all", "set_rng_state", "set_rng_state_all", "manual_seed",
           "manual_seed_all", "seed", "seed_all", "initial_seed"]
