"""Atomic replacement of a file for save(): write a temp file beside it, fsync, rename into place.

The result looks like what open(path, "wb") would leave behind, minus the torn-write window: a new
file gets the mode open() gives (0o666 less the umask, applied by the kernel, so default ACLs work
too), an overwritten file keeps its mode, and a symlink is written through: its target is replaced
and the link stays.
"""
import os
import secrets
import stat

_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)


def _final_mode(target):
    """The permission bits the target keeps (it exists) or None (a new file: 0o666 less the umask)."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode) & 0o777
    except FileNotFoundError:
        return None


def _create_temp(target, mode):
    """Opens a new temp file beside target, never more permissive than the final file will be."""
    directory, base = os.path.split(target)
    for _ in range(100):
        temp = os.path.join(directory, f".{base}.chainrule-tmp-{os.getpid()}-{secrets.token_hex(4)}")
        try:
            fd = os.open(temp, _CREATE_FLAGS, 0o666 if mode is None else mode)
        except FileExistsError:
            continue
        if mode is not None:
            os.chmod(temp, mode)  # bits the umask stripped at creation
        return fd, temp
    raise FileExistsError(f"save: could not create a temp file beside '{target}'")


def atomic_write(path, write):
    """Calls write(file) on a temp file beside path, fsyncs it and renames it over path: the old file
    stays whole until the new one is complete, and a failure leaves no temp file. A symlink's target
    (resolved, also dangling) is what gets replaced, beside that target."""
    target = os.path.realpath(path)
    directory = os.path.dirname(target)
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
