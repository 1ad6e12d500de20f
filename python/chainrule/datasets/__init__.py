"""chainrule.datasets: small data sets shipped inside the package (no download)."""
from chainrule.datasets.digits import Digits, load_digits  # noqa: F401
