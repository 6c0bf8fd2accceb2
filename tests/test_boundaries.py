"""The layering the architecture promises (docs/architecture.md), checked on the source."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from conftest import REPO

PACKAGE = REPO / "src" / "cdtext"
MODULES = sorted(PACKAGE.rglob("*.py"))
SQL = re.compile(
    r"\b(SELECT\s.+\sFROM|INSERT INTO|DELETE FROM|CREATE (TEMP )?TABLE|ALTER TABLE|UPDATE \w+ SET)\b|\.execute\("
)


def imports(path: Path) -> set[str]:
    """Every cdtext module ``path`` imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return {m for m in found if m.startswith("cdtext")}


def name(path: Path) -> str:
    return path.relative_to(PACKAGE.parent).with_suffix("").as_posix().replace("/", ".")


def test_the_library_never_imports_the_cli() -> None:
    offenders = [name(p) for p in MODULES if p.name not in ("cli.py", "__main__.py") and "cdtext.cli" in imports(p)]
    assert not offenders


def test_ingestion_knows_nothing_of_classification_aggregation_or_the_report() -> None:
    banned = ("cdtext.classify", "cdtext.aggregate", "cdtext.report", "cdtext.annotation", "cdtext.pipeline")
    offenders = {
        name(p): sorted(m for m in imports(p) if m.startswith(banned))
        for p in (PACKAGE / "ingestion").rglob("*.py")
        if any(m.startswith(banned) for m in imports(p))
    }
    assert not offenders


@pytest.mark.parametrize("path", MODULES, ids=name)
def test_only_the_store_runs_sql(path: Path) -> None:
    if path.name == "store.py":
        return
    hits = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if SQL.search(line)]
    assert not hits, f"{name(path)} writes SQL; give the store a method instead"
