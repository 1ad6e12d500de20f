"""The README's examples run as printed and learn what they say they learn."""
import pathlib
import re

import numpy as np

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def test_readme_example_fits_the_known_rule():
    code = re.search(r"```python\n(.*?)```", README.read_text(), re.S).group(1)
    scope = {}
    exec(compile(code, "README.md", "exec"), scope)
    np.testing.assert_allclose(scope["w"].detach().flatten().numpy(), [2.0, -1.0, 0.5], atol=1e-2)
    assert scope["loss"].item() < 1e-3


def test_readme_training_example_reaches_its_accuracy():
    code = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)[1]
    scope = {}
    exec(compile(code, "README.md", "exec"), scope)
    assert scope["accuracy"] > 0.95
