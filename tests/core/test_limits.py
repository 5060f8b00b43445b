"""portfolio.limits: the goal-year policies agree, and the pure core stays pure."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from portfolio.limits import (
    FIRST_YEAR,
    GOAL_FIGURE_LIMIT,
    GOAL_FIGURE_WHOLE_DIGITS,
    LAST_YEAR,
    MONEY_LIMIT,
    goal_import_years,
    goal_years,
)

ROOT = Path(__file__).resolve().parents[2]
PURE = [
    "portfolio/limits.py",
    "portfolio/numbers.py",
    "portfolio/categories.py",
    "portfolio/metrics.py",
    "portfolio/schedule.py",
    "portfolio/figures.py",
    "portfolio/months.py",
    "goals/progress.py",
]


@pytest.mark.parametrize("this_year", [FIRST_YEAR + 1, 2026, LAST_YEAR - 10])
def test_an_import_takes_every_year_the_form_takes_and_no_later_one(this_year):
    form, imported = goal_years(this_year), goal_import_years(this_year)
    assert set(form) <= set(imported)
    assert imported[0] == FIRST_YEAR
    assert imported[-1] == form[-1]


def test_a_goal_figure_limit_is_its_digits():
    assert GOAL_FIGURE_LIMIT == 10**GOAL_FIGURE_WHOLE_DIGITS == MONEY_LIMIT


def _imports(path: str) -> list[str]:
    tree = ast.parse((ROOT / path).read_text())
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            # "from portfolio import metrics" imports the module portfolio.metrics.
            names += [f"{module}.{alias.name}" for alias in node.names]
    return names


@pytest.mark.parametrize("path", PURE)
def test_the_pure_core_imports_no_django_nor_a_module_that_does(path):
    pure = {name.removesuffix(".py").replace("/", ".") for name in PURE}
    apps = ("accounts", "portfolio", "goals", "dashboard", "notifications", "dataport", "config")
    for name in _imports(path):
        assert name.split(".")[0] != "django", name
        if name.split(".")[0] in apps:
            assert any(name == module or name.startswith(f"{module}.") for module in pure), name
