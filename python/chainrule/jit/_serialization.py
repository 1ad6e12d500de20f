"""jit.save / jit.load: what chainrule can honestly do with torch's TorchScript files.

torch.jit.save writes a TorchScript archive: the module's compiled code plus its tensors, so that
torch.jit.load rebuilds the module without its Python class. chainrule compiles nothing, and loading
never runs code, so:
- save(m, f) writes, with chainrule.save, a dict of the module's state_dict, its class name and
  _extra_files: the weights are kept and `chainrule.load(f)["state_dict"]` reads them back.
- load(f) raises a RuntimeError that says so: on such a file it names the class to build and the two
  lines that restore its weights; on a TorchScript archive written by torch it explains that the
  archive holds compiled code chainrule cannot run.
"""
import os
import zipfile

__all__ = ["save", "load"]

_FORMAT_KEY = "chainrule.jit.save"


def save(m, f, _extra_files=None):
    """Writes m's state_dict, class name and _extra_files (name -> str or bytes) with chainrule.save."""
    from chainrule import save as save_object
    from chainrule.jit._script import ScriptModule, ScriptFunction, warn_deprecated
    warn_deprecated("save", "`torch.export`")
    if isinstance(m, ScriptFunction):
        raise RuntimeError(f"chainrule.jit.save: '{m.name}' is a function; chainrule keeps no compiled code to save, "
                           "so a function cannot be saved (import it from its Python module instead)")
    if not isinstance(m, ScriptModule):
        raise AttributeError(f"'{type(m).__name__}' object has no attribute 'save' (script or trace the module first)")
    save_object({_FORMAT_KEY: 1, "original_name": m.original_name if "original_name" in m.__dict__ else
                 type(m).__name__, "state_dict": m.state_dict(), "extra_files": dict(_extra_files or {})}, f)


def _is_torchscript_archive(f):
    """True when f is a zip holding TorchScript code (torch.jit.save's format); leaves a file object rewound."""
    position = f.tell() if hasattr(f, "tell") else None
    try:
        if not zipfile.is_zipfile(f):
            return False
        if position is not None:
            f.seek(position)
        with zipfile.ZipFile(f) as archive:
            return any("/code/" in name or name.endswith("/constants.pkl") for name in archive.namelist())
    finally:
        if position is not None:
            f.seek(position)


def load(f, map_location=None, _extra_files=None, _restore_shapes=False):
    """Raises a RuntimeError that says what the file holds and how to use it: chainrule cannot rebuild a module
    without its Python class, and does not run TorchScript code."""
    from chainrule import load as load_object
    from chainrule.jit._script import warn_deprecated
    warn_deprecated("load", "`torch.export`")
    name = os.fspath(f) if isinstance(f, (str, os.PathLike)) else "the file"
    if isinstance(f, (str, os.PathLike)) and not os.path.exists(f):
        raise ValueError(f"The provided filename {name} does not exist")
    if _is_torchscript_archive(f):
        raise RuntimeError(
            f"chainrule.jit.load: {name} is a TorchScript archive; chainrule does not run TorchScript code and loading "
            "never runs code. Build the model from its Python class and load a state_dict saved by "
            "torch.save(model.state_dict(), path) instead")
    try:
        saved = load_object(f, map_location=map_location)
    except Exception as error:
        raise RuntimeError(f"chainrule.jit.load: {name} is neither a TorchScript archive nor a file written by "
                           f"chainrule.jit.save ({error})") from error
    if not (isinstance(saved, dict) and _FORMAT_KEY in saved):
        raise RuntimeError(f"chainrule.jit.load: {name} was not written by jit.save; read it with chainrule.load")
    if _extra_files is not None:
        _extra_files.update({key: saved["extra_files"][key] for key in _extra_files if key in saved["extra_files"]})
    raise RuntimeError(
        f"chainrule.jit.load: {name} holds the state of a '{saved['original_name']}' module, written by "
        "chainrule.jit.save. chainrule cannot rebuild a module without its Python class (it stores no compiled "
        f"code and loading never runs code): build it and load its weights with "
        f"model = {saved['original_name']}(...); model.load_state_dict(chainrule.load(path)['state_dict'])")


