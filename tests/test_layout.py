"""The house's import rules: data flows one way, Brief → … → Audio, and measures read files only.

Each sub-package may import only the packages listed for it in ``ALLOWED`` (and the outside
world). The top level (``composer/*.py``: the API, the piece, the command line) may import
anything. Imports inside functions and under ``TYPE_CHECKING`` count as much as any other.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "composer"

#: Sub-package → the composer sub-packages its modules may import (itself included).
ALLOWED = {
    "base": {"base"},
    "composition": {"base", "composition"},
    "notation": {"base", "composition", "notation"},
    "audio": {"base", "audio"},
    "measure": {"base", "audio", "measure"},
}


def imported_packages(source: str) -> set[str]:
    """The composer sub-packages a module's source imports (top-level modules as their name).

    >>> sorted(imported_packages("from composer.audio import render\\nimport composer.base.files"))
    ['audio', 'base']
    >>> sorted(imported_packages("from composer import compose\\ndef f():\\n    from composer.measure.plot import x"))
    ['__init__', 'measure']
    """
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "composer":
                found.add(parts[1] if len(parts) > 1 else "__init__")
    return found


def violations(package: Path) -> list[str]:
    """Every import in ``package`` that breaks ``ALLOWED``, as "module imports package"."""
    problems = []
    for sub, allowed in ALLOWED.items():
        for module in sorted((package / sub).rglob("*.py")):
            for imported in sorted(imported_packages(module.read_text("utf-8")) - allowed):
                problems.append(f"{module.relative_to(package.parent)} imports composer.{imported}")
    return problems


def test_every_stage_imports_only_what_comes_before_it() -> None:
    assert violations(PACKAGE) == []


def test_every_sub_package_is_governed_by_a_rule() -> None:
    subs = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    assert subs == set(ALLOWED)


def test_a_wrong_import_is_caught(tmp_path: Path) -> None:
    for sub in ALLOWED:
        (tmp_path / "composer" / sub).mkdir(parents=True)
    (tmp_path / "composer" / "composition" / "melody.py").write_text(
        "def f():\n    from composer.measure.analysis import melodic_motion\n")
    (tmp_path / "composer" / "measure" / "plot.py").write_text("from composer.composition.plan import Plan\n")
    assert violations(tmp_path / "composer") == [
        "composer/composition/melody.py imports composer.measure",
        "composer/measure/plot.py imports composer.composition",
    ]


#: The stages after the plan, which read the Plan and never the Brief it was made from.
AFTER_THE_PLAN = ("composition/harmony.py", "composition/grammar.py", "composition/melody", "composition/arrange",
                  "notation")


def brief_imports(source: str) -> bool:
    """Whether a module's source imports the brief stage.

    >>> brief_imports("from composer.composition.brief import Brief"), brief_imports("from composer.composition import plan")
    (True, False)
    """
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            named = [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            named = [alias.name for alias in node.names]
        else:
            continue
        if any(name.startswith("composer.composition.brief") for name in named):
            return True
    return False


def test_no_stage_after_the_plan_reads_the_brief() -> None:
    modules = [m for place in AFTER_THE_PLAN for m in
               ([PACKAGE / place] if place.endswith(".py") else sorted((PACKAGE / place).rglob("*.py")))]
    assert len(modules) > 10
    assert [str(m.relative_to(PACKAGE)) for m in modules if brief_imports(m.read_text("utf-8"))] == []
