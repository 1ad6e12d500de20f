"""requirements-build.txt (what the README's two commands install before building without
isolation) names every package that pyproject.toml's [build-system] requires, at the same minimum."""
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _requirements(lines):
    """name -> the requirement as written, for lines like 'pybind11>=2.12' (comments skipped)."""
    found = {}
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if line:
            name = re.match(r"[A-Za-z0-9_.-]+", line).group(0).lower().replace("_", "-")
            found[name] = line.replace(" ", "")
    return found


def test_build_requirements_cover_pyproject_build_system():
    tomllib = pytest.importorskip("tomllib", reason="tomllib is in the standard library from Python 3.11")
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    wanted = _requirements(pyproject["build-system"]["requires"])
    listed = _requirements((ROOT / "requirements-build.txt").read_text().splitlines())
    assert {name: listed.get(name) for name in wanted} == wanted
    assert {"cmake", "ninja"} <= listed.keys(), "a build without isolation needs CMake and Ninja installed"
