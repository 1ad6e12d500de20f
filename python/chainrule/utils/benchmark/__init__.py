"""chainrule.utils.benchmark: as torch.utils.benchmark, times statements (Timer), reports what it measured
(Measurement) and tables many measurements (Compare); the C++/Callgrind timers and the fuzzers are not here."""
from chainrule.utils.benchmark.common import *  # noqa: F401,F403
from chainrule.utils.benchmark.compare import *  # noqa: F401,F403
from chainrule.utils.benchmark.timer import *  # noqa: F401,F403
