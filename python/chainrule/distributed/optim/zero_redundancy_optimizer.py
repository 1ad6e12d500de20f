"""ZeroRedundancyOptimizer: torch.distributed.optim's ZeRO stage 1 on chainrule.distributed.

Each rank keeps the optimizer state of only its share of the parameters: the parameters of every group
are dealt out as PyTorch does (largest first, each to the rank holding the fewest elements so far), a
local `optimizer_class` steps this rank's share, and each rank then broadcasts the parameters it owns
to the others. `param_groups` holds every parameter, and hyperparameters set there (a new lr) reach
the local optimizer at the next step. state_dict() gives the global state on the rank that
consolidate_state_dict(to=rank) gathered it to. overlap_with_ddp (DDP communication hooks) is not
supported; parameters_as_bucket_view only changes PyTorch's memory layout and is accepted.
"""
import copy

import chainrule
from chainrule._nested import map_tensors
from chainrule.distributed.collectives import broadcast
from chainrule.distributed.objects import broadcast_object_list
from chainrule.distributed.process_group import get_rank, get_world_size, resolve_group
from chainrule.optim.optimizer import Optimizer

__all__ = ["ZeroRedundancyOptimizer"]


def _sync_param_groups(source_groups, destination_groups):
    """Copies every option but 'params' from each source group to the matching destination group."""
    if len(source_groups) != len(destination_groups):
        raise AssertionError("Mismatch between number of source and destination parameter groups")
    for source, destination in zip(source_groups, destination_groups):
        destination.update({key: value for key, value in source.items() if key != "params"})


class ZeroRedundancyOptimizer(Optimizer):
    """Wraps optimizer_class(params, **defaults) so that each rank holds the state of its share of params."""

    def __init__(self, params, optimizer_class, process_group=None, parameters_as_bucket_view=False,
                 overlap_with_ddp=False, **defaults):
        if overlap_with_ddp:
            raise NotImplementedError("ZeroRedundancyOptimizer: overlap_with_ddp=True needs DDP communication hooks, "
                                      "which chainrule's DistributedDataParallel does not have; use "
                                      "overlap_with_ddp=False (step() after backward)")
        if isinstance(params, chainrule.Tensor):
            raise TypeError(f"`params` argument should be an iterable of Tensors, but got {chainrule.typename(params)}")
        params = list(params)
        if len(params) == 0:
            raise ValueError("ZeroRedundancyOptimizer got an empty parameter list")
        self.initialized = False  # the base constructor's add_param_group calls must not repartition
        super().__init__(params, defaults)
        self.process_group = resolve_group(process_group, "ZeroRedundancyOptimizer")
        self.world_size = get_world_size(self.process_group)
        self.rank = self.global_rank = get_rank(self.process_group)
        self.parameters_as_bucket_view = parameters_as_bucket_view
        self._optim_defaults = defaults
        self._partitions = None
        self._all_state_dicts = []
        self.optim = optimizer_class(self._partition_parameters()[self.rank], **defaults)
        _sync_param_groups(self.optim.param_groups, self.param_groups)
        self.initialized = True

    def _partition_parameters(self):
        """For each rank, its parameter groups: copies of ours holding the parameters dealt to it."""
        if self._partitions is None:
            self._partitions = [[] for _ in range(self.world_size)]
            sizes = [0] * self.world_size
            for group in self.param_groups:
                params_per_rank = [[] for _ in range(self.world_size)]
                for param in sorted(group["params"], key=lambda p: p.numel(), reverse=True):
                    rank = sizes.index(min(sizes))
                    params_per_rank[rank].append(param)
                    sizes[rank] += param.numel()
                for rank, params in enumerate(params_per_rank):
                    self._partitions[rank].append({**group, "params": params})
        return self._partitions

    def _owner_of(self):
        """{id(parameter): the rank that steps it}."""
        return {id(p): rank for rank, groups in enumerate(self._partition_parameters())
                for group in groups for p in group["params"]}

    def add_param_group(self, param_group):
        """Adds a group on every rank (call it on all ranks) and hands this rank's share to the local optimizer."""
        super().add_param_group(param_group)
        if self.initialized:
            self._partitions = None
            groups = self._partition_parameters()[self.rank]
            if len(groups) == len(self.optim.param_groups) + 1:
                self.optim.add_param_group(groups[-1])

    def step(self, closure=None, **kwargs):
        """Steps this rank's share with the local optimizer, then gives every rank every updated parameter."""
        _sync_param_groups(self.param_groups, self.optim.param_groups)
        loss = self.optim.step(**kwargs) if closure is None else self.optim.step(closure=closure, **kwargs)
        _sync_param_groups(self.optim.param_groups, self.param_groups)
        for rank, groups in enumerate(self._partition_parameters()):
            for group in groups:
                for param in group["params"]:
                    broadcast(param.data, src=rank, group=self.process_group)
        return loss

    def consolidate_state_dict(self, to=0):
        """Gathers every rank's local optimizer state on rank `to` (call it on all ranks)."""
        _sync_param_groups(self.param_groups, self.optim.param_groups)
        self._all_state_dicts = []
        for rank in range(self.world_size):
            message = [self.optim.state_dict() if rank == self.rank else None]
            broadcast_object_list(message, src=rank, group=self.process_group)
            if self.rank == to:
                self._all_state_dicts.append(map_tensors(message[0], lambda t: t.to("cpu")))

    def state_dict(self):
        """The global optimizer state (PyTorch's layout, parameters numbered across all groups) as last
        consolidated on this rank."""
        if len(self._all_state_dicts) == 0:
            raise RuntimeError("Optimizer state has not been consolidated on this rank. Please call "
                               f"`consolidate_state_dict(to={self.rank})` on all ranks beforehand if you meant to "
                               "save the global state.")
        state_dict = super().state_dict()
        index_of = {id(p): i for i, p in enumerate(p for group in self.param_groups for p in group["params"])}
        for local_state, rank_groups in zip(self._all_state_dicts, self._partition_parameters()):
            for local_group, rank_group in zip(local_state["param_groups"], rank_groups):
                for local_index, param in zip(local_group["params"], rank_group["params"]):
                    if local_index in local_state["state"]:
                        state_dict["state"][index_of[id(param)]] = local_state["state"][local_index]
        state_dict["state"] = dict(sorted(state_dict["state"].items()))
        return state_dict

    def load_state_dict(self, state_dict):
        """Loads a global state_dict(): this rank's local optimizer takes the state of its share."""
        params = [p for group in self.param_groups for p in group["params"]]
        owner = self._owner_of()
        for index, value in state_dict["state"].items():
            param = params[index]
            if owner[id(param)] == self.rank:
                self.optim.state[param] = map_tensors(value, lambda t: t.to(param.device))
        own_state = {index: value for index, value in state_dict["state"].items()
                     if owner[id(params[index])] == self.rank}
        super().load_state_dict({"state": own_state, "param_groups": copy.deepcopy(state_dict["param_groups"])})
        self.state.clear()  # the local optimizer holds the state; the global one stays empty, as in PyTorch
        _sync_param_groups(state_dict["param_groups"], self.param_groups)
        _sync_param_groups(self.param_groups, self.optim.param_groups)
