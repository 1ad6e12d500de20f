"""Atomic replacement of a file for save(): write a temp file beside it, fsync, rename into place.

The result looks like what open(path, "wb") would leave behind, minus the torn-write window: a new
file gets the mode open() gives (0o666 less the umask, applied by the kernel, so default ACLs work
too), an overwritten file keeps its mode, and a symlink is written through: its target is replaced
and the link stays. Temp files are named `.<name>.chainrule-tmp-<pid>-<random>`, so that a save can
remove those that earlier saves to the same path left behind when their process was killed.
"""
import errno
import os
import re
import secrets
import stat

_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)


def _final_mode(target):
    """The permission bits the target keeps (it exists) or None (a new file: 0o666 less the umask)."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode) & 0o777
    except FileNotFoundError:
        return None


def _temp_prefix(target):
    return "." + os.path.basename(target) + ".chainrule-tmp-"


def _is_alive(pid):
    """Whether process pid may still exist (in doubt: yes)."""
    if pid <= 0 or pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):  # PermissionError: another user's live process
        pass
    return True


def _remove_stale_temps(target):
    """Removes the temp files of saves to target whose process is gone (killed mid-save); a live
    process's are saves in progress and stay. POSIX only: elsewhere os.kill(pid, 0) is no probe."""
    if os.name != "posix":
        return
    directory, prefix = os.path.dirname(target), _temp_prefix(target)
    try:
        names = os.listdir(directory)
    except OSError:
        return
    for name in names:
        match = re.fullmatch(re.escape(prefix) + r"(\d+)-[0-9a-f]{8}", name)
        if match is None or _is_alive(int(match.group(1))):
            continue
        try:
            os.unlink(os.path.join(directory, name))
        except OSError:
            pass  # gone already, or not ours to remove


def _create_temp(target, mode):
    """Opens a new temp file beside target, never more permissive than the final file will be."""
    for _ in range(100):
        name = f"{_temp_prefix(target)}{os.getpid()}-{secrets.token_hex(4)}"
        temp = os.path.join(os.path.dirname(target), name)
        try:
            fd = os.open(temp, _CREATE_FLAGS, 0o666 if mode is None else mode)
        except FileExistsError:
            continue
        if mode is not None:
            os.chmod(temp, mode)  # bits the umask stripped at creation
        return fd, temp
    raise FileExistsError(f"save: could not create a temp file beside '{target}'")


def names_a_directory(path):
    """Whether path is a directory or ends in a separator (a file cannot be written there)."""
    return os.path.isdir(path) or path.endswith(tuple(filter(None, (os.sep, os.altsep))))


def atomic_write(path, write):
    """Calls write(file) on a temp file beside path, fsyncs it and renames it over path: the old file
    stays whole until the new one is complete, and a failure leaves no temp file. A symlink's target
    (resolved, also dangling) is what gets replaced, beside that target. A directory, or a path
    ending in a separator, is an IsADirectoryError as open(path, "wb") gives."""
    if names_a_directory(path):
        raise IsADirectoryError(errno.EISDIR, "save: is a directory, not a file", path)
    target = os.path.realpath(path)
    directory = os.path.dirname(target)
    _remove_stale_temps(target)
    fd, temp = _create_temp(target, _final_mode(target))
    try:
        with os.fdopen(fd, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, target)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise
    _fsync_directory(directory)


def _fsync_directory(directory):
    """Makes the rename itself durable where the platform allows it (POSIX)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
