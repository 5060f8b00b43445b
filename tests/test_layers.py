"""Imports run one way (STYLE.md, "The house"), checked on the source with ``ast``.

Every module of the apps is read, imports inside functions included, migrations
and tests left out:

- an app imports only the apps of lower layers: accounts, then households, then
  portfolio, then goals, then dashboard, notifications, dataport and api, which do
  not import each other (but for dataport's use of notifications' e-mail helper);
- no two apps import each other, directly or round a longer cycle;
- an app imports of ``config`` only what a project shell offers to apps (settings,
  the Celery app, the task base, the environment helpers, the mail backend);
- the pure core imports only the standard library and other pure modules: no
  Django, no Celery, no other module of the apps. Importing nothing of the apps,
  it sits below every layer: any app may import it (accounts reads numbers with
  ``portfolio.numbers``), and such an import closes no cycle.

A failure lists each offending import as ``file:line: the import: the rule``.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(__file__).resolve().parent.parent

# Lower numbers are lower layers; apps of one layer are peers.
LAYERS: dict[str, int] = {
    "accounts": 0,
    "households": 1,
    "portfolio": 2,
    "goals": 3,
    "dashboard": 4,
    "notifications": 4,
    "dataport": 4,
    "api": 4,
}
# Imports between peers that the design allows, as (importer, imported): an import's
# outcome is e-mailed through notifications' one sending helper.
PEER_EDGES: frozenset[tuple[str, str]] = frozenset({("dataport", "notifications")})
# What of the project shell an app may import (config.urls, health, devrun and wsgi
# import the apps, so an app importing them would close a loop).
CONFIG_FOR_APPS = frozenset(
    {
        "config",
        "config.settings",
        "config.celery",
        "config.tasks",
        "config.env",
        "config.mail",
        "config.outage_log",
    }
)
PURE_CORE = frozenset(
    {
        "portfolio.metrics",
        "portfolio.schedule",
        "portfolio.figures",
        "portfolio.months",
        "portfolio.limits",
        "portfolio.numbers",
        "portfolio.batches",
        "portfolio.categories",
        "portfolio.trend",
        "portfolio.payments",
        "portfolio.conversion",
        "dataport.statement_rules",
        "portfolio.ecb_file",
        "goals.progress",
    }
)
PROJECT_PACKAGES = frozenset({*LAYERS, "config"})


@dataclass(frozen=True)
class Import:
    path: str  # relative to the repository
    line: int
    statement: str  # as written, for the message
    target: str  # the absolute name of the module (or package) imported

    @property
    def importer_app(self) -> str:
        return self.path.split("/", 1)[0]

    @property
    def target_root(self) -> str:
        return self.target.split(".", 1)[0]


# --- Reading the source ------------------------------------------------------------------


def module_name(path: str) -> str:
    """``portfolio/views/entries.py`` -> ``portfolio.views.entries``."""
    parts = path.removesuffix(".py").split("/")
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_project_module(name: str) -> bool:
    candidate = BASE_DIR.joinpath(*name.split("."))
    return candidate.with_suffix(".py").is_file() or (candidate / "__init__.py").is_file()


def imports_in(source: str, path: str) -> list[Import]:
    """Every import of the module at ``path`` (relative, with ``/``), wherever it stands."""
    module = module_name(path)
    package = module if path.endswith("/__init__.py") else module.rpartition(".")[0]
    found: list[Import] = []
    for node in ast.walk(ast.parse(source, filename=path)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.append(Import(path, node.lineno, f"import {alias.name}", alias.name))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                origin = ".".join([*base, *([node.module] if node.module else [])])
            else:
                origin = node.module or ""
            if origin == "__future__":
                continue
            written = "." * node.level + (node.module or "")
            for alias in node.names:
                # ``from portfolio import snapshots`` imports the module portfolio.snapshots.
                target = f"{origin}.{alias.name}"
                if origin.split(".")[0] not in PROJECT_PACKAGES or not _is_project_module(target):
                    target = origin
                found.append(
                    Import(path, node.lineno, f"from {written} import {alias.name}", target)
                )
    return found


def app_modules() -> Iterator[Path]:
    for app in LAYERS:
        for file in sorted((BASE_DIR / app).rglob("*.py")):
            parts = file.relative_to(BASE_DIR).parts
            if "migrations" in parts or "tests" in parts or file.name.startswith("test_"):
                continue
            yield file


def all_imports() -> list[Import]:
    found: list[Import] = []
    for file in app_modules():
        path = file.relative_to(BASE_DIR).as_posix()
        found += imports_in(file.read_text(encoding="utf-8"), path)
    return found


# --- The rules ----------------------------------------------------------------------------


def may_import(importer: str, imported: str) -> bool:
    """May app ``importer`` import app ``imported``?"""
    if importer == imported:
        return True
    if LAYERS[imported] < LAYERS[importer]:
        return True
    return (importer, imported) in PEER_EDGES


def violations(imports: Iterable[Import]) -> list[str]:
    """One line per import that breaks a rule: ``file:line: import: rule``."""
    found: list[str] = []
    for imp in imports:
        importer, target, root = imp.importer_app, imp.target, imp.target_root
        where = f"{imp.path}:{imp.line}: {imp.statement}"
        if module_name(imp.path) in PURE_CORE:
            if target not in PURE_CORE and root not in sys.stdlib_module_names:
                found.append(
                    f"{where}: the pure core imports only the standard library and "
                    f"other pure modules ({', '.join(sorted(PURE_CORE))})"
                )
            continue
        if target in PURE_CORE:
            continue
        if root in LAYERS and not may_import(importer, root):
            found.append(
                f"{where}: {importer} (layer {LAYERS[importer]}) may not import "
                f"{root} (layer {LAYERS[root]})"
            )
        elif root == "config" and target not in CONFIG_FOR_APPS:
            found.append(
                f"{where}: apps import of config only {', '.join(sorted(CONFIG_FOR_APPS))}"
            )
    return found


def cycles(imports: Iterable[Import]) -> list[str]:
    """Each cycle between apps, as ``a -> b -> a`` and one import per step."""
    edges: dict[tuple[str, str], Import] = {}
    for imp in imports:
        pure = imp.target in PURE_CORE
        if imp.target_root in LAYERS and imp.target_root != imp.importer_app and not pure:
            edges.setdefault((imp.importer_app, imp.target_root), imp)
    graph: dict[str, set[str]] = {}
    for a, b in edges:
        graph.setdefault(a, set()).add(b)

    found: list[str] = []
    seen: set[frozenset[str]] = set()

    def walk(path: list[str]) -> None:
        for nxt in sorted(graph.get(path[-1], ())):
            if nxt == path[0]:
                loop = [*path, nxt]
                if frozenset(loop) not in seen:
                    seen.add(frozenset(loop))
                    steps = "; ".join(
                        f"{e.path}:{e.line}: {e.statement}"
                        for e in (edges[pair] for pair in pairwise(loop))
                    )
                    found.append(f"{' -> '.join(loop)} ({steps})")
            elif nxt not in path and nxt > path[0]:  # each cycle once, from its least app
                walk([*path, nxt])

    for start in sorted(graph):
        walk([start])
    return found


# --- The project ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def project_imports() -> list[Import]:
    found = all_imports()
    assert len({imp.path for imp in found}) > 50, "the checker read too few modules"
    return found


def test_apps_import_only_lower_layers_and_the_shell(project_imports):
    problems = violations(i for i in project_imports if module_name(i.path) not in PURE_CORE)
    assert not problems, "Imports against the layers:\n" + "\n".join(problems)


def test_no_cycle_between_apps(project_imports):
    found = cycles(project_imports)
    assert not found, "Apps that import each other:\n" + "\n".join(found)


def test_the_pure_core_imports_no_django_and_no_app_module(project_imports):
    problems = violations(i for i in project_imports if module_name(i.path) in PURE_CORE)
    assert not problems, "Impure imports in the pure core:\n" + "\n".join(problems)


def test_the_pure_core_modules_exist():
    missing = [name for name in sorted(PURE_CORE) if not _is_project_module(name)]
    assert not missing


def test_every_app_of_the_project_has_a_layer():
    local = [
        app
        for app in settings.INSTALLED_APPS
        if (BASE_DIR / app.split(".")[0] / "apps.py").is_file()
    ]
    assert sorted(local) == sorted(LAYERS)
    # INSTALLED_APPS lists them in layer order.
    assert [LAYERS[app] for app in local] == sorted(LAYERS[app] for app in local)


# --- The checker itself ------------------------------------------------------------------------


def check(source: str, path: str) -> list[str]:
    return violations(imports_in(source, path))


@pytest.mark.parametrize(
    ("path", "source", "culprit"),
    [
        ("accounts/views.py", "from dashboard import views\n", "accounts/views.py:1"),
        (
            "accounts/views.py",
            '"""Doc."""\n\n\ndef view():\n    import goals.models\n',
            "accounts/views.py:5: import goals.models",
        ),
        ("portfolio/forms.py", "from goals.models import Goal\n", "from goals.models import Goal"),
        ("goals/models.py", "from ..dataport import models\n", "from ..dataport import models"),
        ("dashboard/views.py", "from notifications import emails\n", "may not import"),
        ("dataport/views/data.py", "from config.urls import urlpatterns\n", "config.urls"),
        ("portfolio/metrics.py", "from django.db import models\n", "from django.db import models"),
        ("portfolio/months.py", "from django.utils import timezone\n", "pure core"),
        ("goals/progress.py", "import celery\n", "import celery"),
        ("goals/progress.py", "from portfolio import snapshots\n", "portfolio import snapshots"),
        ("portfolio/schedule.py", "from .models import Stream\n", "from .models import Stream"),
        ("portfolio/figures.py", "from config import settings\n", "pure core"),
        ("accounts/fields.py", "from portfolio.forms import MoneyField\n", "may not import"),
    ],
)
def test_the_checker_catches(path, source, culprit):
    found = check(source, path)
    assert len(found) == 1 and culprit in found[0], found


@pytest.mark.parametrize(
    ("path", "source"),
    [
        (
            "dashboard/views.py",
            "from goals.services import goal_cards\nfrom accounts import forms\n",
        ),
        ("portfolio/views/entries.py", "from ..models import Entry\nfrom . import ownership\n"),
        ("goals/progress.py", "from portfolio import metrics\nfrom decimal import Decimal\n"),
        ("portfolio/schedule.py", "from .months import month_end\nimport calendar\n"),
        ("portfolio/tasks.py", "from config.tasks import RetryingTask\nfrom celery import group\n"),
        ("accounts/fields.py", "from portfolio.numbers import parse_decimal\n"),
        ("accounts/fields.py", "from portfolio import numbers\n"),
    ],
)
def test_the_checker_lets_allowed_imports_pass(path, source):
    assert check(source, path) == []


def test_an_import_of_the_pure_core_closes_no_cycle():
    imports = imports_in("from portfolio import numbers\n", "accounts/fields.py") + imports_in(
        "from accounts.models import User\n", "portfolio/models.py"
    )
    assert cycles(imports) == []


def test_the_checker_finds_a_cycle():
    imports = imports_in("from goals import models\n", "notifications/jobs.py") + imports_in(
        "def f():\n    from notifications import emails\n", "goals/views.py"
    )
    (found,) = cycles(imports)
    assert found.startswith("goals -> notifications -> goals")
    assert "goals/views.py:2: from notifications import emails" in found
