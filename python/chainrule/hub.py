"""chainrule.hub: torch.hub's pretrained-weights download, without running downloaded code.

Done: tqdm (tqdm's progress bar, as torch.hub exports it), get_dir / set_dir (the same directory as torch's: $TORCH_HOME/hub, by default
~/.cache/torch/hub, so weights torch downloaded are found), download_url_to_file (urllib, SHA-256
prefix check, progress bar) and load_state_dict_from_url, which downloads into <hub dir>/checkpoints
only when the file is not there yet and reads it with chainrule.load.

Not done: load / list / help raise. They import a downloaded repository's hubconf.py, which runs code
from the internet, and chainrule loads nothing that runs code. Build the model from its Python class
and pass the weights' URL to load_state_dict_from_url instead. weights_only defaults to True here
(torch's default is False): an explicit weights_only=False is passed to chainrule.load as asked.
"""
import errno
import hashlib
import os
import re
import sys
import tempfile
import uuid
from urllib.parse import urlparse
from urllib.request import Request, urlopen

__all__ = ["get_dir", "set_dir", "download_url_to_file", "load_state_dict_from_url", "load", "list", "help"]

ENV_TORCH_HOME = "TORCH_HOME"
ENV_XDG_CACHE_HOME = "XDG_CACHE_HOME"
DEFAULT_CACHE_DIR = "~/.cache"
HASH_REGEX = re.compile(r"-([a-f0-9]*)\.")
READ_DATA_CHUNK = 128 * 1024
_hub_dir = None


def get_dir():
    """The hub directory: set_dir's, else $TORCH_HOME/hub, else $XDG_CACHE_HOME/torch/hub (~/.cache/torch/hub)."""
    if _hub_dir is not None:
        return _hub_dir
    cache_home = os.getenv(ENV_XDG_CACHE_HOME, DEFAULT_CACHE_DIR)
    return os.path.join(os.path.expanduser(os.getenv(ENV_TORCH_HOME, os.path.join(cache_home, "torch"))), "hub")


def set_dir(d):
    """Sets the hub directory get_dir returns."""
    global _hub_dir
    _hub_dir = os.path.expanduser(os.fspath(d))


class _PercentBar:
    """torch.hub's stand-in for tqdm when tqdm is not installed: a percentage (or byte count) on stderr."""

    def __init__(self, total=None, disable=False, unit=None, *args, **kwargs):
        self.total, self.disable, self.n = total, disable, 0

    def update(self, n):
        if self.disable:
            return
        self.n += n
        sys.stderr.write(f"\r{self.n:.1f} bytes" if self.total is None else f"\r{100 * self.n / float(self.total):.1f}%")
        sys.stderr.flush()

    def set_description(self, *args, **kwargs):
        pass

    def write(self, s):
        sys.stderr.write(f"{s}\n")

    def close(self):
        self.disable = True

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        if not self.disable:
            sys.stderr.write("\n")


try:
    from tqdm import tqdm  # torch.hub.tqdm too: programs import their progress bar from there
except ImportError:
    tqdm = _PercentBar


def _progress_bar(total, enabled):
    return tqdm(total=total, disable=not enabled, unit="B", unit_scale=True, unit_divisor=1024)


def download_url_to_file(url, dst, hash_prefix=None, progress=True):
    """Downloads url to dst through a temporary file beside it; with hash_prefix, the file's SHA-256 hex
    digest must start with it (RuntimeError otherwise, and dst is not written)."""
    dst = os.path.expanduser(dst)
    for _ in range(tempfile.TMP_MAX):
        partial = f"{dst}.{uuid.uuid4().hex}.partial"
        try:
            file = open(partial, "x+b")
        except FileExistsError:
            continue
        break
    else:
        raise FileExistsError(errno.EEXIST, "No usable temporary file name found")
    sha256 = hashlib.sha256() if hash_prefix is not None else None
    try:
        with file, urlopen(Request(url, headers={"User-Agent": "torch.hub"})) as response:
            length = response.info().get("Content-Length")
            bar = _progress_bar(int(length) if length else None, progress)
            while buffer := response.read(READ_DATA_CHUNK):
                file.write(buffer)
                if sha256 is not None:
                    sha256.update(buffer)
                bar.update(len(buffer))
            bar.close()
        if sha256 is not None and not sha256.hexdigest().startswith(hash_prefix):
            raise RuntimeError(f'invalid hash value (expected "{hash_prefix}", got "{sha256.hexdigest()}")')
        os.replace(partial, dst)
    finally:
        if os.path.exists(partial):
            os.remove(partial)


def load_state_dict_from_url(url, model_dir=None, map_location=None, progress=True, check_hash=False,
                             file_name=None, weights_only=None):
    """Loads the checkpoint at url with chainrule.load, downloading it into model_dir (default <hub dir>/
    checkpoints) under file_name (default the URL's file name) unless it is there already. check_hash:
    the file name's "-<hex>." part must prefix the download's SHA-256, as torch's weight files are named."""
    from chainrule.serialization import load as load_checkpoint
    model_dir = model_dir if model_dir is not None else os.path.join(get_dir(), "checkpoints")
    os.makedirs(model_dir, exist_ok=True)
    filename = file_name if file_name is not None else os.path.basename(urlparse(url).path)
    cached_file = os.path.join(model_dir, filename)
    if not os.path.exists(cached_file):
        sys.stderr.write(f'Downloading: "{url}" to {cached_file}\n')
        match = HASH_REGEX.search(filename) if check_hash else None
        download_url_to_file(url, cached_file, match.group(1) if match else None, progress=progress)
    return load_checkpoint(cached_file, map_location=map_location, weights_only=weights_only)


def _runs_downloaded_code(function_name):
    def refuse(*args, **kwargs):
        raise RuntimeError(
            f"chainrule.hub.{function_name} is not supported: it imports a downloaded repository's hubconf.py, which "
            "runs code from the internet, and chainrule does not load anything that runs code. Build the model from "
            "its Python class and load its weights with chainrule.hub.load_state_dict_from_url(url)")
    refuse.__name__ = refuse.__qualname__ = function_name
    refuse.__doc__ = f"torch.hub.{function_name}: raises RuntimeError (it would run downloaded code)."
    return refuse


load = _runs_downloaded_code("load")
list = _runs_downloaded_code("list")
help = _runs_downloaded_code("help")
