"""A PyTorch name chainrule lacks fails at the lookup with a pointer to docs/from_pytorch.md, and
that page's coverage table is the one tools/api_coverage.py makes from the code now."""
import pathlib
import subprocess
import sys

import pytest

import chainrule as cr

ROOT = pathlib.Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("owner, torch_owner", [
    (cr, "torch"), (cr.nn, "torch.nn"), (cr.nn.functional, "torch.nn.functional"), (cr.optim, "torch.optim"),
    (cr.utils.data, "torch.utils.data"), (cr.cuda, "torch.cuda"), (cr.autograd, "torch.autograd"),
    (cr.nn.init, "torch.nn.init"), (cr.optim.lr_scheduler, "torch.optim.lr_scheduler"), (cr.nn.utils, "torch.nn.utils"),
])
def test_a_missing_name_says_chainrule_lacks_it_and_where_to_look(owner, torch_owner):
    with pytest.raises(AttributeError, match=rf"chainrule does not have {torch_owner}\.no_such_name yet .*from_pytorch"):
        owner.no_such_name
    assert not hasattr(owner, "no_such_name")


def test_a_missing_tensor_method_says_so_too():
    with pytest.raises(AttributeError, match=r"torch\.Tensor\.no_such_method yet .*from_pytorch"):
        cr.zeros(1).no_such_method()


def test_dunder_lookups_get_pythons_plain_error():
    with pytest.raises(AttributeError) as info:
        cr.__no_such_dunder__
    assert "from_pytorch" not in str(info.value)


def test_subpackages_load_on_first_use():
    code = "import chainrule, sys; assert 'chainrule.backends.mps' in sys.modules or chainrule.backends.mps; print('ok')"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "ok"


def test_the_coverage_table_in_from_pytorch_md_is_up_to_date():
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "api_coverage.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
