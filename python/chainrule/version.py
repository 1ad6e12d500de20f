"""chainrule.version: the build facts PyTorch scripts print (torch.version.cuda is None on a
build without CUDA tensors, as chainrule's is until issue 16). __version__ is the PyTorch release
whose API chainrule follows, with chainrule's own version as its local label, so that scripts'
`torch.__version__ >= '1.5.0'` checks take their current-PyTorch branch."""
from chainrule.torch_version import TorchVersion

chainrule_version = "0.1.0"
__version__ = TorchVersion(f"2.13.0+chainrule.{chainrule_version}")
cuda = None
hip = None
git_version = "unknown"
debug = False
