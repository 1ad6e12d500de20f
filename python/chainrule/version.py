"""chainrule.version: the build facts PyTorch scripts print (torch.version.cuda is None on a
build without CUDA tensors, as chainrule's is until issue 16)."""
__version__ = "0.1.0"
cuda = None
hip = None
git_version = "unknown"
debug = False
