"""Every script in examples/ answers --help: it imports, builds its argument parser and exits 0.

This catches an example broken by an API change (a crash on import or at parser construction)
without running its training. Each script runs in a child process, as a user would run it.
"""
import glob
import os
import subprocess
import sys

import pytest

EXAMPLES_DIR = os.path.join(os.path.dirname(__file__), os.pardir, "examples")
EXAMPLES = sorted(glob.glob(os.path.join(EXAMPLES_DIR, "*.py")))


def test_examples_are_found():
    assert len(EXAMPLES) >= 6, f"expected the examples in {os.path.abspath(EXAMPLES_DIR)}, found {EXAMPLES}"


@pytest.mark.parametrize("script", EXAMPLES, ids=os.path.basename)
def test_example_help(script):
    result = subprocess.run([sys.executable, script, "--help"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"{script} --help exited {result.returncode}:\n{result.stderr}"
    assert result.stdout.startswith(f"usage: {os.path.basename(script)}"), result.stdout
