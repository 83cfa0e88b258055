"""The public API: one explicit __all__, and the README lists it."""

import airdefense
from tests.conftest import REPO


def test_all_names_exist():
    """Every name in airdefense.__all__ exists."""
    for name in airdefense.__all__:
        assert hasattr(airdefense, name), name


def test_readme_lists_public_api():
    """The README's API section names every public function and class."""
    text = (REPO / "README.md").read_text()
    for name in airdefense.__all__:
        if name.startswith("__"):
            continue
        assert f"`{name}`" in text, f"README does not list {name}"
