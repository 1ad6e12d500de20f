"""ChannelShuffle: interleaves the channels of `groups` groups (F.channel_shuffle), as in ShuffleNet."""
from chainrule.nn import functional as F
from chainrule.nn.modules.module import Module

__all__ = ["ChannelShuffle"]


class ChannelShuffle(Module):
    """(N, C, *) channels read as (groups, C / groups), written as (C / groups, groups)."""

    def __init__(self, groups):
        super().__init__()
        self.groups = groups

    def forward(self, input):
        return F.channel_shuffle(input, self.groups)

    def extra_repr(self):
        return f"groups={self.groups}"
