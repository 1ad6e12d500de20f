"""chainrule.utils.benchmark: as torch.utils.benchmark, times statements (Timer) and reports what it measured
(Measurement); the C++/Callgrind timers and the fuzzers are not here."""
from chainrule.utils.benchmark.common import *  # noqa: F401,F403
from chainrule.utils.benchmark.timer import *  # noqa: F401,F403
