"""The family table of docs/adding_an_op.md is the map of the source tree: every file of
cpp/bindings, cpp/ops, cpp/cpu, cpp/cuda and nn/functional is listed under its family, and every file the
table names exists, so a newcomer can predict where a family's next file lives."""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
COLUMNS = {  # table column -> the folder its file names are relative to
    1: ROOT / "python/chainrule/nn/functional",
    2: ROOT / "cpp/bindings",
    3: ROOT / "cpp/ops",
    4: ROOT / "cpp/cpu",
    5: ROOT / "tests",
    6: ROOT / "cpp/cuda",
}


def family_rows():
    text = (ROOT / "docs/adding_an_op.md").read_text()
    section = text.split("## The families", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1:-1] for line in section.splitlines() if line.startswith("| ") and "`" in line]
    rows = [cells for cells in rows if not cells[1].strip().startswith("`nn/")]  # the header row
    assert rows, "docs/adding_an_op.md has no family table"
    return rows


def listed(column):
    return {(COLUMNS[column] / name).resolve() for cells in family_rows() for name in re.findall(r"`([^`]+)`", cells[column])}


@pytest.mark.parametrize("column", sorted(COLUMNS))
def test_every_file_the_table_names_exists(column):
    missing = sorted(str(p.relative_to(ROOT)) for p in listed(column) if not p.exists())
    assert not missing, f"docs/adding_an_op.md names files that do not exist: {missing}"


@pytest.mark.parametrize("column, pattern", [(1, "*.py"), (2, "*.cpp"), (3, "*.cpp"), (4, "*.cpp"), (6, "*.cu")])
def test_every_source_file_belongs_to_a_family(column, pattern):
    files = {p.resolve() for p in COLUMNS[column].glob(pattern) if p.name != "__init__.py"}
    unlisted = sorted(str(p.relative_to(ROOT)) for p in files - listed(column))
    assert not unlisted, f"add these to the family table of docs/adding_an_op.md: {unlisted}"
