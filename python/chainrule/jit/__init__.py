"""chainrule.jit: torch.jit's API for programs that script or trace their models, run eagerly.

Done: script(module) / trace(module, example_inputs) return a ScriptModule (RecursiveScriptModule /
TopLevelTracedModule) that shares the module's parameters and buffers and gives the same outputs,
state_dict, named_parameters, train()/eval() and to(); script(fn) / trace(fn, inputs) return a
ScriptFunction. trace runs the example (and check_inputs) once each (is_tracing() is True meanwhile).
isinstance checks container contents (List[Tensor], Dict[str, int], ...) as torch's does eagerly. freeze and
optimize_for_inference check torch's preconditions and return a converted copy. @ignore, @unused,
@export, @interface, @script_method, Final, annotate, fork/wait (run at once), optimized_execution and
the fusion settings are accepted and change nothing. is_scripting() is always False.

Not done: there is no TorchScript compiler. `.code`, `.graph` and `.inlined_graph` raise; nothing is
type-checked or optimized; trace does not freeze control flow (the result follows the Python code for
every input, where torch's replays the recorded ops); freeze keeps parameters as parameters; a scripted
module is also an instance of its original class. save writes the module's state with chainrule.save and
load raises with instructions (see _serialization.py): chainrule cannot rebuild a module without its class,
cannot run TorchScript archives, and loading never runs code.
"""
from chainrule._missing import missing_attribute_hook as _missing_attribute_hook
from chainrule.jit._script import *  # noqa: F401,F403
from chainrule.jit._script import __all__ as _script_all
from chainrule.jit._annotations import *  # noqa: F401,F403
from chainrule.jit._annotations import __all__ as _annotations_all
from chainrule.jit._serialization import save, load  # noqa: F401
from chainrule.jit._isinstance import isinstance  # noqa: F401

__all__ = [*_script_all, *_annotations_all, "save", "load", "isinstance"]
__getattr__ = _missing_attribute_hook(__name__, "torch.jit")
