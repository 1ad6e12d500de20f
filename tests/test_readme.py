"""The README's example runs as printed and learns what it says it learns."""
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
