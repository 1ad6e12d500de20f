"""chainrule.torch_version.TorchVersion: the version string `chainrule.__version__` is, compared as a
version and not as text, as torch.torch_version.TorchVersion does. Scripts branch on it
(`padding = 1 if torch.__version__ >= '1.5.0' else 2` in Informer/Autoformer), so '2.13.0' must come
after '1.5.0' and after '2.2', as it does for PyTorch."""
import re

_RELEASE = re.compile(r"^\s*v?(\d+(?:\.\d+)*)(.*?)(?:\+(.*))?\s*$")


def _sort_key(version):
    """(release numbers without trailing zeros, 1 for a final release / 0 for a pre-release, local label)."""
    if isinstance(version, tuple):
        version = ".".join(str(part) for part in version)
    match = _RELEASE.match(str(version))
    if match is None:
        raise ValueError(f"Invalid version: {version!r}")
    release = [int(part) for part in match.group(1).split(".")]
    while len(release) > 1 and release[-1] == 0:
        release.pop()
    suffix, local = match.group(2), match.group(3) or ""
    is_final = 0 if re.search(r"(a|b|c|rc|alpha|beta|pre|preview|dev)\d*", suffix) else 1
    return tuple(release), is_final, suffix, local


class TorchVersion(str):
    """A str whose comparisons (with a str, a tuple of ints or another TorchVersion) are by version."""

    def _compare(self, other, compare):
        return compare(_sort_key(self), _sort_key(other))

    def __lt__(self, other):
        return self._compare(other, lambda a, b: a < b)

    def __le__(self, other):
        return self._compare(other, lambda a, b: a <= b)

    def __gt__(self, other):
        return self._compare(other, lambda a, b: a > b)

    def __ge__(self, other):
        return self._compare(other, lambda a, b: a >= b)

    def __eq__(self, other):
        try:
            return self._compare(other, lambda a, b: a == b)
        except (ValueError, TypeError):
            return str.__eq__(self, other)

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = str.__hash__
